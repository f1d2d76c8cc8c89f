"""The answer chain: question (+ history) → standalone question → passages → answer → checks.

Built from LangChain runnables (``Answerer.runnable``): condense → retrieve → re-rank →
answer, each step a function from one frozen value to the next (``Asked`` → ``Condensed`` →
``Passages`` → ``Answer``); ``stream()`` runs the same first three steps
(``Answerer.passages``), then streams the answer step. Answers
are extractive by default (no LLM); with a chat model they are written by the LLM from the
numbered passages and streamed, falling back to the extractive answer if the server fails.
Either way every figure is then verified against the passages it cites.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import Runnable, RunnableLambda

from retrieval.answer.answerability import (
    Calibration,
    Judgement,
    calibration_for,
    features,
    hard_rule,
    judge,
    load_calibration,
)
from retrieval.answer.citations import renumber
from retrieval.answer.extractive import Candidate, Evidence, Extraction, extract
from retrieval.answer.followup import condense_by_rule
from retrieval.answer.llm import condense_question, stream_answer
from retrieval.answer.periods import with_periods
from retrieval.answer.questions import Question, analyse, clean_text
from retrieval.answer.refusal import (
    REFUSAL_EN,
    REFUSAL_ZH,
    Instead,
    RefusalPolicy,
    instead,
    refusal_text,
)
from retrieval.answer.rerank import RerankConfig, rerank_in_index
from retrieval.answer.timeline import answer_in_time, tools_for
from retrieval.answer.timing import (
    as_of_day,
    as_written_lead,
    check_as_of,
    in_time,
    passage_periods,
    prefer_recent,
)
from retrieval.answer.verify import verify
from retrieval.errors import RetrievalError
from retrieval.index import Index
from retrieval.search.hybrid import FusionConfig, hybrid_search
from retrieval.settings import DEFAULT_K, K_RANGE
from retrieval.text.figures import find_figures
from retrieval.text.sentences import split_sentences
from retrieval.text.tokens import count_tokens
from retrieval.text.units import conversion_note
from retrieval.types import Answer, AnswerMode, Chunk, Citation, Hit, SearchFilter

__all__ = [
    "MAX_QUESTION_CHARS",
    "Answerer",
    "AskOptions",
    "Asked",
    "Condensed",
    "Inspection",
    "Passages",
    "RefusalMode",
]

RefusalMode = Literal["model", "rules"]

MAX_QUESTION_CHARS = 1000
HISTORY_TOKENS = 1000


@dataclass(frozen=True)
class AskOptions:
    """Per-question choices: passages, mode (None: LLM when configured) and filter.

    ``as_of``: the ISO date the question is asked on, for its relative time (去年, 最近);
    None means today. ``use_time=False`` turns every time feature off (the benchmark's
    ``--no-time`` baseline).
    """

    k: int = DEFAULT_K
    mode: AnswerMode | None = None
    search: SearchFilter | None = None
    as_of: str | None = None
    use_time: bool = True


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


@dataclass(frozen=True)
class Asked:
    """What the user asked: the chain's input (checked by ``Asked.check``)."""

    question: str
    history: tuple[str, ...]
    options: AskOptions
    started: float = field(default_factory=time.perf_counter)


@dataclass(frozen=True)
class Condensed:
    """After the condense step: the question made standalone from the history."""

    asked: Asked
    standalone: str
    as_written: str = ""
    """The standalone question before its relative time was rewritten ("" when the same)."""


@dataclass(frozen=True)
class Passages:
    """After the retrieve step (fused candidates) and the re-rank step (the ``k`` kept)."""

    asked: Asked
    standalone: str
    hits: tuple[Hit, ...]
    as_written: str = ""


class Answerer:
    """Answers questions from an index; one per process, shared by the CLI and the app."""

    def __init__(
        self,
        index: Index,
        *,
        chat_model: BaseChatModel | None = None,
        fusion: FusionConfig | None = None,
        reranking: RerankConfig | None = None,
        policy: RefusalPolicy | None = None,
        refusal: RefusalMode = "model",
    ) -> None:
        """``refusal="rules"`` decides with the hand-set ``policy`` instead of the learned
        answerability model (the benchmark's baseline)."""
        self.index = index
        self.chat_model = chat_model
        self.fusion = fusion or FusionConfig()
        self.reranking = reranking or RerankConfig()
        self.policy = policy or RefusalPolicy()
        self.refusal = refusal
        self._calibrations: dict[str, Calibration] = {}
        self.retrieval: Runnable[Condensed, Passages] = RunnableLambda(
            self._retrieve, name="retrieve"
        ) | RunnableLambda(self._rerank, name="rerank")
        self.preparation: Runnable[Asked, Passages] = (
            RunnableLambda(self._condense, name="condense") | self.retrieval
        )
        self.runnable: Runnable[Asked, Answer] = self.preparation | RunnableLambda(
            self._answer_step, name="answer"
        )

    def ask(
        self, question: str, history: Sequence[str] = (), options: AskOptions | None = None
    ) -> Answer:
        """The answer to ``question``, following up on ``history`` (earlier questions).

        Raises:
            RetrievalError: the question is empty or too long, or the options are invalid.
        """
        return self.runnable.invoke(_start(question, history, options or AskOptions()))

    def stream(
        self, question: str, history: Sequence[str] = (), options: AskOptions | None = None
    ) -> Iterator[str | Answer]:
        """LLM text pieces as they arrive, then the final (verified) ``Answer``.

        Extractive answers yield only the ``Answer``.
        """
        passages = self.preparation.invoke(_start(question, history, options or AskOptions()))
        yield from self._answer(passages)

    def passages(
        self, question: str, history: Sequence[str] = (), options: AskOptions | None = None
    ) -> Passages:
        """The passages an answer to ``question`` would rest on (condensed, retrieved,
        re-ranked), without answering."""
        return self.preparation.invoke(_start(question, history, options or AskOptions()))

    def _answer_step(self, passages: Passages) -> Answer:
        *_, final = self._answer(passages)
        assert isinstance(final, Answer)
        return final

    def _condense(self, asked: Asked) -> Condensed:
        history = _bounded(asked.history)
        if self.chat_model is not None and history and self._use_llm(asked.options):
            standalone = condense_question(self.chat_model, asked.question, history)
        else:
            standalone = condense_by_rule(asked.question, history)
        options = asked.options
        timed = in_time(standalone, options.as_of, use_time=options.use_time)
        return Condensed(asked, timed, standalone if timed != standalone else "")

    def _retrieve(self, condensed: Condensed) -> Passages:
        options = condensed.asked.options
        pool = max(options.k, self.reranking.depth)
        hits = hybrid_search(self.index, condensed.standalone, pool, self.fusion, options.search)
        hits = prefer_recent(condensed.standalone, hits, options.as_of, use_time=options.use_time)
        return Passages(condensed.asked, condensed.standalone, tuple(hits), condensed.as_written)

    def _rerank(self, passages: Passages) -> Passages:
        ranked = rerank_in_index(self.index, passages.standalone, passages.hits, self.reranking)
        return replace(passages, hits=tuple(ranked[: passages.asked.options.k]))

    def inspect(self, question: str, options: AskOptions | None = None) -> Inspection:
        """The answer to a standalone ``question`` and what decided it: hits, sentences,
        answerability features and judgement (for the calibration benchmark)."""
        asked = _start(question, (), options or AskOptions())
        state = self.retrieval.invoke(Condensed(asked, asked.question))
        hits = list(state.hits)
        analysed, extraction, judgement = self._decide(state)
        *_, answer = self._reply(state, (analysed, extraction, judgement))
        assert isinstance(answer, Answer)
        found = features(analysed, hits, extraction)
        draft = _extractive_text(extraction, analysed.unit_hint)
        by_rules = self.policy.refuse(analysed, hits, extraction)
        rule = hard_rule(analysed, extraction)
        return Inspection(hits, extraction, found, judgement, answer, draft, by_rules, rule)

    def _answer(self, state: Passages) -> Iterator[str | Answer]:
        incomplete = frozenset(self.index.incomplete_sources())
        for item in self._reply(state):
            if isinstance(item, Answer):
                final = self._as_written(state, item)
                yield _with_time(_mark_incomplete(final, incomplete), self.index, state)
            else:
                yield item

    def _as_written(self, state: Passages, answer: Answer) -> Answer:
        """A refusal of a question whose relative time was read as of today (no "as of" day
        given) is asked again as written: when the articles answer 今年… by their own dates,
        that answer is given, led by a note that it is not the period of the asking day."""
        if not (answer.refused and state.as_written and state.asked.options.as_of is None):
            return answer
        again = self.retrieval.invoke(Condensed(state.asked, state.as_written))
        *_, other = self._reply(again)
        if not isinstance(other, Answer) or other.refused:
            return answer
        lead = as_written_lead(state.as_written, as_of_day(None))
        reliability = "check" if other.reliability == "reliable" else other.reliability
        return replace(other, text=lead + other.text, reliability=reliability)

    def _reply(
        self, state: Passages, decided: tuple[Question, Extraction, Judgement] | None = None
    ) -> Iterator[str | Answer]:
        """A timeline or order answer when the question asks for one (no sentence extraction
        then), else the answer from the extracted sentences (``decided``, when already made)."""
        timed = self._in_time(state)
        if timed is not None:
            yield timed
        else:
            yield from self._respond(state, *(decided or self._decide(state)))

    def _in_time(self, state: Passages) -> Answer | None:
        """The answer to a timeline, order or same-period question (None for others, or
        with time features off); each event is searched with the chain's own search."""
        if not state.asked.options.use_time:
            return None

        def search(phrase: str) -> tuple[Hit, ...]:
            return self._rerank(self._retrieve(Condensed(state.asked, phrase))).hits

        tools, asked = tools_for(self.index, search), state.asked
        return answer_in_time(asked.question, state.standalone, state.hits, tools, asked.started)

    def _decide(self, state: Passages) -> tuple[Question, Extraction, Judgement]:
        question = analyse(state.standalone)
        extraction = self._extract(question, state.hits, use_time=state.asked.options.use_time)
        return question, extraction, self._judge(question, state.hits, extraction)

    def _respond(
        self, state: Passages, question: Question, extraction: Extraction, judgement: Judgement
    ) -> Iterator[str | Answer]:
        passages = {n: hit.chunk for n, hit in enumerate(state.hits, start=1)}
        if judgement.reliability == "insufficient":
            yield _refusal(state, "extractive", judgement, instead(question, extraction, passages))
            return
        if self.chat_model is not None and self._use_llm(state.asked.options):
            yield from self._llm_answer(state, passages, extraction, judgement)
            return
        text = _extractive_text(extraction, question.unit_hint)
        answer = self._finish(state, text, passages, extraction, mode="extractive")
        yield _judged(answer, judgement)

    def _extract(
        self, question: Question, hits: Sequence[Hit], *, use_time: bool = True
    ) -> Extraction:
        articles = {}
        for article_id in dict.fromkeys(hit.chunk.article_id for hit in hits):
            body = self.index.article_body(article_id)
            if body is not None:
                articles[article_id] = body
        periods = passage_periods(self.index, hits, use_time=use_time)
        evidence = Evidence(articles=articles, similarity=self._similarity, periods=periods)
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
        state: Passages,
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
        state: Passages,
        text: str,
        passages: dict[int, Chunk],
        extraction: Extraction,
        *,
        mode: AnswerMode,
        notice: str | None = None,
    ) -> Answer:
        checked = verify(text, passages)
        spans: dict[int, list[tuple[int, int]]] = {n: list(s) for n, s in checked.support.items()}
        for sentence in extraction.sentences if mode == "extractive" else ():
            spans.setdefault(sentence.passage, []).append((sentence.start, sentence.end))
        final_text, citations = renumber(checked.text, passages, spans)
        key = tuple(dict.fromkeys(f for s in extraction.sentences for f in s.figures))
        return Answer(
            question=state.asked.question,
            standalone_question=state.standalone,
            text=final_text,
            refused=False,
            citations=citations,
            flags=checked.flags,
            mode=mode,
            seconds=time.perf_counter() - state.asked.started,
            key_figures=key if mode == "extractive" else (),
            notice=notice,
        )

    def _use_llm(self, options: AskOptions) -> bool:
        return options.mode != "extractive"


def _start(question: str, history: Sequence[str], options: AskOptions) -> Asked:
    text, history = clean_text(question).strip(), [clean_text(h) for h in history]
    if not text:
        raise RetrievalError("The question is empty: type a question about the articles.")
    if len(text) > MAX_QUESTION_CHARS:
        raise RetrievalError(
            f"The question is {len(text)} characters long: keep it under {MAX_QUESTION_CHARS}."
        )
    if options.mode not in (None, "extractive", "llm"):
        raise RetrievalError(f"Unknown answer mode {options.mode!r}: use extractive or llm.")
    if not K_RANGE[0] <= options.k <= K_RANGE[1]:
        low, high = K_RANGE
        raise RetrievalError(f"k={options.k} is out of range: ask for {low} to {high} passages.")
    check_as_of(options.as_of)
    return Asked(text, tuple(h.strip() for h in history if h.strip()), options)


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


def _mark_incomplete(answer: Answer, sources: frozenset[str]) -> Answer:
    """Mark the citations whose source a stopped ingest left half written."""
    if not sources:
        return answer
    marked = tuple(replace(c, incomplete=c.source in sources) for c in answer.citations)
    return replace(answer, citations=marked)


def _judged(answer: Answer, judgement: Judgement) -> Answer:
    return replace(
        answer, confidence=round(judgement.probability, 3), reliability=judgement.reliability
    )


def _refusal(
    state: Passages, mode: AnswerMode, judgement: Judgement, found: Instead | None = None
) -> Answer:
    """The refusal, and what the articles say instead when a close sentence was found."""
    text = refusal_text(state.asked.question)
    citations: tuple[Citation, ...] = ()
    if found is not None:
        text, citations = renumber(
            f"{text}{found.text}", found.passages, {found.passage: [found.span]}
        )
    return Answer(
        question=state.asked.question,
        standalone_question=state.standalone,
        text=text,
        refused=True,
        citations=citations,
        flags=(),
        mode=mode,
        seconds=time.perf_counter() - state.asked.started,
        confidence=round(judgement.probability, 3),
        reliability="insufficient",
    )


def _with_time(answer: Answer, index: Index, state: Passages) -> Answer:
    """Each citation with the resolved periods of its quote (今年 = 2022), unless the question
    turned time features off."""
    return with_periods(answer, index.periods) if state.asked.options.use_time else answer
