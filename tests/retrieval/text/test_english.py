"""English figures read like Chinese ones, keeping their original wording."""

from __future__ import annotations

from retrieval.text.english import english_figures
from retrieval.text.figures import find_figures


def test_money_percent_and_dates_are_rewritten_with_their_originals() -> None:
    text, originals = english_figures(
        "Sales rose 3.5 percentage points to 1.2 billion yuan on Oct 8, 2024."
    )
    assert [f.raw for f in find_figures(text)] == ["3.5个百分点", "1200000000元", "2024年10月8日"]
    assert originals["1200000000元"] == "1.2 billion yuan"


def test_a_bare_number_without_unit_or_currency_is_left_alone() -> None:
    assert english_figures("Room 42 was closed.")[0] == "Room 42 was closed."
