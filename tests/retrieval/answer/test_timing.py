"""Questions in time through the real chain: the "as of" day, recency, passages' periods."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest

from ingest.pipeline import IngestOptions, ingest_paths
from retrieval.answer.chain import Answerer, AskOptions
from retrieval.answer.subjects import period_conflict
from retrieval.answer.timing import (
    check_as_of,
    in_time,
    passage_periods,
    prefer_recent,
)
from retrieval.errors import RetrievalError
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.search.hybrid import hybrid_search
from retrieval.settings import Settings
from retrieval.text.periods import resolve_periods
from retrieval.types import Answer

# Own sentences: a town's tea figures told in relative time, a county's in an older article,
# and a ferry line reported three times (two dated articles, one undated).
ARTICLES = {
    "chayuan.txt": (
        "2022-10-20",
        "# 云溪镇茶产业稳步发展\n\n本报讯 今年1-8月，云溪镇茶叶加工企业实现产值4.8亿元，"
        "同比增长13.6%。今年上半年新建生态茶园900亩。\n",
    ),
    "zhuqiao.txt": (
        "2021-09-15",
        "# 竹桥县藤编出口走俏\n\n本报讯 今年1-8月，竹桥县藤编制品出口额达到1.9亿元，"
        "同比增长8.1%。今年上半年新增藤编合作社7家。\n",
    ),
    "ferry_old.txt": (
        "2022-03-10",
        "# 白鹭湾轮渡年客运量创新高\n\n本报讯 白鹭湾轮渡年客运量达到126万人次，"
        "白鹭湾轮渡航线同步加密。\n",
    ),
    "ferry_new.txt": (
        "2023-05-20",
        "# 湾区交通简讯\n\n本报讯 白鹭湾轮渡年客运量达到142万人次，新船陆续投用。\n",
    ),
    "ferry_undated.txt": (
        None,
        "# 白鹭湾轮渡简介\n\n白鹭湾轮渡年客运量超过百万人次，是湾区居民出行的主要方式。\n",
    ),
}
FERRY = "白鹭湾轮渡最近的年客运量是多少？"


@pytest.fixture(scope="module")
def timed_index(
    tmp_path_factory: pytest.TempPathFactory, embedder: WenBaoEmbeddings
) -> Iterator[Index]:
    folder = tmp_path_factory.mktemp("timed-articles")
    index = Index(Settings(index_dir=tmp_path_factory.mktemp("timed-index")), embedder)
    for name, (day, text) in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
        ingest_paths([folder / name], index, IngestOptions(date=day))
    yield index
    index.close()


@pytest.fixture(scope="module")
def timed(timed_index: Index) -> Answerer:
    return Answerer(timed_index)


def ask(
    answerer: Answerer, question: str, as_of: str | None = None, *, use_time: bool = True
) -> Answer:
    options = AskOptions(mode="extractive", as_of=as_of, use_time=use_time)
    return answerer.ask(question, (), options)


@pytest.mark.parametrize("as_of", [None, "2023-06-14", "2024-02-29"])
def test_a_possible_day_or_none_is_accepted(as_of: str | None) -> None:
    check_as_of(as_of)


@pytest.mark.parametrize("as_of", ["2023-13-01", "2023-02-30", "20230614", " 2023-06-14", "昨天"])
def test_a_bad_as_of_is_one_line_naming_the_form(as_of: str) -> None:
    with pytest.raises(RetrievalError, match="YYYY-MM-DD") as caught:
        check_as_of(as_of)
    assert "\n" not in str(caught.value)


def test_the_chain_refuses_a_bad_as_of_before_searching(timed: Answerer) -> None:
    with pytest.raises(RetrievalError, match="as_of '2023-6-1'"):
        ask(timed, "云溪镇去年茶叶产值多少？", "2023-6-1")


def test_no_as_of_means_today_and_no_time_keeps_the_question() -> None:
    last_year = datetime.date.today().year - 1
    assert in_time("去年营收多少？", None, use_time=True) == f"{last_year}年营收多少？"
    assert in_time("去年营收多少？", "2023-06-14", use_time=False) == "去年营收多少？"


def test_last_year_as_of_a_day_finds_that_years_relative_figure(timed: Answerer) -> None:
    answer = ask(timed, "云溪镇去年1-8月茶叶加工产值多少？", "2023-06-14")
    assert answer.standalone_question == "云溪镇2022年1-8月茶叶加工产值多少？"
    assert not answer.refused, answer.text
    assert "4.8亿元" in answer.text
    assert answer.citations[0].date == "2022-10-20" and "今年1-8月" in answer.citations[0].quote


def test_the_same_question_asked_a_year_later_is_about_another_year(timed: Answerer) -> None:
    answer = ask(timed, "云溪镇去年1-8月茶叶加工产值多少？", "2024-03-01")
    assert answer.standalone_question == "云溪镇2023年1-8月茶叶加工产值多少？"
    assert answer.refused


def test_a_named_year_matches_an_articles_this_year_only_in_that_year(timed: Answerer) -> None:
    answered = ask(timed, "云溪镇2022年1-8月茶叶加工产值多少？")
    assert not answered.refused and "4.8亿元" in answered.text, answered.text
    # the county's 今年1-8月 is 2021's: its 1.9亿元 answers a question about 2021 only
    in_2021 = ask(timed, "竹桥县2021年1-8月藤编制品出口额多少？")
    assert not in_2021.refused and "1.9亿元" in in_2021.text, in_2021.text
    in_2022 = ask(timed, "竹桥县2022年1-8月藤编制品出口额多少？")
    assert in_2022.refused or "1.9亿元" not in in_2022.text, in_2022.text


def test_this_year_is_no_period_conflict_in_its_year_but_is_in_another() -> None:
    sentence = "今年上半年新增藤编合作社7家。"
    in_2022 = resolve_periods(sentence, "2022-10-20")
    in_2021 = resolve_periods(sentence, "2021-09-15")
    question = "2022年上半年新增合作社几家？"
    assert not period_conflict(question, sentence, in_2022)
    assert period_conflict(question, sentence, in_2021)
    assert period_conflict("2022年下半年新增合作社几家？", sentence, in_2022)
    # without periods (time features off) the old rule: no year named, no conflict
    assert not period_conflict(question, sentence)
    # a passage's "截至目前" names the day a figure stands at, not a period
    at = "截至目前，已有合作社7家。"
    assert not period_conflict(question, at, resolve_periods(at, "2021-09-15"))


def test_passage_periods_are_the_articles_resolved_periods(timed_index: Index) -> None:
    hits = hybrid_search(timed_index, "云溪镇茶叶加工产值", 3)
    periods = passage_periods(timed_index, hits, use_time=True)
    article = hits[0].chunk.article_id
    assert [(p.text, p.date_from, p.date_to) for p in periods[article]] == [
        ("今年1-8月", "2022-01-01", "2022-08-31"),
        ("今年上半年", "2022-01-01", "2022-06-30"),
    ]
    assert passage_periods(timed_index, hits, use_time=False) == {}


def test_recent_questions_prefer_the_newest_comparable_article(timed_index: Index) -> None:
    hits = hybrid_search(timed_index, FERRY, 10)
    assert hits[0].chunk.date == "2022-03-10"  # the older article says more of the question
    dated = {h.chunk.date for h in hits}
    assert {"2022-03-10", "2023-05-20", None} <= dated
    newest = prefer_recent(FERRY, hits, "2023-06-14", use_time=True)
    assert newest[0].chunk.date == "2023-05-20"
    assert [h.rank for h in newest] == list(range(1, len(hits) + 1))
    ferry = [h.chunk.date for h in newest if "白鹭湾" in h.chunk.title]
    assert ferry[-1] is None  # undated last among the ferry articles
    # asked before the newer article was written, the older one comes first
    assert prefer_recent(FERRY, hits, "2022-06-01", use_time=True)[0].chunk.date == "2022-03-10"
    # not a recency question, or time features off: the search order stays
    assert prefer_recent("白鹭湾轮渡年客运量是多少？", hits, "2023-06-14", use_time=True) == hits
    assert prefer_recent(FERRY, hits, "2023-06-14", use_time=False) == hits


def test_a_recent_question_is_answered_from_the_newest_article(timed: Answerer) -> None:
    newest = ask(timed, FERRY, "2023-06-14")
    assert not newest.refused and newest.citations[0].date == "2023-05-20", newest.text
    assert newest.text.index("142万人次") < newest.text.find("126万人次") or (
        "126万人次" not in newest.text
    )
    without = ask(timed, FERRY, "2023-06-14", use_time=False)
    assert without.citations[0].date == "2022-03-10", without.text


def test_without_an_as_of_day_the_articles_own_this_year_answers_with_a_note(
    timed: Answerer,
) -> None:
    """As of today (no day given) 今年 finds nothing, so the question is asked as written: the
    2022 article's 今年1-8月 answers, led by a note naming today's reading, never as reliable."""
    answer = ask(timed, "云溪镇今年1-8月茶叶加工产值多少？")
    today = datetime.date.today().isoformat()
    assert not answer.refused and "4.8亿元" in answer.text, answer.text
    assert answer.text.startswith(f"注意：按提问日期（{today}），今年1-8月 = {today[:4]}年1月—8月")
    assert answer.reliability == "check"
    assert answer.standalone_question == "云溪镇今年1-8月茶叶加工产值多少？"
    assert next(p.date_from for c in answer.citations for p in c.periods) == "2022-01-01"


def test_an_explicit_as_of_day_is_never_read_as_written(timed: Answerer) -> None:
    answer = ask(timed, "云溪镇今年1-8月茶叶加工产值多少？", "2024-03-01")
    assert answer.refused and not answer.text.startswith("注意")
