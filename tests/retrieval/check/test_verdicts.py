"""Tests of retrieval.check.verdicts on evidence sentences built here (no index needed)."""

from __future__ import annotations

from retrieval.check.evidence import Evidence, Sentence
from retrieval.check.slots import evidence_slots
from retrieval.check.verdicts import Judged, judge_date, judge_figure
from retrieval.text.claims import Claim, Fact, overlap, split_claims
from retrieval.types import Chunk

ARTICLE = "蓝鲸科技公司年报"


def _sentence(text: str, claim: str, start: int = 100) -> Sentence:
    chunk = Chunk("c1", "a1", "page.txt", ARTICLE, "", text, start, start + len(text), 0)
    return Sentence(chunk, start, start + len(text), text, ARTICLE, overlap(claim, text), 1)


def _claim(text: str) -> Claim:
    (claim,) = split_claims(text)
    return claim


def _fact(claim: Claim, kind: str, text: str) -> Fact:
    return next(f for f in claim.facts if f.kind == kind and f.text == text)


def test_a_year_alone_does_not_support_a_full_date_the_sentence_gives_otherwise() -> None:
    # The sentence gives the event's full date (2017年3月9日) and, later, another year: the
    # claim's 2016年3月9日 agrees with that year only, and was called supported before.
    text = "蓝鲸科技公司于2017年3月9日在滨江区举行发布会，并称2016年营收翻番。"
    claim = _claim("蓝鲸科技公司于2016年3月9日在滨江区举行发布会，并称2016年营收翻番。")
    evidence = Evidence((_sentence(text, claim.text),), ())
    judged = judge_date(_fact(claim, "date", "2016年3月9日"), claim, evidence, [], False)
    assert judged.verdict == "contradicted" and "2017年3月9日" in judged.reason
    year = judge_date(_fact(claim, "date", "2016年"), claim, evidence, [], False)
    assert year.verdict == "supported"


def test_a_year_alone_still_supports_a_date_when_nothing_differs() -> None:
    text = "蓝鲸科技公司2016年在滨江区举行发布会。"
    claim = _claim("蓝鲸科技公司于2016年3月9日在滨江区举行发布会。")
    evidence = Evidence((_sentence(text, claim.text),), ())
    judged = judge_date(_fact(claim, "date", "2016年3月9日"), claim, evidence, [], False)
    assert judged.verdict == "supported"


def test_a_scale_error_is_contradicted_when_the_subject_is_worded_differently() -> None:
    # 「青禾新城智造产业园二期项目」 in the article, 「青禾智造产业园项目」 in the claim: no
    # place rule ties the two subjects, so 105万元 against 105亿元 was not found before.
    text = "青禾新城智造产业园二期项目总投资约105亿元，预计2025年投产。"
    judged = _judge_figure(text, "青禾智造产业园项目总投资约105万元，预计2025年投产。", "105万元")
    assert judged.verdict == "contradicted"
    assert "105亿元" in judged.reason and "105万元" in judged.reason
    assert judged.citations


def test_other_digits_for_a_subject_worded_differently_are_not_a_scale_error() -> None:
    text = "青禾新城智造产业园二期项目总投资约87亿元，预计2025年投产。"
    judged = _judge_figure(text, "青禾智造产业园项目总投资约105万元，预计2025年投产。", "105万元")
    assert judged.verdict == "not_found"


def _judge_figure(text: str, claimed: str, figure: str) -> Judged:
    claim = _claim(claimed)
    slots = evidence_slots(_sentence(text, claim.text))
    judged, _ = judge_figure(_fact(claim, "figure", figure), claim, slots, lambda _id: text, False)
    return judged
