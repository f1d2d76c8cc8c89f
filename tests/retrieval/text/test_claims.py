"""Tests of retrieval.text.claims: claim sentences, their facts, figure contexts and periods.

Our own sentences, written about the sample page (never eval data).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from retrieval.text.claims import (
    Period,
    figure_context,
    find_periods,
    overlap,
    period_relation,
    read_figures,
    split_claims,
)
from retrieval.text.figures import Figure, find_figures

DRAFT = (
    "国核铀业2021年实现营业收入32亿元，利润总额3.3亿元。该项目总投资约105亿元！\n\n"
    "西部(重庆)科学城招商公司有关负责人说：“我们看重企业的龙头带动效应。”今年1-8月新签约"
    "项目59个。Guohe Uranium earned 3.2 billion yuan in 2021, up 12.5 percent.\n"
    "产业链“双链”融合发展。"
)


def _figure(sentence: str, raw: str) -> Figure:
    return next(f for f in find_figures(sentence) if f.raw == raw)


def test_every_claim_and_fact_points_back_into_the_pasted_text() -> None:
    claims = split_claims(DRAFT)
    assert len(claims) == 6
    for claim in claims:
        assert DRAFT[claim.start : claim.end] == claim.text
        assert claim.facts
        for fact in claim.facts:
            assert DRAFT[fact.start : fact.end] == fact.text
            assert claim.start <= fact.start < fact.end <= claim.end


def test_figures_keep_value_unit_and_scale_and_dates_become_date_facts() -> None:
    first = split_claims(DRAFT)[0]
    kinds = [(f.kind, f.text) for f in first.facts]
    assert kinds == [("date", "2021年"), ("figure", "32亿元"), ("figure", "3.3亿元")]
    revenue = first.facts[1].figure
    assert revenue is not None and revenue.value == Decimal("3200000000") and revenue.unit == "元"


def test_quotations_have_their_speaker_and_terms_in_quotes_are_not_quotations() -> None:
    claims = split_claims(DRAFT)
    quoted = next(c for c in claims if "负责人说" in c.text)
    quote = next(f for f in quoted.facts if f.kind == "quote")
    assert quote.text == "我们看重企业的龙头带动效应。"
    assert quote.quotation is not None
    assert quote.quotation.speaker == "西部(重庆)科学城招商公司有关负责人"
    term = claims[-1]
    assert [f.kind for f in term.facts] == ["name"] and term.facts[0].text == term.text


def test_english_figures_are_read_but_shown_as_written() -> None:
    english = next(c for c in split_claims(DRAFT) if c.text.startswith("Guohe"))
    shown = {f.kind: f.text for f in english.facts if f.kind != "figure"}
    figures = [f for f in english.facts if f.kind == "figure"]
    assert [f.text for f in figures] == ["3.2 billion yuan", "12.5 percent"]
    assert figures[0].figure is not None and figures[0].figure.value == Decimal("3200000000")
    assert shown == {"date": "2021"}


@pytest.mark.parametrize(
    ("text", "year", "part"),
    [
        ("今年1-8月新签约项目59个", "今年", "1-8月"),
        ("今年上半年汽车产业产值增长", "今年", "1-6月"),
        ("今年前三季度GDP增速领跑", "今年", "1-9月"),
        ("2021年营业收入32亿元", "2021", None),
        ("2023年第三季度营收", "2023", "7-9月"),
        ("10月28日项目开工", None, "10月28日"),
        ("in the first half of 2022", None, "1-6月"),
    ],
)
def test_periods_are_read_into_year_and_months(text: str, year: str | None, part: str) -> None:
    period = find_periods(text)[0]
    assert (period.year, period.part) == (year, part)
    assert text[period.start : period.end] == period.text


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (("2021", None), ("2021", None), "same"),
        (("2021", None), ("2022", None), "conflict"),
        (("今年", "1-8月"), ("今年", "1-9月"), "conflict"),
        (("今年", "1-8月"), (None, "1-8月"), "same"),
        (("今年", None), ("2021", None), "unknown"),
        ((None, "10月"), (None, "10月28日"), "same"),
        ((None, "10月28日"), (None, "10月29日"), "conflict"),
    ],
)
def test_period_relation(
    a: tuple[str | None, str | None], b: tuple[str | None, str | None], expected: str
) -> None:
    left, right = Period("a", 0, 1, *a), Period("b", 0, 1, *b)
    assert period_relation(left, right) == expected
    assert period_relation(left, None) == "unknown"


def test_figure_context_names_label_period_and_the_list_a_total_belongs_to() -> None:
    sentence = (
        "截至目前,科学城核心区已成功引进华润微电子12英寸功率半导体晶圆生产线项目、中国平安"
        "科学城大健康科技园等招商项目317个,合同投资额3141.9亿元。"
    )
    total = figure_context(sentence, _figure(sentence, "3141.9亿元"))
    assert total.label == "合同投资额" and total.period is None
    assert total.total_of is not None and total.total_of.endswith("等招商项目317个")
    assert total.members.startswith("华润微电子") and "科学城核心区" not in total.members
    inside = figure_context(sentence, _figure(sentence, "12英寸"))
    assert inside.total_of is None


def test_figure_context_of_a_period_and_of_a_metric() -> None:
    sentence = (
        "今年1-8月新签约项目59个,合同投资额1028.8亿元;2021年实现营业收入32亿元,利润总额3.3亿元"
    )
    assert figure_context(sentence, _figure(sentence, "59个")).label == "新签约项目"
    amount = figure_context(sentence, _figure(sentence, "1028.8亿元"))
    assert amount.period is not None and amount.period.text == "今年1-8月"
    profit = figure_context(sentence, _figure(sentence, "3.3亿元"))
    assert profit.label == "利润总额" and profit.period is not None
    assert profit.period.year == "2021"
    each = "科瑞森、明仁等企业产值同比增长分别达78.1%、9.6%"
    assert figure_context(each, _figure(each, "78.1%")).total_of is None


def test_a_claim_inherits_the_paragraph_before_it() -> None:
    claims = split_claims("2021年，国核铀业营业收入32亿元。利润总额3.3亿元。\n另一段。")
    assert claims[1].context == "2021年，国核铀业营业收入32亿元。"
    assert claims[2].context == ""


def test_overlap_and_reading() -> None:
    assert overlap("国核铀业营业收入99亿元", "国核铀业2021年实现营业收入32亿元") == 1.0
    assert overlap("国核铀业营业收入", "科学城利润总额") == 0.0
    assert overlap("营收100亿元", "营收100亿元") == 0.0  # too few words besides the figure
    reading = read_figures("Revenue was 4.29 billion yuan.")
    assert reading.read != reading.text and reading.figures[0].unit == "元"
    assert reading.text[slice(*reading.spans[0])] == "4.29 billion yuan"
