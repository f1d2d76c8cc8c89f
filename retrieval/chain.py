"""The answer chain: question (+ history) → standalone question → passages → answer → checks.

Built from LangChain runnables (``Answerer.runnable``): condense, retrieve, answer. Answers
are extractive by default (no LLM); with a chat model they are written by the LLM from the
numbered passages and streamed, falling back to the extractive answer if the server fails.
Either way every figure is then verified against the passages it cites.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough

from retrieval.citations import renumber
from retrieval.errors import RetrievalError
from retrieval.extractive import Extraction, extract
from retrieval.hybrid import FusionConfig, hybrid_search
from retrieval.index import Index
from retrieval.llm import condense_question, stream_answer
from retrieval.questions import analyse, condense_by_rule
from retrieval.refusal import REFUSAL_EN, REFUSAL_ZH, RefusalPolicy, refusal_text
from retrieval.sentences import split_sentences
from retrieval.tokens import count_tokens
from retrieval.types import Answer, Chunk, Hit, SearchFilter
from retrieval.verify import verify

__all__ = ["MAX_QUESTION_CHARS", "Answerer", "AskOptions"]

MAX_QUESTION_CHARS = 1000
HISTORY_TOKENS = 1000


@dataclass(frozen=True)
class AskOptions:
    """Per-question choices: passages, mode (None: LLM when configured) and filter."""

    k: int = 6
    mode: str | None = None
    search: SearchFilter | None = None


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
    ) -> None:
        self.index = index
        self.chat_model = chat_model
        self.fusion = fusion or FusionConfig()
        self.policy = policy or RefusalPolicy()
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

    def _answer(self, state: _State) -> Iterator[str | Answer]:
        question = analyse(state.standalone)
        extraction = extract(question, state.hits, self.index.term_weights(question.keywords))
        if self.policy.refuse(question, state.hits, extraction):
            yield _refusal(state, "extractive")
            return
        passages = {n: hit.chunk for n, hit in enumerate(state.hits, start=1)}
        if self.chat_model is not None and self._use_llm(state.options):
            yield from self._llm_answer(state, passages, extraction)
            return
        text = _extractive_text(extraction)
        yield self._finish(state, text, passages, extraction, mode="extractive")

    def _llm_answer(
        self, state: _State, passages: dict[int, Chunk], extraction: Extraction
    ) -> Iterator[str | Answer]:
        assert self.chat_model is not None
        pieces: list[str] = []
        try:
            for piece in stream_answer(self.chat_model, state.standalone, list(passages.items())):
                pieces.append(piece)
                yield piece
        except RetrievalError as exc:
            text = _extractive_text(extraction)
            yield self._finish(
                state, text, passages, extraction, mode="extractive", notice=str(exc)
            )
            return
        text = "".join(pieces).strip()
        if not text or text.startswith((REFUSAL_ZH, REFUSAL_EN)):
            yield _refusal(state, "llm")
            return
        yield self._finish(state, text, passages, extraction, mode="llm")

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


def _extractive_text(extraction: Extraction) -> str:
    """The chosen sentences verbatim, each followed by the marker of its passage."""
    return "".join(
        f"{c.text[a:b]}[{c.passage}]"
        for c in extraction.sentences
        for a, b in split_sentences(c.text, 0, len(c.text))
    )


def _refusal(state: _State, mode: str) -> Answer:
    return Answer(
        question=state.question,
        standalone_question=state.standalone,
        text=refusal_text(state.question),
        refused=True,
        citations=(),
        flags=(),
        mode=mode,
        seconds=time.perf_counter() - state.started,
    )
