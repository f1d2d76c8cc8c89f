"""Bylines end to end: kept in the chunks (quotable at exact offsets), stored as article
metadata in the ledger (older ledgers migrated in place), and answering "who reported this?".

Real files, real embeddings, real Chroma; the articles are our own text.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

import ingest.pipeline
from ingest.pipeline import IngestOptions, ingest_paths
from ingest.segment import SEGMENTATION_VERSION, segment
from ingest.types import Article, SourceText
from retrieval.answer.chain import Answerer
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.settings import Settings
from retrieval.types import Chunk

BYLINE = "本报记者 林晓舟 通讯员 陈一鸣"
ARTICLE = (
    "# 青石镇老街完成改造 百年骑楼重新开放\n\n"
    f"{BYLINE}\n\n"
    "经过十四个月的修缮，青石镇老街的二十三栋百年骑楼于上周六重新向游客开放。"
    "改造工程总投资约1.2亿元，由镇政府与省文旅集团共同出资。\n\n"
    "## 修旧如旧\n\n"
    "修缮团队保留了骑楼原有的砖木结构，只更换了已经腐朽的梁柱。开放首日，老街接待游客超过两万人次。\n\n"
    "## 引入老字号\n\n"
    "镇长周立新表示，下一步将引入非遗工坊和老字号商铺，让老街重新热闹起来。\n"
)


@pytest.fixture
def article_file(tmp_path: Path) -> Path:
    path = tmp_path / "articles" / "old-street.txt"
    path.parent.mkdir()
    path.write_text(ARTICLE, encoding="utf-8")
    return path


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(index_dir=tmp_path / "index")


@pytest.fixture
def index(settings: Settings, embedder: WenBaoEmbeddings) -> Iterator[Index]:
    opened = Index(settings, embedder)
    yield opened
    opened.close()


def chunks_of(index: Index) -> list[Chunk]:
    return sorted(
        index.ledger.get_chunks(sorted(index.ledger.chunk_ids())).values(),
        key=lambda chunk: chunk.char_start,
    )


def byline_of(index: Index, article_id: str) -> str:
    stored = index.article(article_id)
    assert stored is not None, article_id
    return stored.byline


def test_reporter_question_is_answered_from_the_byline(article_file: Path, index: Index) -> None:
    ingest_paths([article_file], index)
    original = article_file.read_text(encoding="utf-8")

    answer = Answerer(index).ask("这篇报道的记者是谁？")

    assert not answer.refused, answer.text
    assert "林晓舟" in answer.text and "陈一鸣" in answer.text
    cited = [c for c in answer.citations if BYLINE in c.quote]
    assert cited, answer.citations
    for citation in answer.citations:
        assert original[citation.char_start : citation.char_end] == citation.quote
    assert byline_of(index, cited[0].article_id) == BYLINE


def test_byline_chunk_offsets_point_into_the_original(article_file: Path, index: Index) -> None:
    ingest_paths([article_file], index)
    original = article_file.read_text(encoding="utf-8")

    first = chunks_of(index)[0]

    assert original[first.char_start : first.char_end] == first.text
    assert first.text.startswith(BYLINE)
    assert original.index(BYLINE) == first.char_start


def _without_byline(source: SourceText) -> list[Article]:
    """What the previous release made of a source: the byline line cut from the articles."""
    articles = segment(source)
    return [
        dataclasses.replace(
            article,
            byline="",
            paragraphs=tuple(
                p for p in article.paragraphs if source.text[p.start : p.end] != article.byline
            ),
        )
        for article in articles
    ]


def _drop_byline_column(ledger: Path) -> None:
    """Turn a ledger into one written before the ``articles.byline`` column existed."""
    with sqlite3.connect(ledger) as conn:
        conn.execute("ALTER TABLE articles DROP COLUMN byline")
    conn.close()


def test_old_index_is_migrated_and_resegmented_without_re_embedding(
    article_file: Path, settings: Settings, embedder: WenBaoEmbeddings
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ingest.pipeline, "segment", _without_byline)
        patch.setattr(ingest.pipeline, "SEGMENTATION_VERSION", SEGMENTATION_VERSION - 1)
        old = Index(settings, embedder)
        ingest_paths([article_file], old)
        ledger = old.ledger.path
        old.close()
    _drop_byline_column(ledger)

    reopened = Index(settings, embedder)  # the migration adds the column
    try:
        (article_id,) = {chunk.article_id for chunk in chunks_of(reopened)}
        assert byline_of(reopened, article_id) == ""
        assert not any(BYLINE in chunk.text for chunk in chunks_of(reopened))
        embedded: list[int] = []

        summary = ingest_paths([article_file], reopened, IngestOptions(on_embedded=embedded.append))

        assert (summary.chunks_added, summary.chunks_removed, summary.chunks_unchanged) == (1, 1, 2)
        assert sum(embedded) == 1
        assert byline_of(reopened, article_id) == BYLINE
        assert chunks_of(reopened)[0].text.startswith(BYLINE)
        assert reopened.is_consistent()
    finally:
        reopened.close()
    again = Index(settings, embedder)  # opening a migrated ledger again changes nothing
    try:
        assert byline_of(again, article_id) == BYLINE
        assert ingest_paths([article_file], again).chunks_added == 0
    finally:
        again.close()
