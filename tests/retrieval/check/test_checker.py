"""Tests of retrieval.check.FactChecker on the real sample index.

Our own claim sentences, written about the sample page (never eval data); each verdict class
of issue 11 is here at least once.
"""

from __future__ import annotations

import pytest

from retrieval.check import FactChecker
from retrieval.errors import RetrievalError
from retrieval.index import Index
from retrieval.settings import MAX_CHECK_CHARS, Settings
from retrieval.types import CheckedClaim, CheckedFact, CheckReport
from tests.conftest import SAMPLE

PAGE = SAMPLE.read_text(encoding="utf-8")
SPOKEN = "我们看重企业的龙头带动效应,而企业看中科学城的发展前景和未来,双方一拍即合。"


@pytest.fixture(scope="module")
def checker(sample_index: Index) -> FactChecker:
    return FactChecker(sample_index, Settings())


def _claim(checker: FactChecker, text: str) -> CheckedClaim:
    report = checker.check(text)
    assert len(report.claims) == 1, report.claims
    return report.claims[0]


def _fact(claim: CheckedClaim, text: str) -> CheckedFact:
    return next(f for f in claim.facts if f.text == text)


def _assert_cited(fact: CheckedFact, figure: str) -> None:
    """The citation quotes the page exactly and marks the evidence figure inside it."""
    assert fact.citations
    citation = fact.citations[0]
    assert PAGE[citation.char_start : citation.char_end] == citation.quote
    marked = [PAGE[a:b] for a, b in citation.highlights]
    assert figure in marked
    assert all(citation.char_start <= a < b <= citation.char_end for a, b in citation.highlights)


def test_a_correct_claim_is_supported(checker: FactChecker) -> None:
    claim = _claim(checker, "2021年，西部(重庆)科学城核心区GDP同比增长12.9%。")
    assert claim.verdict == "supported"
    assert [(f.kind, f.verdict) for f in claim.facts] == [
        ("date", "supported"),
        ("figure", "supported"),
    ]
    _assert_cited(_fact(claim, "12.9%"), "12.9%")


def test_a_profit_quoted_as_revenue_is_misattributed(checker: FactChecker) -> None:
    claim = _claim(checker, "国核铀业2021年实现营业收入3.3亿元。")
    fact = _fact(claim, "3.3亿元")
    assert claim.verdict == fact.verdict == "misattributed"
    assert "利润总额" in fact.reason and "32亿元" in fact.reason
    _assert_cited(fact, "32亿元")


def test_a_total_of_many_projects_given_to_one_is_misattributed(checker: FactChecker) -> None:
    claim = _claim(checker, "华润微电子12英寸功率半导体晶圆生产线项目合同投资额3141.9亿元。")
    fact = _fact(claim, "3141.9亿元")
    assert claim.verdict == fact.verdict == "misattributed"
    assert "合计" in fact.reason and "317个" in fact.reason
    assert _fact(claim, "12英寸").verdict == "supported"
    _assert_cited(fact, "3141.9亿元")


def test_a_percentage_point_gap_given_as_a_growth_rate_is_misattributed(
    checker: FactChecker,
) -> None:
    claim = _claim(checker, "今年上半年，西部(重庆)科学城汽车产业产值同比增长53.5%。")
    fact = _fact(claim, "53.5%")
    assert claim.verdict == fact.verdict == "misattributed"
    assert "53.5个百分点" in fact.reason and fact.stated == "53.5个百分点"
    _assert_cited(fact, "53.5个百分点")


def test_a_scale_error_is_contradicted_and_names_both_figures(checker: FactChecker) -> None:
    claim = _claim(
        checker, "截至目前，西部(重庆)科学城核心区已引进招商项目317个，合同投资额3141.9万元。"
    )
    fact = _fact(claim, "3141.9万元")
    assert claim.verdict == fact.verdict == "contradicted"
    assert fact.reason == "文章为3141.9亿元，声称为3141.9万元" and fact.stated == "3141.9亿元"
    assert _fact(claim, "317个").verdict == "supported"
    _assert_cited(fact, "3141.9亿元")


def test_a_figure_for_a_period_the_page_does_not_cover_is_not_found(
    checker: FactChecker,
) -> None:
    claim = _claim(checker, "2019年，西部(重庆)科学城核心区GDP同比增长10.2%。")
    assert claim.verdict == "not_found"
    assert {f.verdict for f in claim.facts} == {"not_found"}
    assert "2021年" in _fact(claim, "10.2%").reason


def test_a_year_moved_for_the_same_event_is_contradicted(checker: FactChecker) -> None:
    claim = _claim(checker, "2022年，西部(重庆)科学城核心区GDP同比增长12.9%。")
    date = _fact(claim, "2022年")
    assert claim.verdict == date.verdict == "contradicted"
    assert date.reason == "文章为2021年，声称为2022年"


def test_a_claim_with_one_right_and_one_wrong_figure_is_the_worst(checker: FactChecker) -> None:
    claim = _claim(checker, "国核铀业2021年实现营业收入32亿元，利润总额3.3万元。")
    assert _fact(claim, "32亿元").verdict == "supported"
    assert _fact(claim, "3.3万元").verdict == "contradicted"
    assert claim.verdict == "contradicted"


def test_a_quote_given_to_another_speaker_is_misattributed(checker: FactChecker) -> None:
    right = _claim(checker, f"西部(重庆)科学城招商公司有关负责人说：“{SPOKEN}”")
    assert _fact(right, SPOKEN).verdict == "supported"
    wrong = _claim(checker, f"国核铀业负责人说：“{SPOKEN}”")
    fact = _fact(wrong, SPOKEN)
    assert wrong.verdict == fact.verdict == "misattributed"
    assert "招商公司" in fact.reason and fact.citations


def test_part_of_a_quote_keeps_the_speaker_of_the_whole_quote(checker: FactChecker) -> None:
    part = SPOKEN.split(",", maxsplit=1)[0] + "。"
    wrong = _claim(checker, f"国核铀业负责人表示：“{part}”")
    assert _fact(wrong, part).verdict == "misattributed"
    right = _claim(checker, f"科学城招商公司负责人表示：“{part}”")
    assert _fact(right, part).verdict == "supported"


def test_a_changed_quote_is_contradicted_and_an_invented_one_not_found(
    checker: FactChecker,
) -> None:
    changed = SPOKEN.replace("发展前景", "人才优势")
    claim = _claim(checker, f"西部(重庆)科学城招商公司有关负责人说：“{changed}”")
    fact = _fact(claim, changed)
    assert claim.verdict == fact.verdict == "contradicted"
    assert "发展前景" in fact.reason and "人才优势" in fact.reason and fact.citations
    invented = _claim(checker, "李克强说：“科学城明年要建成全球最大的海洋主题公园。”")
    assert _fact(invented, "科学城明年要建成全球最大的海洋主题公园。").verdict == "not_found"


def test_a_sentence_without_figures_is_checked_whole(checker: FactChecker) -> None:
    claim = _claim(checker, "国核铀业是国家电力投资集团有限公司的全资子公司。")
    assert [(f.kind, f.verdict) for f in claim.facts] == [("name", "supported")]
    assert _claim(checker, "科学城还建成了一座海洋馆和一座滑雪场。").verdict == "not_found"


def test_a_name_put_in_anothers_place_is_misattributed(checker: FactChecker) -> None:
    # The page's sentence with its company swapped for another company of the page: before,
    # the sentence check found the name missing and said not_found, though the article says
    # who it is (国核铀业).
    claim = _claim(checker, "华润微电子是国家电力投资集团有限公司的全资子公司。")
    assert claim.verdict == "misattributed"
    (name,) = [f for f in claim.facts if f.verdict == "misattributed"]
    assert (name.kind, name.text) == ("name", "华润微电子")
    assert "国核铀业" in name.reason and name.citations
    assert "国核铀业" in [PAGE[a:b] for a, b in name.citations[0].highlights]


def test_an_english_claim_is_checked_by_its_figures(checker: FactChecker) -> None:
    claim = _claim(checker, "Guohe Uranium's operating revenue in 2021 was 3.2 billion yuan.")
    assert _fact(claim, "3.2 billion yuan").verdict == "supported"
    assert all(f.reason.startswith("The article") for f in claim.facts)  # English reasons


def test_a_paragraph_gives_offsets_into_the_pasted_text_and_progress(
    checker: FactChecker,
) -> None:
    pasted = (
        "  2021年，西部(重庆)科学城核心区GDP同比增长12.9%。\n\n"
        "国核铀业2021年实现营业收入32亿元，利润总额3.3万元。该项目总投资约105亿元。"
    )
    calls: list[tuple[int, int]] = []
    report = checker.check(pasted, progress=lambda done, total: calls.append((done, total)))
    assert isinstance(report, CheckReport) and report.text == pasted
    assert len(report.claims) == 3 and report.verdict == "contradicted"
    assert calls[0] == (0, 3) and calls[-1] == (3, 3)
    for claim in report.claims:
        assert pasted[claim.start : claim.end] == claim.text
        for fact in claim.facts:
            assert pasted[fact.start : fact.end] == fact.text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Nothing to check"),
        ("   \n ", "Nothing to check"),
        ("。。！？ 123", "no words"),
        ("测" * (MAX_CHECK_CHARS + 1), str(MAX_CHECK_CHARS)),
    ],
)
def test_bad_text_is_a_one_line_error(checker: FactChecker, text: str, message: str) -> None:
    with pytest.raises(RetrievalError, match=message) as raised:
        checker.check(text)
    assert "\n" not in str(raised.value)


def test_quotes_found_exactly_nearly_closest_or_not_at_all(checker: FactChecker) -> None:
    exact = checker.check_quote(SPOKEN)
    assert exact.found == "exact" and exact.citation is not None
    (start, end), *_ = exact.citation.highlights
    assert PAGE[start:end] == SPOKEN
    punctuation = checker.check_quote(SPOKEN.replace(",", "，").rstrip("。"))
    traditional = checker.check_quote(
        "我們看重企業的龍頭帶動效應，而企業看中科學城的發展前景和未來"
    )
    for near in (punctuation, traditional):
        assert near.found == "near" and near.citation is not None
        (start, end), *_ = near.citation.highlights
        assert PAGE[start:end].startswith("我们看重企业")
    changed = checker.check_quote("我们看重企业的龙头带动效应,而企业看中科学城的人才优势和未来")
    assert changed.found == "closest" and changed.diff
    assert ("人才优势", "发展前景") in [
        (p.quote, p.article) for p in changed.diff if p.op != "equal"
    ]
    absent = checker.check_quote("科学城将在明年建成全球最大的海洋主题公园和滑雪场")
    assert absent.found == "none" and absent.citation is None
