"""How much of a question a text covers: IDF weights, synonyms and Chinese abbreviations."""

from __future__ import annotations

import pytest

from retrieval.coverage import ABBREVIATION_CREDIT, coverage, term_weights


@pytest.mark.parametrize(
    ("term", "text", "share"),
    [
        ("恒指", "截至1月3日港股收盘，恒生指数涨1.84%", ABBREVIATION_CREDIT),
        ("航母", "我国第3艘航空母舰被命名为福建舰", ABBREVIATION_CREDIT),
        ("央视", "中央电视台今晚播出", ABBREVIATION_CREDIT),
        ("gdp", "全年地区生产总值29129.03亿元", 1.0),
        ("营收", "公司营业收入32亿元", 1.0),
        ("恒指", "恒大集团指出", 0.0),
        ("踩踏", "一辆巴士坠入深谷", 0.0),
    ],
)
def test_a_term_counts_when_written_out_in_full(term: str, text: str, share: float) -> None:
    assert coverage({term: 1.0}, text) == pytest.approx(share)


def test_rare_terms_weigh_more() -> None:
    weights = term_weights(["科学城", "增长"], {"科学城": 6.0, "增长": 1.0})
    assert coverage(weights, "科学城核心区") == pytest.approx(6 / 7)


def test_without_idf_figures_weigh_most() -> None:
    weights = term_weights(["1500米", "比赛"], None)
    assert weights["1500米"] > weights["比赛"]


def test_nothing_to_cover_is_zero() -> None:
    assert coverage({}, "任何文字") == 0.0
