"""How much of a question a text covers, with rare terms counting more.

Shared by the extractive answerer (which sentence answers) and the hybrid retriever (a cheap
re-ranking of fused candidates that needs no extra embedding).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence

from retrieval.figures import normalize_for_match

__all__ = ["ABBREVIATION_CREDIT", "SYNONYMS", "coverage", "term_weights"]

ABBREVIATION_CREDIT = 0.7
_CJK = re.compile(r"[\u4e00-\u9fff]+")

# Abbreviations and near-synonyms that news text uses for the same economic figure; used for
# matching only, never shown to users.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "gdp": ("生产总值",),
    "营收": ("营业收入", "收入"),
    "收益": ("收入",),
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

    A term found only as the long form of a Chinese abbreviation ("恒指" in "恒生指数",
    "航母" in "航空母舰") counts ``ABBREVIATION_CREDIT`` of its weight.
    """
    total = sum(weights.values())
    if not total:
        return 0.0
    norm = normalize_for_match(text).lower()
    return sum(w * _mentions(norm, k) for k, w in weights.items()) / total


def _mentions(norm: str, term: str) -> float:
    if term in norm or any(other in norm for other in SYNONYMS.get(term, ())):
        return 1.0
    pattern = _abbreviation(term)
    return ABBREVIATION_CREDIT if pattern and pattern.search(norm) else 0.0


@functools.lru_cache(maxsize=4096)
def _abbreviation(term: str) -> re.Pattern[str] | None:
    """Chinese abbreviations keep their characters in order: 恒指 ← 恒生指数, 央视 ← 中央电视台."""
    if not 2 <= len(term) <= 4 or not _CJK.fullmatch(term):
        return None
    return re.compile("[\u4e00-\u9fff]{0,2}".join(map(re.escape, term)))
