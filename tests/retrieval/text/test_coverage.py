"""How much of a question a text covers: IDF weights, synonyms and either script."""

from __future__ import annotations

import pytest

from retrieval.text.coverage import coverage, term_weights


@pytest.mark.parametrize(
    ("term", "text", "share"),
    [
        ("gdp", "全年地区生产总值2900亿元", 1.0),
        ("营收", "公司营业收入12亿元", 1.0),
        ("营收", "公司利润总额2亿元", 0.0),
        ("大桥", "滨江大橋今天通车", 1.0),
        ("滑坡", "一辆货车驶入隧道", 0.0),
    ],
)
def test_a_term_counts_when_written_out_or_in_the_other_script(
    term: str, text: str, share: float
) -> None:
    assert coverage({term: 1.0}, text) == pytest.approx(share)


def test_rare_terms_weigh_more() -> None:
    weights = term_weights(["科学城", "增长"], {"科学城": 6.0, "增长": 1.0})
    assert coverage(weights, "科学城核心区") == pytest.approx(6 / 7)


def test_without_idf_figures_weigh_most() -> None:
    weights = term_weights(["800米", "比赛"], None)
    assert weights["800米"] > weights["比赛"]


def test_nothing_to_cover_is_zero() -> None:
    assert coverage({}, "任何文字") == 0.0
