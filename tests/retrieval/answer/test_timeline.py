"""Timelines and order answers over short dated articles, ingested for real (no LLM)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from ingest.pipeline import IngestOptions, ingest_paths
from retrieval.answer.chain import Answerer, AskOptions
from retrieval.answer.refusal import REFUSAL_ZH
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.settings import Settings

# A made-up company's events, one article each, with its publication date (None: unknown).
ARTICLES = {
    "found.txt": (
        "2021-03-05",
        "蓝岸科技在星湖新区成立\n\n2021年3月5日，蓝岸科技在星湖新区正式成立，首期投资3亿元。"
        "公司创始团队来自多所高校。",
    ),
    "chip.txt": (
        "2022-09-14",
        "蓝岸科技发布首款芯片\n\n今年7月，蓝岸科技在星湖新区发布首款芯片“岸芯一号”。"
        "该芯片主要用于工业控制。",
    ),
    "plant.txt": (
        "2022-12-20",
        "蓝岸科技第二工厂投产\n\n2022年12月18日，蓝岸科技第二工厂在星湖新区投产，年产能500万片。",
    ),
    "plan.txt": (
        None,
        "蓝岸科技的长期规划\n\n蓝岸科技计划在星湖新区建设研发中心，吸引更多工程师。",
    ),
    "award.txt": (None, "蓝岸科技获得认定\n\n2022年，蓝岸科技获得国家高新技术企业认定。"),
}
LINE_DATE = re.compile(r"^(\d{4})年(?:(\d{1,2})月)?(?:(\d{1,2})日)?")


@pytest.fixture(scope="module")
def company(
    tmp_path_factory: pytest.TempPathFactory, embedder: WenBaoEmbeddings
) -> Iterator[Answerer]:
    folder = tmp_path_factory.mktemp("company")
    index = Index(Settings(index_dir=folder / "index"), embedder)
    for name, (date, text) in ARTICLES.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        ingest_paths([path], index, IngestOptions(date=date))
    yield Answerer(index)
    index.close()


def test_a_timeline_is_sorted_by_date_and_ends_with_the_undated(company: Answerer) -> None:
    answer = company.ask("蓝岸科技的时间线", options=AskOptions(k=8))
    lines = answer.text.splitlines()
    dated = [LINE_DATE.match(line) for line in lines]
    keys = [tuple(int(g or 0) for g in m.groups()) for m in dated if m]
    assert not answer.refused and answer.mode == "extractive"
    assert keys == sorted(keys) and len(keys) >= 3
    assert lines[0].startswith("2021年3月5日：") and "正式成立" in lines[0]
    assert any(line.startswith("2022年7月：") and "岸芯一号" in line for line in lines)
    assert lines[-1].startswith("（日期不明）") and "研发中心" in lines[-1]
    assert all(re.search(r"\[\d+\]$", line) for line in lines)
    for citation in answer.citations:  # every line quotes its passage verbatim
        assert citation.highlights
        for start, end in citation.highlights:
            quoted = citation.quote[start - citation.char_start : end - citation.char_start]
            assert quoted in answer.text


def test_a_timeline_of_a_named_year_keeps_that_years_events_and_the_undated(
    company: Answerer,
) -> None:
    answer = company.ask("蓝岸科技2022年的时间线", options=AskOptions(k=8))
    lines = answer.text.splitlines()
    assert not answer.refused and any("岸芯一号" in line for line in lines)
    assert not any("正式成立" in line for line in lines)  # 2021: outside the year asked
    assert lines[-1].startswith("（日期不明）")
    # 今年 asked as of a day in 2022 is the same year
    this_year = company.ask("蓝岸科技今年的时间线", options=AskOptions(k=8, as_of="2022-12-30"))
    assert this_year.text == answer.text


def test_which_came_first_names_both_events_with_citations(company: Answerer) -> None:
    answer = company.ask("第二工厂投产和蓝岸科技成立哪个先发生？")
    assert not answer.refused
    assert answer.text.startswith("「蓝岸科技成立」更早（2021年3月5日[")
    assert "「第二工厂投产」在2022年12月18日[" in answer.text
    assert {c.source.rsplit("/", 1)[-1] for c in answer.citations} == {"found.txt", "plant.txt"}


def test_traditional_question_keeps_its_own_wording(company: Answerer) -> None:
    answer = company.ask("第二工廠投產和蓝岸科技成立哪個先發生？")
    assert "「第二工廠投產」在2022年12月18日" in answer.text


def test_same_year_yes_and_same_month_no(company: Answerer) -> None:
    yes = company.ask("首款芯片发布和第二工厂投产是同一年吗？")
    assert yes.text.startswith("是的，都在2022年：") and len(yes.citations) == 2
    no = company.ask("首款芯片发布和第二工厂投产是同一个月吗？")
    assert no.text.startswith("不是：") and "2022年7月" in no.text
    apart = company.ask("蓝岸科技成立和第二工厂投产是同一年吗？")
    assert apart.text.startswith("不是：")


def test_refused_when_a_date_is_unknown_or_too_coarse(company: Answerer) -> None:
    unknown = company.ask("研发中心建设和第二工厂投产哪个先发生？")
    assert unknown.refused and unknown.reliability == "insufficient"
    assert unknown.text.startswith(REFUSAL_ZH) and "「研发中心建设」的日期不明" in unknown.text
    coarse = company.ask("高新技术企业认定和第二工厂投产是同一个月吗？")
    assert coarse.refused and "「高新技术企业认定」在2022年[" in coarse.text


def test_no_time_features_means_no_timeline(company: Answerer) -> None:
    answer = company.ask("蓝岸科技的时间线", options=AskOptions(use_time=False))
    assert "（日期不明）" not in answer.text and "2022年7月：" not in answer.text
