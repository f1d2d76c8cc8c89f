"""Publication dates at ingest: the order of precedence, mastheads, inferred years, --date."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.pipeline import IngestOptions, ingest_paths
from ingest.segment import segment
from ingest.types import SourceText
from retrieval.errors import ConfigError
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.settings import Settings
from tests.conftest import SAMPLE
from tests.retrieval.index.test_dates import CountingEmbeddings

# Every date source at once: the head has a dateline, the body reports on 2019年 and 今年.
BODY = "# 园区动态\n\n本报讯（2020年5月6日）2019年园区营收增长。今年1-8月新签约项目12个。"
NO_DATELINE = "# 园区动态\n\n本报讯 2019年园区营收增长。今年1-8月新签约项目12个。"


def dated(
    text: str, name: str = "page.md", date: str | None = None
) -> list[tuple[str | None, str | None]]:
    source = SourceText(f"/news/{name}", text, "md", date=date)
    return [(a.date, a.date_origin) for a in segment(source)]


def test_order_of_precedence() -> None:
    named = "2021-01-02_page.md"
    assert dated(BODY, named, date="2023-08-05") == [("2023-08-05", "metadata")]
    assert dated(BODY, named) == [("2021-01-02", "filename")]
    assert dated(BODY) == [("2020-05-06", "dateline")]
    assert dated(NO_DATELINE) == [("2020", "inferred")]
    assert dated("# 园区动态\n\n本报讯 园区营收增长。") == [(None, None)]


def test_inferred_year_says_why() -> None:
    (article,) = segment(SourceText("/news/page.md", NO_DATELINE, "md"))
    assert article.date_origin == "inferred"
    assert "2019年" in article.date_reason and "今年" in article.date_reason


def test_a_masthead_dates_the_page_and_is_not_an_article() -> None:
    text = (
        "科技日报 2022年9月14日 星期三\n\n# 甲\n\n今年1-8月签约12个。\n\n"
        "# 乙\n\n本报讯（2022年9月13日）项目开工。"
    )
    articles = segment(SourceText("/news/page.md", text, "md"))
    assert [a.title for a in articles] == ["甲", "乙"]
    assert [a.article_id[-2:] for a in articles] == ["-1", "-2"]  # numbering kept
    assert [(a.date, a.date_origin) for a in articles] == [
        ("2022-09-14", "dateline"),
        ("2022-09-13", "dateline"),  # its own dateline comes first
    ]
    # a masthead ranks above an inferred year
    page = "2022年9月14日 星期三\n\n" + NO_DATELINE
    assert dated(page) == [("2022-09-14", "dateline")]


def test_undated_articles_of_a_page_take_a_neighbours_date() -> None:
    text = (
        "# 甲\n\n项目开工。\n\n# 乙\n\n"
        + NO_DATELINE.split("\n\n", 1)[1]
        + "\n\n# 丙\n\n园区开放。"
    )
    articles = segment(SourceText("/news/page.md", text, "md"))
    assert [(a.date, a.date_origin) for a in articles] == [("2020", "inferred")] * 3
    assert articles[0].date_reason.endswith("乙") and articles[2].date_reason.endswith("乙")


def test_a_record_date_is_metadata_and_the_file_name_dates_the_rest() -> None:
    with_date = SourceText(
        "/news/2022-09-14.jsonl", "正文。", "jsonl", record_id="1", date="2022-09-01"
    )
    without = SourceText("/news/2022-09-14.jsonl", "正文。", "jsonl", record_id="2")
    assert [(a.date, a.date_origin) for a in segment(with_date)] == [("2022-09-01", "metadata")]
    assert [(a.date, a.date_origin) for a in segment(without)] == [("2022-09-14", "filename")]


@pytest.mark.parametrize("bad", ["2022/10/20", "2022-13-01", "yesterday"])
def test_a_bad_given_date_is_refused(bad: str) -> None:
    with pytest.raises(ConfigError, match="--date must be a date as YYYY-MM-DD"):
        IngestOptions(date=bad)


@pytest.fixture
def counting(embedder: WenBaoEmbeddings) -> CountingEmbeddings:
    return CountingEmbeddings(embedder)


@pytest.fixture
def index(tmp_path: Path, counting: CountingEmbeddings) -> Iterator[Index]:
    opened = Index(Settings(index_dir=tmp_path / "index"), counting)
    yield opened
    opened.close()


def write_records(path: Path, *texts: str) -> Path:
    lines = [
        json.dumps({"id": n, "text": t, "date": "2021-03-04"}, ensure_ascii=False)
        for n, t in enumerate(texts)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def origins(index: Index) -> set[tuple[str | None, str | None]]:
    return {(a.date, a.date_origin) for a in index.article_dates()}


def test_given_date_wins_and_is_kept_by_later_ingests(
    tmp_path: Path, index: Index, counting: CountingEmbeddings
) -> None:
    path = write_records(tmp_path / "news.jsonl", "今年1-8月签约12个。")
    ingest_paths([path], index, IngestOptions(date="2022-10-20"))
    assert origins(index) == {("2022-10-20", "given")}  # over the record's own date
    chunks = index.ledger.get_chunks(sorted(index.ledger.chunk_ids())).values()
    assert {c.date for c in chunks} == {"2022-10-20"}
    ingest_paths([path], index)  # unchanged, without --date
    assert origins(index) == {("2022-10-20", "given")}
    write_records(path, "今年1-8月签约12个。", "上月开工两个项目。")  # changed
    before = counting.calls
    ingest_paths([path], index)
    assert counting.calls == before + 1  # only the new record's chunk is embedded
    assert origins(index) == {("2022-10-20", "given")}
    (added,) = [a for a in index.article_dates() if a.article_id.endswith("#1")]
    assert [(p.text, p.date_from) for p in index.periods(added.article_id)] == [
        ("上月", "2022-09-01")
    ]


def test_given_date_on_an_unchanged_file_embeds_nothing(
    tmp_path: Path, index: Index, counting: CountingEmbeddings
) -> None:
    path = write_records(tmp_path / "news.jsonl", "今年1-8月签约12个。")
    ingest_paths([path], index)
    assert origins(index) == {("2021-03-04", "metadata")}
    before = counting.calls
    summary = ingest_paths([path], index, IngestOptions(date="2022-10-20"))
    assert (summary.chunks_added, counting.calls) == (0, before)
    assert origins(index) == {("2022-10-20", "given")}
    (article,) = index.article_dates()
    assert index.periods(article.article_id)[0].date_to == "2022-08-31"


def test_sample_page_with_a_given_date_resolves_this_year(tmp_path: Path, index: Index) -> None:
    page = tmp_path / "page.txt"
    shutil.copy(SAMPLE, page)
    ingest_paths([page], index, IngestOptions(date="2022-10-20"))
    lead = index.article_dates()[0]
    text = SAMPLE.read_text(encoding="utf-8")
    start = text.index("今年1-8月")
    (period,) = index.periods(lead.article_id, start, start + len("今年1-8月"))
    found = (period.text, period.date_from, period.date_to, period.rule)
    assert found == ("今年1-8月", "2022-01-01", "2022-08-31", "relative_year")
    assert {p.date_from[:4] for p in index.periods(lead.article_id) if "今年" in p.text} == {"2022"}
