"""Tests of retrieval.check.slots: how a claim's figure and an evidence figure compare."""

from __future__ import annotations

import pytest

from retrieval.check.slots import Slot, claim_slot, label_similarity, metric_agreement, relation
from retrieval.text.claims import split_claims
from retrieval.text.figures import Figure, find_figures


def _one(text: str) -> Figure:
    return find_figures(text)[0]


@pytest.mark.parametrize(
    ("claimed", "stated", "expected"),
    [
        ("4.29亿元", "42900万元", "same"),
        ("3141.9万元", "3141.9亿元", "comparable"),
        ("53.5%", "53.5个百分点", "swap"),
        ("12.9%", "64.7%", "comparable"),
        ("317个", "59个", "comparable"),
        ("317个", "26家", "none"),
        ("40家", "40多家", "comparable"),
        ("32亿元", "32亿美元", "none"),
        ("12.9%", "13.9个百分点", "none"),
    ],
)
def test_relation_compares_value_kind_and_unit(claimed: str, stated: str, expected: str) -> None:
    assert relation(_one(claimed), _one(stated)) == expected


def test_label_similarity() -> None:
    assert label_similarity("合同投资额", "合同投资额") == 1.0
    assert label_similarity("新签约项目", "招商项目") < 0.5
    assert label_similarity("", "营业收入") == 0.0


def _slot(text: str, raw: str) -> Slot:
    claim = split_claims(text)[0]
    fact = next(f for f in claim.facts if f.text == raw)
    assert fact.figure is not None
    return claim_slot(claim, fact.figure, (fact.start, fact.end))


def test_metric_families_and_rates() -> None:
    revenue = _slot("国核铀业营收32亿元。", "32亿元")
    assert metric_agreement(revenue, _slot("该公司实现营业收入32亿元。", "32亿元")) == "match"
    assert metric_agreement(revenue, _slot("该公司利润总额3.3亿元。", "3.3亿元")) == "other"
    assert metric_agreement(revenue, _slot("该公司去年32亿元。", "32亿元")) == "unknown"
    growth = _slot("产值同比增长80%。", "80%")
    assert metric_agreement(growth, _slot("产值约占全市的80%。", "80%")) == "other"


def test_a_claim_slot_inherits_its_period_and_subject_from_the_paragraph() -> None:
    claim = split_claims("2021年，国核铀业营业收入32亿元。利润总额3.3亿元。")[1]
    fact = claim.facts[0]
    assert fact.figure is not None
    slot = claim_slot(claim, fact.figure, (fact.start, fact.end))
    assert slot.period is not None and slot.period.year == "2021"
    assert slot.inherited and slot.context.label == "利润总额"
