"""Answer-aware re-ranking: the chunk whose sentence answers the question moves up."""

from __future__ import annotations

import pytest

from retrieval.answer.rerank import AnswerAwareReranker, RerankConfig, rerank, reranked_search
from retrieval.errors import RetrievalError
from retrieval.index import Index
from retrieval.search.hybrid import HybridRetriever, hybrid_search
from retrieval.types import Chunk, Hit

WEIGHTS = RerankConfig()
QUESTION = "科学城核心区2021年GDP增长多少?"
IDF = {
    "科学": 3.0,
    "科学城": 4.0,
    "核心": 2.0,
    "核心区": 3.0,
    "2021年": 1.5,
    "gdp": 3.0,
    "增长": 1.0,
}


def hit(cid: str, text: str, rank: int, score: float, dense: float | None = 0.9) -> Hit:
    chunk = Chunk(cid, cid, "s.txt", "科学城", "", text, 0, len(text), 0)
    return Hit(chunk, score, rank, "hybrid", dense_score=dense)


ABOUT = hit(
    "about", "科学城核心区2021年GDP发展情况备受关注，各方都在讨论科学城核心区的未来。", 1, 1.0
)
ANSWER = hit("answer", "2021年科学城核心区实现GDP增长12.9%，高于全市平均水平。", 2, 0.8)
OTHER = hit("other", "焦作高新区今年1-10月产值同比增长221.4%。", 3, 0.7)


def ids(hits: list[Hit]) -> list[str]:
    return [h.chunk.chunk_id for h in hits]


def test_the_chunk_that_answers_moves_above_one_that_is_only_about_it() -> None:
    ranked = rerank(QUESTION, [ABOUT, ANSWER, OTHER], IDF, WEIGHTS)
    assert ids(ranked)[0] == "answer"
    assert [h.rank for h in ranked] == [1, 2, 3]


def test_hits_beyond_the_depth_keep_their_place() -> None:
    shallow = RerankConfig(depth=1)
    assert ids(rerank(QUESTION, [ABOUT, ANSWER, OTHER], IDF, shallow)) == [
        "about",
        "answer",
        "other",
    ]


def test_a_keyword_only_hit_is_not_punished_for_having_no_dense_score() -> None:
    keyword_only = hit("answer", ANSWER.chunk.text, 2, 0.8, dense=None)
    assert ids(rerank(QUESTION, [ABOUT, keyword_only], IDF, WEIGHTS))[0] == "answer"


def test_zero_depth_or_zero_weights_mean_fusion_alone() -> None:
    off = RerankConfig(coverage=0, sentence=0, fit=0, similarity=0)
    assert not off.active and not RerankConfig(depth=0).active
    assert RerankConfig().active
    assert ids(rerank(QUESTION, [ABOUT, ANSWER, OTHER], IDF, off)) == ["about", "answer", "other"]


def test_negative_weights_are_an_error() -> None:
    with pytest.raises(RetrievalError, match=">= 0"):
        RerankConfig(sentence=-1.0)


def test_reranked_search_on_the_sample_page_puts_the_answer_first(sample_index: Index) -> None:
    top = reranked_search(sample_index, QUESTION, 3)[0]
    assert "12.9%" in top.chunk.text


def test_search_alone_does_not_rerank(sample_index: Index) -> None:
    """Re-ranking is the chain's step: search returns the fused order, untouched."""
    fused = hybrid_search(sample_index, QUESTION, 20)
    assert [h.rank for h in fused] == list(range(1, len(fused) + 1))
    assert [h.score for h in fused] == sorted((h.score for h in fused), reverse=True)


def test_the_compressor_gives_the_same_order_as_the_chain_step(sample_index: Index) -> None:
    fused = HybridRetriever(index=sample_index, k=20).invoke(QUESTION)
    reranker = AnswerAwareReranker(index=sample_index, top_n=3)
    documents = reranker.compress_documents(fused, QUESTION)
    expected = reranked_search(sample_index, QUESTION, 3)
    assert [d.metadata["chunk_id"] for d in documents] == [h.chunk.chunk_id for h in expected]
