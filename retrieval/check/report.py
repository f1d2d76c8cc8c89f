"""The JSON form of fact-check results (the CLI's ``--json`` and ``--batch`` lines).

``{text, verdict, claims: [{text, start, end, verdict, facts: [{kind, text, start, end,
verdict, reason, stated, citations}]}], seconds}``; citations have the fields of
``python -m retrieval ask --json`` citations.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from retrieval.answer.citations import citation_json
from retrieval.types import CheckedClaim, CheckedFact, CheckReport, QuoteMatch

__all__ = ["citation_json", "quote_json", "report_json"]


def report_json(report: CheckReport) -> dict[str, Any]:
    """A report as plain JSON-ready values."""
    return {
        "text": report.text,
        "verdict": report.verdict,
        "claims": [_claim_json(c) for c in report.claims],
        "seconds": round(report.seconds, 3),
    }


def quote_json(match: QuoteMatch) -> dict[str, Any]:
    """A quotation check as plain JSON-ready values."""
    return {
        "quote": match.quote,
        "found": match.found,
        "similarity": match.similarity,
        "citation": citation_json(match.citation) if match.citation else None,
        "diff": [dataclasses.asdict(piece) for piece in match.diff],
    }


def _claim_json(claim: CheckedClaim) -> dict[str, Any]:
    return {
        "text": claim.text,
        "start": claim.start,
        "end": claim.end,
        "verdict": claim.verdict,
        "facts": [_fact_json(f) for f in claim.facts],
    }


def _fact_json(fact: CheckedFact) -> dict[str, Any]:
    return {
        "kind": fact.kind,
        "text": fact.text,
        "start": fact.start,
        "end": fact.end,
        "verdict": fact.verdict,
        "reason": fact.reason,
        "stated": fact.stated,
        "citations": [citation_json(c) for c in fact.citations],
    }
