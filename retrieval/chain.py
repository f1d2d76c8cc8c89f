"""The answer chain: question (+ history) → standalone question → passages → answer → checks.

Built from LangChain runnables (``Answerer.runnable``): condense, retrieve, answer. Answers
are extractive by default (no LLM); with a chat model they are written by the LLM from the
numbered passages and streamed, falling back to the extractive answer if the server fails.
Either way every figure is then verified against the passages it cites.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough

from retrieval.answerability import (
    Calibration,
    Judgement,
    calibration_for,
    features,
    hard_rule,
    judge,
    load_calibration,
)
from retrieval.citations import renumber
from retrieval.errors import RetrievalError
from retrieval.extractive import Candidate, Evidence, Extraction, extract
from retrieval.figures import find_figures
from retrieval.followup import condense_by_rule
from retrieval.hybrid import FusionConfig, hybrid_search
from retrieval.index import Index
from retrieval.llm import condense_question, stream_answer
from retrieval.questions import Question, analyse
from retrieval.refusal import REFUSAL_EN, REFUSAL_ZH, Instead, RefusalPolicy, instead, refusal_text
from retrieval.sentences import split_sentences
from retrieval.tokens import count_tokens
from retrieval.types import Answer, Chunk, Citation, Hit, SearchFilter
from retrieval.units import conversion_note
from retrieval.verify import verify

__all__ = ["MAX_QUESTION_CHARS", "Answerer", "AskOptions", "Inspection", "RefusalMode"]

RefusalMode = Literal["model", "rules"]

MAX_QUESTION_CHARS = 1000
HISTORY_TOKENS = 1000


@dataclass(frozen=True)
class AskOptions:
    """Per-question choices: passages, mode (None: LLM when configured) and filter."""

    k: int = 6
    mode: str | None = None
    search: SearchFilter | None = None


@dataclass(frozen=True)
class Inspection:
    """The answer step's view of one question (``Answerer.inspect``): ``draft`` is the
    extractive answer that would be given if nothing refused, ``refused_by_rules`` what the
    hand-set ``RefusalPolicy`` would decide."""

    hits: list[Hit]
    extraction: Extraction
    features: dict[str, float]
    judgement: Judgement
    answer: Answer
    draft: str
    refused_by_rules: bool
    rule: str | None


@dataclass
class _State:
    question: str
    history: tuple[str, ...]
    options: AskOptions
    started: float = field(default_factory=time.perf_counter)
    standalone: str = ""
    hits: list[Hit] = field(default_factory=list)


class Answerer:
    """Answers questions from an index; one per process, shared by the CLI and the app."""

    def __init__(
        self,
        index: Index,
        *,
        chat_model: BaseChatModel | None = None,
        fusion: FusionConfig | None = None,
        policy: RefusalPolicy | None = None,
        refusal: RefusalMode = "model",
    ) -> None:
        """``refusal="rules"`` decides with the hand-set ``policy`` instead of the learned
        answerability model (the benchmark's baseline)."""
        self.index = index
        self.chat_model = chat_model
        self.fusion = fusion or FusionConfig()
        self.policy = policy or RefusalPolicy()
        self.refusal = refusal
        self._calibrations: dict[str, Calibration] = {}
        self.runnable: Runnable[dict[str, Any], Answer] = (
            RunnablePassthrough.assign(standalone=RunnableLambda(self._condense_step))
            | RunnablePassthrough.assign(hits=RunnableLambda(self._retrieve_step))
            | RunnableLambda(self._answer_step)
        )

    def ask(
        self, question: str, history: Sequence[str] = (), options: AskOptions | None = None
    ) -> Answer:
        """The answer to ``question``, following up on ``history`` (earlier questions).

        Raises:
            RetrievalError: the question is empty or too long, or the options are invalid.
        """
        state = _start(question, history, options or AskOptions())
        return self.runnable.invoke({"state": state})

    def stream(
        self, question: str, history: Sequence[str] = (), options: AskOptions | None = None
    ) -> Iterator[str | Answer]:
        """LLM text pieces as they arrive, then the final (verified) ``Answer``.

        Extractive answers yield only the ``Answer``.
        """
        state = _start(question, history, options or AskOptions())
        state.standalone = self._condense(state)
        state.hits = self._retrieve(state)
        yield from self._answer(state)

    def _condense_step(self, data: dict[str, Any]) -> str:
        state: _State = data["state"]
        state.standalone = self._condense(state)
        return state.standalone

    def _retrieve_step(self, data: dict[str, Any]) -> list[Hit]:
        state: _State = data["state"]
        state.hits = self._retrieve(state)
        return state.hits

    def _answer_step(self, data: dict[str, Any]) -> Answer:
        *_, final = self._answer(data["state"])
        assert isinstance(final, Answer)
        return final

    def _condense(self, state: _State) -> str:
        history = _bounded(state.history)
        if self.chat_model is not None and history and self._use_llm(state.options):
            return condense_question(self.chat_model, state.question, history)
        return condense_by_rule(state.question, history)

    def _retrieve(self, state: _State) -> list[Hit]:
        k = state.options.k
        return hybrid_search(self.index, state.standalone, k, self.fusion, state.options.search)

    def inspect(self, question: str, options: AskOptions | None = None) -> Inspection:
        """The answer to a standalone ``question`` and what decided it: hits, sentences,
        answerability features and judgement (for the calibration benchmark)."""
        state = _start(question, (), options or AskOptions())
        state.standalone = state.question
        state.hits = self._retrieve(state)
        asked, extraction, judgement = self._decide(state)
        *_, answer = self._respond(state, asked, extraction, judgement)
        assert isinstance(answer, Answer)
        found = features(asked, state.hits, extraction)
        draft = _extractive_text(extraction, asked.unit_hint)
        by_rules = self.policy.refuse(asked, state.hits, extraction)
        rule = hard_rule(asked, extraction)
        return Inspection(state.hits, extraction, found, judgement, answer, draft, by_rules, rule)

    def _answer(self, state: _State) -> Iterator[str | Answer]:
        yield from self._respond(state, *self._decide(state))

    def _decide(self, state: _State) -> tuple[Question, Extraction, Judgement]:
        question = analyse(state.standalone)
        extraction = self._extract(question, state.hits)
        return question, extraction, self._judge(question, state.hits, extraction)

    def _respond(
        self, state: _State, question: Question, extraction: Extraction, judgement: Judgement
    ) -> Iterator[str | Answer]:
        passages = {n: hit.chunk for n, hit in enumerate(state.hits, start=1)}
        if judgement.reliability == "insufficient":
            yield _refusal(state, "extractive", judgement, instead(question, extraction, passages))
            return
        if self.chat_model is not None and self._use_llm(state.options):
            yield from self._llm_answer(state, passages, extraction, judgement)
            return
        text = _extractive_text(extraction, question.unit_hint)
        answer = self._finish(state, text, passages, extraction, mode="extractive")
        yield _judged(answer, judgement)

    def _extract(self, question: Question, hits: Sequence[Hit]) -> Extraction:
        articles = {}
        for article_id in dict.fromkeys(hit.chunk.article_id for hit in hits):
            body = self.index.article_body(article_id)
            if body is not None:
                articles[article_id] = body
        evidence = Evidence(articles=articles, similarity=self._similarity)
        return extract(question, hits, self.index.term_weights(question.keywords), evidence)

    def _similarity(self, question: str, sentences: Sequence[str]) -> list[float]:
        """Cosine of the question to each sentence, with the index's own embedder."""
        if not sentences:
            return []
        embeddings = self.index.embeddings
        query = np.asarray(embeddings.embed_query(question), dtype=np.float32)
        return [float(v) for v in embeddings.embed_passages(list(sentences)) @ query]

    def _judge(self, question: Question, hits: Sequence[Hit], extraction: Extraction) -> Judgement:
        if self.refusal == "rules":
            refused = self.policy.refuse(question, hits, extraction)
            return Judgement(
                0.0 if refused else 1.0, "insufficient" if refused else "reliable", "rules"
            )
        name = calibration_for(self.index.embeddings.model_name, question.text)
        return judge(self._calibration(name), question, hits, extraction)

    def _calibration(self, name: str) -> Calibration:
        if name not in self._calibrations:
            self._calibrations[name] = load_calibration(name)
        return self._calibrations[name]

    def _llm_answer(
        self,
        state: _State,
        passages: dict[int, Chunk],
        extraction: Extraction,
        judgement: Judgement,
    ) -> Iterator[str | Answer]:
        assert self.chat_model is not None
        pieces: list[str] = []
        try:
            for piece in stream_answer(self.chat_model, state.standalone, list(passages.items())):
                pieces.append(piece)
                yield piece
        except RetrievalError as exc:
            text = _extractive_text(extraction)
            answer = self._finish(
                state, text, passages, extraction, mode="extractive", notice=str(exc)
            )
            yield _judged(answer, judgement)
            return
        text = "".join(pieces).strip()
        if not text or text.startswith((REFUSAL_ZH, REFUSAL_EN)):
            yield _refusal(state, "llm", replace(judgement, reliability="insufficient", rule="llm"))
            return
        yield _judged(self._finish(state, text, passages, extraction, mode="llm"), judgement)

    def _finish(
        self,
        state: _State,
        text: str,
        passages: dict[int, Chunk],
        extraction: Extraction,
        *,
        mode: str,
        notice: str | None = None,
    ) -> Answer:
        checked = verify(text, passages)
        spans: dict[int, list[tuple[int, int]]] = {n: list(s) for n, s in checked.support.items()}
        for sentence in extraction.sentences if mode == "extractive" else ():
            spans.setdefault(sentence.passage, []).append((sentence.start, sentence.end))
        final_text, citations = renumber(checked.text, passages, spans)
        key = tuple(dict.fromkeys(f for s in extraction.sentences for f in s.figures))
        return Answer(
            question=state.question,
            standalone_question=state.standalone,
            text=final_text,
            refused=False,
            citations=citations,
            flags=checked.flags,
            mode=mode,
            seconds=time.perf_counter() - state.started,
            key_figures=key if mode == "extractive" else (),
            notice=notice,
        )

    def _use_llm(self, options: AskOptions) -> bool:
        return options.mode != "extractive"


def _start(question: str, history: Sequence[str], options: AskOptions) -> _State:
    text = question.strip()
    if not text:
        raise RetrievalError("The question is empty: type a question about the articles.")
    if len(text) > MAX_QUESTION_CHARS:
        raise RetrievalError(
            f"The question is {len(text)} characters long: keep it under {MAX_QUESTION_CHARS}."
        )
    if options.mode not in (None, "extractive", "llm"):
        raise RetrievalError(f"Unknown answer mode {options.mode!r}: use extractive or llm.")
    if not 1 <= options.k <= 50:
        raise RetrievalError(f"k={options.k} is out of range: ask for 1 to 50 passages.")
    return _State(text, tuple(h.strip() for h in history if h.strip()), options)


def _bounded(history: tuple[str, ...]) -> list[str]:
    """The most recent history that fits the token budget, oldest first."""
    kept: list[str] = []
    budget = HISTORY_TOKENS
    for turn in reversed(history):
        budget -= count_tokens(turn)
        if budget < 0:
            break
        kept.append(turn)
    return kept[::-1]


def _extractive_text(extraction: Extraction, unit: str | None = None) -> str:
    """The chosen sentences verbatim, each followed by the marker of its passage.

    When the question asked in another scale (多少万元) than the figure is written in
    (1028.8亿元), the figure is restated beside the sentence, never inside it.
    """
    parts = []
    for c in extraction.sentences:
        pieces = split_sentences(c.text, 0, len(c.text))
        for i, (a, b) in enumerate(pieces):
            parts.append(f"{c.text[a:b]}[{c.passage}]")
            note = _conversion(c, unit) if i == len(pieces) - 1 else ""
            parts.append(f"{note}[{c.passage}]" if note else "")
    return "".join(parts)


def _conversion(candidate: Candidate, unit: str | None) -> str:
    if not unit or not candidate.figures:
        return ""
    figure = next((f for f in find_figures(candidate.figures[0])), None)
    note = conversion_note(figure, unit) if figure is not None else None
    return f"（{figure.raw} = {note}）" if figure and note else ""


def _judged(answer: Answer, judgement: Judgement) -> Answer:
    return replace(
        answer, confidence=round(judgement.probability, 3), reliability=judgement.reliability
    )


def _refusal(
    state: _State, mode: str, judgement: Judgement, found: Instead | None = None
) -> Answer:
    """The refusal, and what the articles say instead when a close sentence was found."""
    text = refusal_text(state.question)
    citations: tuple[Citation, ...] = ()
    if found is not None:
        text, citations = renumber(
            f"{text}{found.text}", found.passages, {found.passage: [found.span]}
        )
    return Answer(
        question=state.question,
        standalone_question=state.standalone,
        text=text,
        refused=True,
        citations=citations,
        flags=(),
        mode=mode,
        seconds=time.perf_counter() - state.started,
        confidence=round(judgement.probability, 3),
        reliability="insufficient",
    )
