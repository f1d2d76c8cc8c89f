"""Tests of retrieval.check.evidence: evidence sentences from the real sample index."""

from __future__ import annotations

from retrieval.check.evidence import Library
from retrieval.index import Index
from retrieval.types import SearchFilter
from tests.conftest import SAMPLE

PAGE = SAMPLE.read_text(encoding="utf-8")


def test_evidence_sentences_point_into_the_source_and_inherit_their_paragraph(
    sample_index: Index,
) -> None:
    evidence = Library(sample_index, 4).evidence("国核铀业2021年实现营业收入32亿元。")
    assert evidence.hits and evidence.sentences
    best = evidence.sentences[0]
    assert "营业收入32亿元" in best.text and best.overlap >= 0.8
    assert "国核铀业" in best.context
    for sentence in evidence.sentences:
        assert PAGE[sentence.start : sentence.end] == sentence.text
    starts = [(s.chunk.article_id, s.start) for s in evidence.sentences]
    assert len(starts) == len(set(starts))


def test_a_search_filter_hides_articles(sample_index: Index) -> None:
    found = Library(sample_index, 4).evidence("国核铀业营业收入")
    hidden = tuple({h.chunk.article_id for h in found.hits})
    none = Library(sample_index, 4, SearchFilter(exclude_article_ids=hidden))
    assert not {h.chunk.article_id for h in none.evidence("国核铀业营业收入").hits} & set(hidden)
