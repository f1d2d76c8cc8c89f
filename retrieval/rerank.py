"""Answer-aware re-ranking of the fused candidates, with no extra embedding.

Dense and BM25 scores say a chunk is *about* the question; RGB's distractors are about it
too ("2022年春节档" passages that never give the box office). What separates the passage
that answers is a sentence that covers the question and holds the kind of thing asked for
(a figure of the right unit, a date). The extractive answerer already scores exactly that,
so the top fused hits are re-ranked by it. Weights were chosen on RGB and checked on split
halves and on CMRC (``python -m bench retrieval``); see ``FusionConfig``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from retrieval.coverage import coverage, term_weights
from retrieval.extractive import candidates
from retrieval.questions import analyse
from retrieval.types import Hit

__all__ = ["RerankWeights", "rerank"]


@dataclass(frozen=True)
class RerankWeights:
    """How much each signal adds to the fused score (scaled so the best fused hit is 1)."""

    coverage: float
    sentence: float
    fit: float
    similarity: float
    depth: int


def rerank(
    question: str,
    hits: Sequence[Hit],
    idf: Mapping[str, float],
    weights: RerankWeights,
) -> list[Hit]:
    """``hits`` with the top ``weights.depth`` re-ordered by answer-aware value; ranks renumbered.

    ``idf`` maps the question's keywords to their inverse document frequency in the index.
    """
    head, tail = list(hits[: weights.depth]), list(hits[weights.depth :])
    if not head:
        return list(hits)
    value = _values(question, head, idf, weights)
    ordered = sorted(head, key=lambda h: (-value[h.chunk.chunk_id], h.rank))
    return [replace(h, rank=i) for i, h in enumerate([*ordered, *tail], start=1)]


def _values(
    question: str, head: list[Hit], idf: Mapping[str, float], weights: RerankWeights
) -> dict[str, float]:
    asked = analyse(question)
    terms = term_weights(asked.keywords, idf)
    top = max(h.score for h in head) or 1.0
    known = [h.dense_score for h in head if h.dense_score is not None]
    floor = min(known, default=0.0)
    value = {}
    for hit in head:
        best = next(iter(candidates(asked, [hit], idf=idf)), None)
        similarity = hit.dense_score if hit.dense_score is not None else floor
        value[hit.chunk.chunk_id] = (
            hit.score / top
            + weights.coverage * coverage(terms, f"{hit.chunk.title} {hit.chunk.text}")
            + weights.sentence * (best.score if best else 0.0)
            + weights.fit * (1.0 if best and best.fits else 0.0)
            + weights.similarity * similarity
        )
    return value
