"""Names a cited passage must contain: confident person names, never common words."""

from __future__ import annotations

from retrieval.answer.names import names, unsupported_names
from retrieval.text.figures import normalize_for_match


def test_a_person_name_missing_from_the_passages_is_reported() -> None:
    claim = "市长王建国宣布公园开放。"
    assert "王建国" in names(claim)
    assert unsupported_names(claim, [normalize_for_match("市长宣布公园开放。")]) == ["王建国"]
    assert unsupported_names(claim, [normalize_for_match("王建国宣布公园开放。")]) == []


def test_common_words_the_tagger_mistakes_for_names_are_not_checked() -> None:
    assert names("高新区的智慧城市建设很温馨。") == []
