"""Tests of retrieval.check.report: the JSON form of a check (the CLI's contract)."""

from __future__ import annotations

import json

from retrieval.check import quote_json, report_json
from retrieval.types import (
    CheckedClaim,
    CheckedFact,
    CheckReport,
    Citation,
    DiffPiece,
    QuoteMatch,
)

CITATION = Citation(
    1, "c1", "a1", "page.txt", "标题", "", 10, 20, "营业收入32亿元。", None, ((10, 19),)
)


def test_report_json_has_the_documented_shape() -> None:
    fact = CheckedFact("figure", "3.3万元", 5, 10, "contradicted", "文章为3.3亿元，声称为3.3万元",
                       (CITATION,), "3.3亿元")  # fmt: skip
    claim = CheckedClaim("利润总额3.3万元。", 0, 11, "contradicted", (fact,))
    data = report_json(CheckReport("利润总额3.3万元。", "contradicted", (claim,), 0.12345))
    assert set(data) == {"text", "verdict", "claims", "seconds"} and data["seconds"] == 0.123
    (claim_data,) = data["claims"]
    assert set(claim_data) >= {"text", "start", "end", "verdict", "facts"}
    (fact_data,) = claim_data["facts"]
    assert set(fact_data) >= {"kind", "text", "verdict", "reason", "citations"}
    assert fact_data["citations"][0]["highlights"] == [[10, 19]]
    assert fact_data["citations"][0]["quote"] == "营业收入32亿元。"
    json.dumps(data, ensure_ascii=False)


def test_quote_json() -> None:
    match = QuoteMatch("甲乙", "closest", CITATION, 0.8, (DiffPiece("replace", "甲", "丙"),))
    data = quote_json(match)
    assert data["found"] == "closest" and data["diff"] == [
        {"op": "replace", "quote": "甲", "article": "丙"}
    ]
    assert quote_json(QuoteMatch("甲", "none"))["citation"] is None
