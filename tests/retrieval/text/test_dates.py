"""Dates in file names, strict ``YYYY-MM-DD`` input, and the year inferred from a text."""

from __future__ import annotations

import pytest

from retrieval.text.dates import date_in_name, infer_year, iso_date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022-10-20", "2022-10-20"),
        (" 2022-10-20 ", "2022-10-20"),
        ("2022-02-30", None),
        ("2022/10/20", None),
        ("2022-1-2", None),
        ("20221020", None),
        ("", None),
    ],
)
def test_iso_date_is_strict(value: str, expected: str | None) -> None:
    assert iso_date(value) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("2022-09-14_科学城.txt", "2022-09-14"),
        ("20220914-news.md", "2022-09-14"),
        ("20220914.html", "2022-09-14"),
        ("2022_09_14 page.docx", "2022-09-14"),
        ("2022.09.14 导报.pdf", "2022-09-14"),
        ("2022年9月14日 报道.txt", "2022-09-14"),
        ("导报_2022-09-14.txt", "2022-09-14"),
        ("000_3df2ea797cd76329.txt", None),  # a hash
        ("3df20220914e.txt", None),  # digits inside a hash
        ("20220914abcdef.txt", None),
        ("20221399.txt", None),  # no such month
        ("1900-01-01.txt", None),  # not a plausible publication date
        ("page.txt", None),
    ],
)
def test_date_in_name(name: str, expected: str | None) -> None:
    assert date_in_name(name) == expected


def test_inferred_year_is_after_the_latest_full_year_reported() -> None:
    text = "2021年，园区GDP同比增长12.9%；今年前三季度，GDP增速继续领跑。"
    year, reason = infer_year(text) or ("", "")
    assert year == "2022" and "2021年" in reason and "今年" in reason


def test_targets_are_not_reported_years() -> None:
    text = (
        "2020年启动建设。2021年营收32亿元。今年7月签约。计划到2025年收入达800亿元，2030年前建成。"
    )
    assert infer_year(text) == infer_year("2021年营收32亿元。今年7月签约。")
    assert (infer_year(text) or ("",))[0] == "2022"


def test_a_part_of_a_year_named_by_number_is_the_current_year() -> None:
    text = "2021年营收增长。2022年1-8月签约59个，今年以来增长明显。"
    assert (infer_year(text) or ("",))[0] == "2022"


@pytest.mark.parametrize(
    "text",
    [
        "2021年营收32亿元，利润3.3亿元。",  # no word for a later year
        "今年7月签约，上半年增长。",  # no year by number
        "",
    ],
)
def test_no_inferred_year(text: str) -> None:
    assert infer_year(text) is None
