"""Article dates in the index: corrections without re-embedding, periods, older ledgers."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from retrieval.errors import ConfigError, StoreError
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.index.ledger import Ledger
from retrieval.settings import Settings
from retrieval.types import ArticleText, Chunk, SearchFilter

SOURCE = "/news/kexuecheng.txt"
TEXT = (
    "2021年，园区GDP同比增长12.9%。\n\n"
    "今年1-8月，园区新签约项目59个，合同投资额1028.8亿元。\n\n"
    "上月，园区又签约两个项目。"
)


class CountingEmbeddings(WenBaoEmbeddings):
    """The real embedder, counting every text it is asked to embed."""

    def __init__(self, inner: WenBaoEmbeddings) -> None:
        self.inner = inner
        self.model_name = inner.model_name
        self.dimension = inner.dimension
        self.calls = 0

    def embed_passages(self, texts: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        self.calls += len(texts)
        return self.inner.embed_passages(texts)

    def embed_queries(self, texts: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        self.calls += len(texts)
        return self.inner.embed_queries(texts)


def chunks_of(text: str, date: str | None) -> list[Chunk]:
    """One chunk per paragraph of ``text`` (the real chunker is tested elsewhere)."""
    found, start = [], 0
    for n, body in enumerate(text.split("\n\n")):
        start = text.index(body, start)
        found.append(
            Chunk(
                chunk_id=f"c{n}-{abs(hash(body)) % 10**8}",
                article_id=f"{SOURCE}#0",
                source=SOURCE,
                title="园区",
                section="",
                text=body,
                char_start=start,
                char_end=start + len(body),
                index=n,
                date=date,
                embed_text=f"园区\n{body}",
            )
        )
    return found


def article(date: str | None = "2022", origin: Any = "inferred") -> ArticleText:
    return ArticleText(f"{SOURCE}#0", SOURCE, "园区", date, TEXT, "", origin, "a reason")


@pytest.fixture
def counting(embedder: WenBaoEmbeddings) -> CountingEmbeddings:
    return CountingEmbeddings(embedder)


@pytest.fixture
def index(tmp_path: Path, counting: CountingEmbeddings) -> Iterator[Index]:
    opened = Index(Settings(index_dir=tmp_path), counting)
    opened.write_source(SOURCE, "fp1", [article()], chunks_of(TEXT, "2022"))
    yield opened
    opened.close()


def vector_dates(index: Index) -> set[tuple[str, int]]:
    """The dates the vectors' metadata holds."""
    with index.store._use("read") as collection:
        found = collection.get(include=["metadatas"])
    return {(str(m["date"]), int(str(m["date_num"]))) for m in found["metadatas"] or []}


def test_periods_are_resolved_against_the_article_date_at_write(index: Index) -> None:
    periods = index.periods(f"{SOURCE}#0")
    assert [(p.text, p.date_from, p.date_to) for p in periods] == [
        ("今年1-8月", "2022-01-01", "2022-08-31")  # a year alone resolves no 上月
    ]
    assert all(TEXT[p.start_char : p.end_char] == p.text for p in periods)
    second = chunks_of(TEXT, None)[1]
    assert index.periods(f"{SOURCE}#0", second.char_start, second.char_end) == periods
    assert index.periods(f"{SOURCE}#0", 0, second.char_start) == ()


def test_a_correction_reaches_both_stores_without_embedding(
    index: Index, counting: CountingEmbeddings
) -> None:
    before = counting.calls
    dated = index.set_article_date(f"{SOURCE}#0", "2023-02-14")
    assert counting.calls == before  # nothing embedded again
    assert (dated.date, dated.date_origin, dated.date_reason) == ("2023-02-14", "given", "")
    stored = index.article(f"{SOURCE}#0")
    assert stored is not None and (stored.date, stored.date_origin) == ("2023-02-14", "given")
    chunks = index.ledger.get_chunks(sorted(index.ledger.chunk_ids()))
    assert {c.date for c in chunks.values()} == {"2023-02-14"}
    assert vector_dates(index) == {("2023-02-14", 20230214)}
    periods = {p.text: (p.date_from, p.date_to) for p in index.periods(f"{SOURCE}#0")}
    assert periods == {
        "今年1-8月": ("2023-01-01", "2023-08-31"),
        "上月": ("2023-01-01", "2023-01-31"),
    }
    assert [a.date_origin for a in index.article_dates(SOURCE)] == ["given"]


def test_a_correction_survives_a_rewrite_of_the_source(
    index: Index, counting: CountingEmbeddings
) -> None:
    index.set_article_date(f"{SOURCE}#0", "2023-02-14")
    before = counting.calls
    result = index.write_source(SOURCE, "fp2", [article()], chunks_of(TEXT, "2022"))
    assert (result.added, counting.calls) == (0, before)
    stored = index.article(f"{SOURCE}#0")
    assert stored is not None and (stored.date, stored.date_origin) == ("2023-02-14", "given")
    assert vector_dates(index) == {("2023-02-14", 20230214)}
    assert index.periods(f"{SOURCE}#0")[0].date_from == "2023-01-01"


def test_a_new_own_date_updates_kept_chunks_without_embedding(
    index: Index, counting: CountingEmbeddings
) -> None:
    before = counting.calls
    own = article("2022-10-20", "dateline")
    index.write_source(SOURCE, "fp2", [own], chunks_of(TEXT, "2022-10-20"))
    assert counting.calls == before
    assert vector_dates(index) == {("2022-10-20", 20221020)}
    assert {c.date for c in index.ledger.get_chunks(sorted(index.ledger.chunk_ids())).values()} == {
        "2022-10-20"
    }


def test_a_source_date_is_given_to_its_articles_except_corrected_ones(index: Index) -> None:
    index.set_article_date(f"{SOURCE}#0", "2023-02-14")
    assert index.set_source_date(SOURCE, "2022-10-20") == 0  # the correction wins
    other = "/news/other.txt"
    other_article = dataclasses.replace(article(None, None), article_id=f"{other}#0", source=other)
    other_chunks = [
        dataclasses.replace(c, article_id=f"{other}#0", source=other, chunk_id="o" + c.chunk_id)
        for c in chunks_of(TEXT, None)
    ]
    index.write_source(other, "fp", [other_article], other_chunks)
    assert index.set_source_date(other, "2022-10-20") == 1
    assert index.set_source_date(other, "2022-10-20") == 0  # already so
    dates = {a.article_id: (a.date, a.date_origin) for a in index.article_dates()}
    assert dates == {
        f"{SOURCE}#0": ("2023-02-14", "given"),
        f"{other}#0": ("2022-10-20", "given"),
    }


def test_removing_a_source_forgets_its_given_dates(index: Index) -> None:
    index.set_article_date(f"{SOURCE}#0", "2023-02-14")
    index.remove_source(SOURCE)
    assert index.periods(f"{SOURCE}#0") == () and index.article_dates() == []
    index.write_source(SOURCE, "fp3", [article()], chunks_of(TEXT, "2022"))
    assert [(a.date, a.date_origin) for a in index.article_dates()] == [("2022", "inferred")]


@pytest.mark.parametrize("bad", ["2023-02-30", "2023/02/14", "14 Feb 2023", ""])
def test_a_bad_date_is_refused_in_one_line(index: Index, bad: str) -> None:
    with pytest.raises(ConfigError, match="YYYY-MM-DD") as caught:
        index.set_article_date(f"{SOURCE}#0", bad)
    assert "\n" not in str(caught.value)


def test_an_unknown_article_is_refused(index: Index) -> None:
    with pytest.raises(StoreError, match="no article"):
        index.set_article_date("nope#1", "2023-02-14")


def test_a_year_alone_is_no_day_for_a_date_filter(index: Index) -> None:
    limit = SearchFilter(date_from="2022-01-01", date_to="2022-12-31")
    assert index.keyword_search("签约项目", k=5, search=limit) == []
    assert index.dense_search("签约项目", k=5, search=limit) == []
    index.set_article_date(f"{SOURCE}#0", "2022-10-20")
    assert index.keyword_search("签约项目", k=5, search=limit)
    assert index.dense_search("签约项目", k=5, search=limit)


def test_an_older_ledger_gains_the_date_columns_and_tables(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE articles (article_id TEXT PRIMARY KEY, source TEXT NOT NULL, "
            "title TEXT NOT NULL, date TEXT, text TEXT NOT NULL)"
        )
        conn.execute("INSERT INTO articles VALUES ('a#0', '/a.txt', '标题', '2022-10-20', '正文')")
    conn.close()
    ledger = Ledger(path)
    try:
        old = ledger.article("a#0")
        assert old == ArticleText("a#0", "/a.txt", "标题", "2022-10-20", "正文", "", None, "")
        assert ledger.dates.periods("a#0") == () and ledger.dates.given("/a.txt") == (None, {})
        ledger.put_articles("/a.txt", [dataclasses.replace(old, date_origin="metadata")])
        assert [a.date_origin for a in ledger.dates.article_dates()] == ["metadata"]
    finally:
        ledger.close()
    reopened = Ledger(path)  # a second open migrates nothing twice
    reopened.close()
