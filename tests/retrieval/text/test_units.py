"""Restating an article's money or count figure in the unit a question asked for."""

from __future__ import annotations

import pytest

from retrieval.text.figures import Figure, find_figures
from retrieval.text.units import conversion_note, format_with_conversion


def figure(text: str) -> Figure:
    (found,) = find_figures(text)
    return found


@pytest.mark.parametrize(
    ("raw", "wanted", "expected"),
    [
        ("1028.8亿元", "万元", "10,288,000万元"),
        ("4.29亿元", "元", "429,000,000元"),
        ("42900万元", "亿元", "4.29亿元"),
        ("3亿美元", "万美元", "30,000万美元"),
        ("2.5万亿元", "亿元", "25000亿元"),
        ("3千万元", "万元", "3000万元"),
        ("8百万元", "元", "8,000,000元"),
        ("6500元", "万元", "0.65万元"),
        ("1.2万人", "人", "12,000人"),
        ("1.2億元", "万元", "12,000万元"),
        ("１２万元", "元", "120,000元"),
        ("10亿港元", "万港元", "100,000万港元"),
        ("3.5欧元", "元", None),
        ("0.000001亿元", "元", "100元"),
    ],
)
def test_restated_in_the_asked_unit(raw: str, wanted: str, expected: str | None) -> None:
    assert conversion_note(figure(raw), wanted) == expected


def test_exact_decimal_arithmetic_leaves_no_float_artefacts() -> None:
    note = conversion_note(figure("1028.8亿元"), "万元")
    assert note == "10,288,000万元"
    assert "000001" not in (note or "")
    assert conversion_note(figure("0.1亿元"), "万元") == "1000万元"
    assert conversion_note(figure("0.3亿元"), "元") == "30,000,000元"
    assert conversion_note(figure("1.1万元"), "亿元") == "0.00011亿元"


def test_no_trailing_zeros() -> None:
    assert conversion_note(figure("4.20亿元"), "万元") == "42,000万元"
    assert conversion_note(figure("45000.00万元"), "亿元") == "4.5亿元"


@pytest.mark.parametrize(
    ("raw", "wanted"),
    [
        ("1028.8亿元", "亿元"),
        ("42900万元", "万元"),
        ("3亿美元", "万元"),
        ("3亿元", "万美元"),
        ("500个", "元"),
        ("500万元", "万个"),
        ("12.9%", "%"),
        ("3.2个百分点", "个百分点"),
        ("2023年8月", "月"),
        ("1-8月", "万元"),
        ("1000多万元", "元"),
        ("200余万元", "亿元"),
        ("1.23456789元", "万元"),
        ("1元", "亿元"),
    ],
)
def test_no_note_when_none_is_due(raw: str, wanted: str) -> None:
    assert conversion_note(figure(raw), wanted) is None


def test_the_original_figure_is_kept_beside_the_note() -> None:
    raw = "1028.8亿元"
    note = conversion_note(figure(raw), "万元")
    assert note is not None
    assert format_with_conversion(raw, note) == "1028.8亿元（= 10,288,000万元）"
