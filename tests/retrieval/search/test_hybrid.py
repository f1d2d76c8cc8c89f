"""Fusion logic, the LangChain retriever and search filters on the real sample index."""

from __future__ import annotations

import pytest

from retrieval.errors import RetrievalError
from retrieval.index import Index
from retrieval.search.hybrid import FusionConfig, HybridRetriever, fuse, hybrid_search
from retrieval.types import Chunk, Hit, HitMethod, SearchFilter


def hit(cid: str, rank: int, score: float, method: HitMethod) -> Hit:
    chunk = Chunk(cid, "a", "s", "t", "", cid, 0, 1, 0)
    return Hit(chunk, score, rank, method)


def test_rrf_rewards_agreement_and_keeps_both_scores() -> None:
    dense = [hit("x", 1, 0.9, "dense"), hit("y", 2, 0.8, "dense")]
    keyword = [hit("y", 1, 7.0, "keyword"), hit("z", 2, 3.0, "keyword")]
    fused = fuse(dense, keyword, FusionConfig(method="rrf", rrf_k=10))
    assert [h.chunk.chunk_id for h in fused] == ["y", "x", "z"]
    assert (fused[0].dense_score, fused[0].keyword_score) == (0.8, 7.0)
    assert [h.rank for h in fused] == [1, 2, 3] and fused[2].dense_score is None


def test_weighted_fusion_uses_normalised_scores() -> None:
    dense = [hit("x", 1, 0.90, "dense"), hit("y", 2, 0.89, "dense")]
    keyword = [hit("y", 1, 9.0, "keyword"), hit("x", 2, 1.0, "keyword")]
    config = FusionConfig(method="weighted", dense_weight=1.0, keyword_weight=0.5)
    assert [h.chunk.chunk_id for h in fuse(dense, keyword, config)] == ["x", "y"]


@pytest.mark.parametrize("bad", [{"method": "magic"}, {"candidates": 0}])
def test_bad_fusion_config_is_an_error(bad: dict[str, object]) -> None:
    with pytest.raises(RetrievalError):
        FusionConfig(**bad)  # type: ignore[arg-type]


def test_retriever_returns_documents_with_metadata(sample_index: Index) -> None:
    retriever = HybridRetriever(index=sample_index, k=3)
    documents = retriever.invoke("科学城核心区2021年GDP增长多少?")
    assert len(documents) == 3 and "12.9%" in documents[0].page_content
    meta = documents[0].metadata
    assert {
        "chunk_id",
        "article_id",
        "source",
        "char_start",
        "char_end",
        "score",
        "dense_score",
    } <= set(meta)


def test_filters_limit_both_searches(sample_index: Index) -> None:
    hits = hybrid_search(sample_index, "焦作高新区产值增长", 6)
    article = next(h.chunk.article_id for h in hits if "焦作" in h.chunk.title)
    only = hybrid_search(sample_index, "GDP增长", 6, search=SearchFilter(article_ids=(article,)))
    assert only and {h.chunk.article_id for h in only} == {article}
    hidden = hybrid_search(
        sample_index, "焦作高新区产值增长", 6, search=SearchFilter(exclude_article_ids=(article,))
    )
    assert article not in {h.chunk.article_id for h in hidden}
    dated = hybrid_search(sample_index, "GDP增长", 6, search=SearchFilter(date_from="2020-01-01"))
    assert dated == []
