"""Citations carry what their quote's relative time means, read from the index at answer time.

A short article of our own, dated with ``--date`` (``IngestOptions.date``), in a real index
with the real embedder: its answer's citation says 今年1-8月 = 2022年1-8月, the quote itself
stays the original text, and ``use_time=False`` leaves the periods out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from ingest.pipeline import IngestOptions, ingest_paths
from retrieval.answer.chain import Answerer, AskOptions
from retrieval.answer.periods import with_periods
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.settings import Settings
from retrieval.text.period_labels import period_label
from retrieval.types import Answer, ResolvedPeriod

ARTICLE = (
    "# 青石镇茶叶出口再创新高\n\n本报记者 林晓\n\n"
    "今年1-8月，青石镇茶叶出口额达到3.6亿元，同比增长18.2%，出口国家和地区增加到27个。"
    "去年全年，青石镇茶叶出口额为4.1亿元。\n\n"
    "上月，青石镇新建的两座茶叶加工厂投产，日加工能力合计120吨，可吸纳周边农户就业600人。\n\n"
    "昨天，青石镇政府发布茶园生态保护规划，提出到2030年建成生态茶园5万亩。\n"
)
QUESTION = "青石镇茶叶出口额同比增长多少？"


@pytest.fixture(scope="module")
def dated(tmp_path_factory: pytest.TempPathFactory, embedder: WenBaoEmbeddings) -> Iterator[Index]:
    """A real index of the article, ingested with the date 2022-10-20."""
    folder = tmp_path_factory.mktemp("dated")
    page = folder / "qingshi.txt"
    page.write_text(ARTICLE, encoding="utf-8")
    index = Index(Settings(index_dir=folder / "index"), embedder)
    ingest_paths([page], index, IngestOptions(date="2022-10-20"))
    yield index
    index.close()


@pytest.fixture(scope="module")
def answered(dated: Index) -> Answer:
    return Answerer(dated).ask(QUESTION)


def test_the_citation_says_which_year_its_quote_means(answered: Answer) -> None:
    assert not answered.refused and "18.2%" in answered.text
    cited = answered.citations[0]
    assert cited.quote == ARTICLE[cited.char_start : cited.char_end]  # never rewritten
    found = {p.text: p for p in cited.periods}
    first = found["今年1-8月"]
    assert (first.date_from, first.date_to, first.rule) == (
        "2022-01-01", "2022-08-31", "relative_year",
    )  # fmt: skip
    assert period_label(first) == "今年1-8月 = 2022年1月—8月"
    assert period_label(found["去年全年"]) == "去年全年 = 2021年"


def test_every_period_lies_inside_its_quote_at_its_own_offsets(answered: Answer) -> None:
    for cited in answered.citations:
        for period in cited.periods:
            assert cited.char_start <= period.start_char < period.end_char <= cited.char_end
            assert ARTICLE[period.start_char : period.end_char] == period.text


def test_without_time_features_citations_carry_no_periods(dated: Index) -> None:
    answer = Answerer(dated).ask(QUESTION, options=AskOptions(use_time=False))
    assert answer.citations and "18.2%" in answer.text
    assert all(c.periods == () for c in answer.citations)


def test_streamed_answers_carry_the_periods_too(dated: Index) -> None:
    *_, final = Answerer(dated).stream(QUESTION)
    assert isinstance(final, Answer)
    assert any(p.text == "今年1-8月" for c in final.citations for p in c.periods)


def test_one_lookup_per_article_and_only_the_periods_inside_each_quote(
    dated: Index, answered: Answer
) -> None:
    whole = answered.citations[0]
    lead = ARTICLE.index("今年1-8月")
    narrow = replace(whole, n=2, char_start=lead, char_end=ARTICLE.index("去年全年"))
    asked: list[str] = []

    def lookup(article_id: str) -> tuple[ResolvedPeriod, ...]:
        asked.append(article_id)
        return dated.periods(article_id)

    bare = replace(answered, citations=(replace(whole, periods=()), replace(narrow, periods=())))
    dated_answer = with_periods(bare, lookup)
    assert asked == [whole.article_id]
    assert [p.text for p in dated_answer.citations[1].periods] == ["今年1-8月"]
    assert len(dated_answer.citations[0].periods) > 1


def test_a_refusal_dates_the_citation_of_what_the_articles_say_instead(dated: Index) -> None:
    answer = Answerer(dated).ask("青石镇2021年茶叶进口额是多少？")  # it has no 进口额
    assert answer.refused and answer.citations
    for cited in answer.citations:
        assert cited.periods
        assert cited.periods == dated.periods(cited.article_id, cited.char_start, cited.char_end)
