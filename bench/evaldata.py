"""BEIR-style eval data (queries, qrels, answers) and the metrics of ../shared/eval/README.md.

Pure functions only: the retrieval and answer benchmarks share them, and the tests pin them.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from retrieval.text.hanzi import to_simplified

__all__ = [
    "answer_hit",
    "first_relevant_rank",
    "load_answers",
    "load_corpus",
    "load_qrels",
    "load_queries",
    "mrr_at",
    "normalise",
    "percentile",
    "recall_at",
    "refusal_split",
    "split_of",
]

DATASETS = ("rgb", "cmrc", "drcd", "chrono", "cmrc_en")
# Any one reference span counts: CMRC, DRCD, ChronoQA and the English CMRC questions.
SPAN_DATASETS = frozenset({"cmrc", "drcd", "chrono", "cmrc_en"})
_SPACE_RE = re.compile(r"\s+")


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def load_queries(folder: Path) -> dict[str, str]:
    """Query id → question text, in file order."""
    return {row["_id"]: row["text"] for row in _jsonl(folder / "queries.jsonl")}


def load_corpus(folder: Path) -> dict[str, dict[str, str]]:
    """Passage id → ``{"title", "text"}``, in file order."""
    return {
        row["_id"]: {"title": row.get("title") or "", "text": row["text"]}
        for row in _jsonl(folder / "corpus.jsonl")
    }


def load_qrels(folder: Path) -> dict[str, set[str]]:
    """Query id → ids of the passages that answer it (``qrels.tsv``, header line skipped)."""
    qrels: dict[str, set[str]] = {}
    lines = (folder / "qrels.tsv").read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        fields = line.split("\t")
        if len(fields) >= 3 and fields[2].strip() not in {"", "0"}:
            qrels.setdefault(fields[0], set()).add(fields[1])
    return qrels


def load_answers(folder: Path) -> dict[str, list[Any]]:
    """Query id → reference answers (RGB items may themselves be lists of alternatives)."""
    return {row["_id"]: list(row["answers"]) for row in _jsonl(folder / "answers.jsonl")}


def normalise(text: str) -> str:
    """NFKC (full-width digits and letters → half-width), Simplified characters, no spaces."""
    return _SPACE_RE.sub("", to_simplified(unicodedata.normalize("NFKC", text)))


def answer_hit(answer_text: str, answers: Sequence[Any], dataset: str) -> bool:
    """Does ``answer_text`` satisfy the README's answer rule for ``dataset``?

    RGB: every top-level item must appear; an item that is a list means any one of them.
    CMRC, DRCD, ChronoQA: any one of the reference spans. Both sides are normalised first
    (DRCD's Traditional spans match a Simplified answer too).
    """
    text = normalise(answer_text)

    def found(item: str) -> bool:
        needle = normalise(item)
        return bool(needle) and needle in text

    if dataset in SPAN_DATASETS:
        return any(found(str(span)) for span in answers)
    if dataset != "rgb":
        raise ValueError(f"unknown dataset {dataset!r}: use one of {', '.join(DATASETS)}")
    if not answers:
        return False
    return all(
        any(found(str(alt)) for alt in item) if isinstance(item, list) else found(str(item))
        for item in answers
    )


def split_of(query_id: str) -> str:
    """The fixed split of a query: ``dev`` (tuning and model fitting) or ``test`` (reported).

    Half and half by a hash of the id, so it never depends on file order or on other queries.
    """
    digest = hashlib.sha256(query_id.encode("utf-8")).digest()
    return "test" if digest[0] % 2 else "dev"


def refusal_split(query_ids: Sequence[str], seed: int = 0) -> set[str]:
    """The fixed, seeded 1-in-6 subset of queries whose relevant passages are held out."""
    ordered = sorted(set(query_ids))
    return set(random.Random(seed).sample(ordered, len(ordered) // 6))


def first_relevant_rank(ranked_ids: Sequence[str], relevant: set[str]) -> int | None:
    """1-based rank of the first relevant id in ``ranked_ids``, or None."""
    for rank, item in enumerate(ranked_ids, start=1):
        if item in relevant:
            return rank
    return None


def recall_at(ranks: Sequence[int | None], k: int) -> float:
    """Share of queries whose first relevant chunk is within the top ``k``."""
    if not ranks:
        return 0.0
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)


def mrr_at(ranks: Sequence[int | None], k: int = 10) -> float:
    """Mean of 1/rank of the first relevant chunk in the top ``k`` (0 when none)."""
    if not ranks:
        return 0.0
    return sum(1 / r for r in ranks if r is not None and r <= k) / len(ranks)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100), linear between closest ranks (numpy's default)."""
    if not values:
        return math.nan
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be 0..100, got {q}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
