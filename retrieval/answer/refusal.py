"""The relevance floor: when nothing retrieved can answer, say so instead of guessing.

A confident answer with a nearby but wrong figure is the worst output, so the floor looks
at more than similarity: the best sentence must cover enough of the question, and for
figure and date questions it must hold a figure or date of the kind asked for. Thresholds
are tuned on ../shared/eval (``python -m bench answer``), not on the sample page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from retrieval.answer.extractive import Candidate, Extraction
from retrieval.answer.questions import Question, is_english
from retrieval.answer.subjects import METRICS
from retrieval.types import Chunk, Hit

__all__ = ["REFUSAL_EN", "REFUSAL_ZH", "Instead", "RefusalPolicy", "instead", "refusal_text"]

REFUSAL_ZH = "在已收录的文章中没有找到相关信息。"
REFUSAL_EN = "The articles in the collection do not say."


@dataclass(frozen=True)
class RefusalPolicy:
    """Thresholds below which the answer is the refusal text (and no LLM is called).

    ``coverage`` is the IDF-weighted share of the question's terms in the best answer
    sentence (or 0.8 of its passage's); ``dense`` the best cosine similarity retrieved. Tuned
    on both eval sets at once with false refusals capped at 0.05 on each: RGB (short keyword
    questions, same-event distractors) alone favoured a 0.70 coverage floor, which refused 36%
    of CMRC's answerable, paraphrased questions. Evidence is weak, and refused, when coverage
    is under ``min_coverage``, or under ``weak_coverage`` while similarity is under
    ``weak_dense``.
    """

    min_dense: float = 0.80
    min_coverage: float = 0.30
    weak_coverage: float = 0.60
    weak_dense: float = 0.89

    def refuse(self, question: Question, hits: Sequence[Hit], extraction: Extraction) -> bool:
        """True when the retrieved passages do not answer ``question``."""
        best = extraction.best
        if not hits or best is None:
            return True
        dense = max((h.dense_score for h in hits if h.dense_score is not None), default=None)
        if dense is not None and dense < self.min_dense:
            return True
        if question.kind in {"figure", "when"} and not any(s.fits for s in extraction.sentences):
            return True
        if best.coverage < self.min_coverage:
            return True
        weak_similarity = dense is None or dense < self.weak_dense
        return best.coverage < self.weak_coverage and weak_similarity


def refusal_text(question: str) -> str:
    """The fixed refusal, in the question's language."""
    return REFUSAL_EN if is_english(question) else REFUSAL_ZH


@dataclass(frozen=True)
class Instead:
    """What a refusal adds: the closest sentence, which says something else, and why."""

    text: str
    passage: int
    span: tuple[int, int]
    passages: Mapping[int, Chunk]


def instead(
    question: Question, extraction: Extraction, passages: Mapping[int, Chunk]
) -> Instead | None:
    """The sentence to quote beside a refusal: one about another subject or metric, or, for
    a pasted statement, the closest sentence (whose figures differ)."""
    english = is_english(question.text)
    found = extraction.rejected
    if question.kind == "claim" and extraction.best is not None:
        found = extraction.best
        lead = (
            " The closest passage says: " if english else "文章中没有这样的说法。最接近的原文是："
        )
    elif found is not None and found.mismatch:
        lead = _mismatch_lead(question.text, found, english)
    else:
        return None
    quote = f"「{found.text.strip()}」[{found.passage}]"
    return Instead(lead + quote, found.passage, (found.start, found.end), passages)


_LEADS = {
    "period": (
        "文章中没有所问时期的这项信息；最接近的内容说的是另一时期，仅供参考：",
        " They say nothing about that period; the closest passage is about another one: ",
    ),
    "metric": (
        "文章中没有「{}」的数字；最接近的内容说的是另一项指标，仅供参考：",
        " They give no figure for {}; the closest passage is about another measure: ",
    ),
    "subject": (
        "文章中没有关于「{}」的这项信息；最接近的内容说的是别的主体，仅供参考：",
        " They never mention {}; the closest passage is about something else: ",
    ),
}


def _mismatch_lead(question: str, found: Candidate, english: bool) -> str:
    """Why the closest sentence cannot answer: another period, metric or subject."""
    if found.mismatch == ("period",):
        kind = "period"
    elif set(found.mismatch) <= {m.lower() for m in METRICS}:
        kind = "metric"
    else:
        kind = "subject"
    what = "、".join(_as_asked(question, term) for term in found.mismatch)
    return _LEADS[kind][english].format(what)


def _as_asked(question: str, term: str) -> str:
    """A matched term as the question wrote it ("gdp" → "GDP")."""
    at = question.lower().find(term)
    return question[at : at + len(term)] if at >= 0 else term
