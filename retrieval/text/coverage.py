"""How much of a question a text covers, with rare terms counting more.

Shared by the extractive answerer (which sentence answers) and the hybrid retriever (a cheap
re-ranking of fused candidates that needs no extra embedding).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from retrieval.text.figures import normalize_for_match

__all__ = ["SYNONYMS", "coverage", "term_weights"]

# Abbreviations and near-synonyms that news text uses for the same economic figure; used for
# matching only, never shown to users.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "gdp": ("生产总值",),
    "营收": ("营业收入", "收入"),
    "净利": ("净利润",),
    "cpi": ("居民消费价格",),
    "ppi": ("工业生产者出厂价格",),
    "pmi": ("采购经理指数",),
}


def term_weights(keywords: Sequence[str], idf: Mapping[str, float] | None) -> dict[str, float]:
    """Weight of each question term: its IDF when known, else a length-based stand-in.

    Figures weigh a lot in the stand-in because a figure named in the question is rarely
    incidental.
    """
    if idf:
        return {k: idf.get(k, max(idf.values(), default=1.0)) for k in keywords}
    return {k: (3.0 if any(ch.isdigit() for ch in k) else min(len(k), 4) / 2) for k in keywords}


def coverage(weights: Mapping[str, float], text: str) -> float:
    """Share (0..1) of the total term weight whose terms occur in ``text``.

    Matching is on normalised text (``normalize_for_match``: half-width, Simplified), so a
    Traditional question covers a Simplified passage and the other way round.
    """
    total = sum(weights.values())
    if not total:
        return 0.0
    norm = normalize_for_match(text).lower()
    return sum(w * _mentions(norm, k) for k, w in weights.items()) / total


def _mentions(norm: str, term: str) -> float:
    found = term in norm or any(other in norm for other in SYNONYMS.get(term, ()))
    return 1.0 if found else 0.0
