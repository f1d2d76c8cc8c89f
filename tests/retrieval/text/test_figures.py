"""Tests of retrieval.text.figures: parsing, comparing and protecting figures in news text."""

from __future__ import annotations

import itertools
from decimal import Decimal
from pathlib import Path

import pytest

from retrieval.text.figures import (
    KINDS,
    MAX_BRACKET_SPAN,
    Figure,
    figure_key,
    figure_keys,
    find_figures,
    hard_spans,
    normalize_for_match,
    protected_spans,
    same_figure,
)

SAMPLE = Path(__file__).resolve().parents[3] / "data" / "articles" / "000_3df2ea797cd76329.txt"

PARSE_TABLE = [
    ("3141.9亿元", "money", "314190000000", "元"),
    ("4.29亿元", "money", "429000000", "元"),
    ("42900万元", "money", "429000000", "元"),
    ("1028.8亿元", "money", "102880000000", "元"),
    ("1,028.8亿元", "money", "102880000000", "元"),
    ("74.36亿元", "money", "7436000000", "元"),
    ("800亿元", "money", "80000000000", "元"),
    ("105亿元", "money", "10500000000", "元"),
    ("32亿元", "money", "3200000000", "元"),
    ("3.3亿元", "money", "330000000", "元"),
    ("1万亿元", "money", "1000000000000", "元"),
    ("3千万元", "money", "30000000", "元"),
    ("1.5万亿美元", "money", "1500000000000", "美元"),
    ("10余万元", "money", "100000", "余元"),
    ("192元/份", "money", "192", "元/份"),
    ("12.9%", "percent", "12.9", "%"),
    ("64.7%", "percent", "64.7", "%"),
    ("221.4%", "percent", "221.4", "%"),
    ("１２．９％", "percent", "12.9", "%"),
    ("3‰", "percent", "3", "‰"),
    ("百分之十二", "percent", "12", "%"),
    ("百分之十二点五", "percent", "12.5", "%"),
    ("百分之12.5", "percent", "12.5", "%"),
    ("53.5个百分点", "points", "53.5", "个百分点"),
    ("2百分点", "points", "2", "个百分点"),
    ("317个", "count", "317", "个"),
    ("32家", "count", "32", "家"),
    ("2000家", "count", "2000", "家"),
    ("6万人", "count", "60000", "人"),
    ("12,345人", "count", "12345", "人"),
    ("40多家", "count", "40", "多家"),
    ("3个月", "count", "3", "个月"),
    ("12英寸", "count", "12", "英寸"),
    ("2000千瓦", "count", "2000", "千瓦"),
    ("200万千瓦", "count", "2000000", "千瓦"),
    ("三个", "count", "3", "个"),
    ("十五家", "count", "15", "家"),
    ("两千人", "count", "2000", "人"),
    ("一百零五项", "count", "105", "项"),
    ("三万人", "count", "30000", "人"),
    ("1-8月", "range", None, "月"),
    ("1-10月", "range", None, "月"),
    ("2020-2025年", "range", None, "年"),
    ("3-5亿元", "range", None, "元"),
    ("10%-20%", "range", None, "%"),
    ("9至12月", "range", None, "月"),
    ("2021年", "date", None, ""),
    ("10月28日", "date", None, ""),
    ("2023年8月5日", "date", None, ""),
    ("2023-08-05", "date", None, ""),
    ("二〇二一年", "date", None, ""),
    ("17:56", "date", None, ""),
    ("8月", "date", None, ""),
    ("12.9", "number", "12.9", ""),
    ("3.5万", "number", "35000", ""),
    ("13811505950", "number", "13811505950", ""),
]

IN_CONTEXT_TABLE = [
    ("今年1-8月新签约项目59个,合同投资额1028.8亿元。", ["1-8月", "59个", "1028.8亿元"]),
    ("产值同比增长221.4%、营业收入同比增长159.1%", ["221.4%", "159.1%"]),
    ("引进私募基金9只、规模74.36亿元。郭树勋", ["9只", "74.36亿元"]),
    ("世界500强企业32家,上市企业26家。", ["500", "32家", "26家"]),
    ("高于重庆市53.5个百分点。", ["53.5个百分点"]),
    ("2021年实现营业收入32亿元,利润总额3.3亿元。", ["2021年", "32亿元", "3.3亿元"]),
    ("10月28日,项目总投资4.29亿元", ["10月28日", "4.29亿元"]),
    ("每个项目设立一个专班", []),
    ("千家万户,一站式服务", []),
    ("电话: 010-68667266", ["010", "68667266"]),
    ("13月", ["13"]),
    ("25:70", ["25", "70"]),
    ("版本v1.2.3发布", ["1.2"]),
    ("第3季度增长5%以上", ["3", "5%"]),
]

SAME_TABLE = [
    ("4.29亿元", "42900万元", True),
    ("3141.9亿元", "314190000000元", True),
    ("1,028.8亿元", "1028.8亿元", True),
    ("12.9%", "１２．９％", True),
    ("12.90%", "12.9%", True),
    ("6万人", "60000人", True),
    ("53.5个百分点", "53.5百分点", True),
    ("1-8月", "1—8月", True),
    ("3-5亿元", "3亿-5亿元", True),
    ("2023年8月5日", "2023-08-05", True),
    ("2021年", "二〇二一年", True),
    ("17:56", "17时56分", True),
    ("十五家", "15家", True),
    ("百分之十二点五", "12.5%", True),
    ("12.9%", "12.9个百分点", False),
    ("3141.9亿元", "3141.9万元", False),
    ("4.29亿元", "4.29亿美元", False),
    ("40多家", "40家", False),
    ("6万人", "6万元", False),
    ("1-8月", "1-9月", False),
    ("2023年8月5日", "2023年8月6日", False),
    ("12.9", "12.9%", False),
    ("317个", "317", False),
    ("64.7%", "64.8%", False),
]


def _only_figure(text: str) -> Figure:
    figures = find_figures(text)
    assert len(figures) == 1, figures
    return figures[0]


@pytest.mark.parametrize(("raw", "kind", "value", "unit"), PARSE_TABLE)
def test_parse_table(raw: str, kind: str, value: str | None, unit: str) -> None:
    figure = _only_figure(raw)
    assert (figure.raw, figure.start, figure.end) == (raw, 0, len(raw))
    assert figure.kind == kind
    assert figure.unit == unit
    assert figure.value == (None if value is None else Decimal(value))


@pytest.mark.parametrize(("raw", "kind", "value", "unit"), PARSE_TABLE)
def test_parse_inside_chinese_text_keeps_raw_and_offsets(
    raw: str, kind: str, value: str | None, unit: str
) -> None:
    text = f"据统计,{raw},同比"
    figure = _only_figure(text)
    assert text[figure.start : figure.end] == figure.raw == raw
    assert (figure.kind, figure.unit) == (kind, unit)


@pytest.mark.parametrize(("text", "raws"), IN_CONTEXT_TABLE)
def test_find_figures_in_context(text: str, raws: list[str]) -> None:
    assert [f.raw for f in find_figures(text)] == raws


def test_value_has_no_exponent_or_trailing_zero() -> None:
    figure = _only_figure("3141.9亿元")
    assert str(figure.value) == "314190000000"
    assert str(_only_figure("12.90%").value) == "12.9"


def test_figures_of_sample_article_are_exact_ordered_and_disjoint() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    figures = find_figures(text)
    assert len(figures) > 50
    for figure in figures:
        assert text[figure.start : figure.end] == figure.raw
        assert figure.kind in KINDS
    for left, right in itertools.pairwise(figures):
        assert left.end <= right.start
    raws = {f.raw for f in figures}
    expected = {"12.9%", "3141.9亿元", "1-8月", "1028.8亿元", "4.29亿元", "53.5个百分点"}
    assert expected <= raws


@pytest.mark.parametrize(("a", "b", "same"), SAME_TABLE)
def test_same_figure_both_directions(a: str, b: str, same: bool) -> None:
    first, second = _only_figure(a), _only_figure(b)
    assert same_figure(first, second) is same
    assert same_figure(second, first) is same
    assert same_figure(first, first)


def test_figure_keys_give_written_and_canonical_forms() -> None:
    assert {"3141.9亿元", "314190000000元"} <= figure_keys("合同投资额3141.9亿元")
    assert "1028.8亿元" in figure_keys("1,028.8亿元")
    assert {"12.9%"} <= figure_keys("１２．９％")
    assert "2023年8月5日" in figure_keys("2023-08-05")
    assert "1-8月" in figure_keys("今年1-8月")
    assert figure_keys("没有数字") == set()


def test_figure_key_of_inconsistent_figure_raises() -> None:
    with pytest.raises(ValueError, match="no value"):
        figure_key(Figure("12", 0, 2, None, "", "number"))
    with pytest.raises(ValueError, match="not a range"):
        figure_key(Figure("12", 0, 2, None, "", "range"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("１２．９％", "12.9%"),
        ("ＧＤＰ增长１２．９％，", "GDP增长12.9%,"),
        ("  a \n\n b\u3000c ", "a b c"),
        ("1,028.8亿元", "1,028.8亿元"),
        ("（重庆）", "(重庆)"),
    ],
)
def test_normalize_for_match(text: str, expected: str) -> None:
    assert normalize_for_match(text) == expected


@pytest.mark.parametrize("raw", [row[0] for row in PARSE_TABLE])
def test_normalize_never_changes_a_figure(raw: str) -> None:
    normalized = _only_figure(normalize_for_match(raw))
    assert same_figure(normalized, _only_figure(raw))


def _covered(spans: list[tuple[int, int]], text: str, part: str) -> bool:
    start = text.index(part)
    return any(s <= start and start + len(part) <= e for s, e in spans)


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("增长12.9%,增速第一", "12.9%"),
        ("今年1-8月新签约", "1-8月"),
        ("计划2020-2025年完成", "2020-2025年"),
        ("从2021年8月-2022年3月", "2021年8月-2022年3月"),
        ("时间17:56发布", "17:56"),
        ("版本v1.2.3发布", "v1.2.3"),
        ("邮发代号: 1-206", "1-206"),
        ("邮箱: zhengding@chih.org", "zhengding@chih.org"),
        ("西部(重庆)科学城", "(重庆)"),
        ("他说：“好。我们走。”然后", "“好。我们走。”"),
        ("（他说“好。”）后来", "（他说“好。”）"),
        ("《中国高新技术产业导报》", "《中国高新技术产业导报》"),
        ("‘单引号’「直角」『双直角』【方括号】", "【方括号】"),
        ("‘单引号’「直角」『双直角』【方括号】", "『双直角』"),
        ('he said "ok. fine" then', '"ok. fine"'),
    ],
)
def test_protected_spans_cover(text: str, part: str) -> None:
    assert _covered(protected_spans(text), text, part)


def test_unmatched_quote_protects_nothing() -> None:
    text = "他说：“" + "产业发展。" * 100
    assert all(e - s <= 20 for s, e in protected_spans(text))


def test_long_quote_is_capped_but_figures_inside_stay_protected() -> None:
    text = "“" + "产业发展。" * 50 + "增长12.9%。”"
    spans = protected_spans(text)
    assert all(e - s <= MAX_BRACKET_SPAN for s, e in spans)
    assert _covered(spans, text, "12.9%")


def test_quote_does_not_cross_line_break() -> None:
    text = "“第一段。\n第二段。”"
    assert all("\n" not in text[s:e] for s, e in protected_spans(text))


def test_hard_spans_exclude_brackets_and_are_disjoint() -> None:
    text = "西部(重庆)科学城增长12.9%,“好。”"
    spans = hard_spans(text)
    assert [text[s:e] for s, e in spans] == ["12.9%"]
    merged = protected_spans(text)
    for left, right in itertools.pairwise(merged):
        assert left[1] <= right[0]
