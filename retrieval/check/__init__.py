"""Fact-check mode: a draft's claims checked figure by figure against the indexed articles.

``FactChecker(index, settings).check(text)`` splits a pasted text into claim sentences, reads
their facts (figures, dates and periods, quotations; ``retrieval.text.claims``), finds
evidence sentences by hybrid search (``evidence``), and judges each fact by value, scale,
unit, subject, metric and period (``slots``, ``verdicts``, reasons in ``wording``):
supported, contradicted, misattributed or not found, with citations. ``check_quote`` finds a
quotation exactly, nearly or as the closest span with a diff. ``report_json`` is the JSON
form. Layer ``check``: imports base, text, index, search and answer.
"""

from __future__ import annotations

from retrieval.check.checker import FactChecker
from retrieval.check.report import citation_json, quote_json, report_json

__all__ = ["FactChecker", "citation_json", "quote_json", "report_json"]
