"""The retrieval benchmark's own baseline (naive RRF) and its figures, without a real index."""

from __future__ import annotations

from typing import Any, cast

import pytest

from bench.retrieval import metrics, rrf, variant_name
from retrieval.index import Index
from retrieval.types import Chunk, Hit, HitMethod


def _hits(ids: list[str], method: HitMethod) -> list[Hit]:
    chunks = [Chunk(i, f"art-{i}", "src", "", "", i, 0, 1, 0) for i in ids]
    return [Hit(c, 1.0 / n, n, method) for n, c in enumerate(chunks, start=1)]


class _FakeIndex:
    def __init__(self, dense: list[str], keyword: list[str]) -> None:
        self.dense, self.keyword = dense, keyword
        self.asked: list[int] = []

    def dense_search(self, question: str, k: int) -> list[Hit]:
        self.asked.append(k)
        return _hits(self.dense[:k], "dense")

    def keyword_search(self, question: str, k: int) -> list[Hit]:
        self.asked.append(k)
        return _hits(self.keyword[:k], "keyword")


@pytest.mark.parametrize(
    ("dense", "keyword", "expected"),
    [
        (["a", "b", "c"], ["c", "b", "d"], ["c", "b", "a", "d"]),
        (["a", "b"], [], ["a", "b"]),
        ([], ["x", "y"], ["x", "y"]),
        (["a"], ["a"], ["a"]),
    ],
)
def test_rrf_fuses_by_chunk_id(dense: list[str], keyword: list[str], expected: list[str]) -> None:
    fake = _FakeIndex(dense, keyword)
    fused = rrf(cast(Index, fake), "问题", 10)
    assert [h.chunk.chunk_id for h in fused] == expected
    assert [h.rank for h in fused] == list(range(1, len(expected) + 1))
    assert fake.asked == [50, 50]


def test_rrf_scores_and_cut() -> None:
    fused = rrf(cast(Index, _FakeIndex(["a", "b"], ["b", "a"])), "问题", 1)
    assert len(fused) == 1
    assert fused[0].score == pytest.approx(1 / 61 + 1 / 62)


def test_metrics_names_and_rounding() -> None:
    figures = metrics([1, 2, None], [0.010, 0.020, 0.030], 10)
    assert figures == {
        "recall@1": 0.333,
        "recall@5": 0.667,
        "recall@10": 0.667,
        "mrr@10": 0.5,
        "p50_ms": 20.0,
        "p95_ms": 29.0,
    }
    assert "recall@20" in metrics([1], [0.01], 20)


def test_variant_name_is_stable_json() -> None:
    variant: dict[str, Any] = {"rrf_k": 10, "method": "rrf"}
    assert variant_name(variant) == '{"method": "rrf", "rrf_k": 10}'
