"""Traditional and Simplified characters match each other; what is shown stays as written."""

from __future__ import annotations

import pytest

from retrieval.text.coverage import coverage, term_weights
from retrieval.text.figures import figure_key, find_figures, normalize_for_match
from retrieval.text.hanzi import has_traditional, to_simplified
from retrieval.text.keywords import query_tokens, tokenize


@pytest.mark.parametrize(
    "text",
    ["臺北市政府發佈報告", "這個項目總投資約12億元", "already simple 简体", "乾隆年間的著作"],
)
def test_conversion_keeps_every_offset(text: str) -> None:
    assert len(to_simplified(text)) == len(text)


def test_traditional_text_is_converted_and_simplified_is_left_alone() -> None:
    assert to_simplified("總投資") == "总投资"
    assert has_traditional("總投資") and not has_traditional("总投资")


def test_a_traditional_figure_has_the_same_key_and_keeps_its_characters() -> None:
    [traditional] = find_figures("新園區總投資3.5億元")
    [simple] = find_figures("新园区总投资35000万元")
    assert traditional.raw == "3.5億元" and traditional.kind == "money"
    assert figure_key(traditional) == figure_key(simple)


def test_keyword_tokens_do_not_depend_on_the_script() -> None:
    assert query_tokens("市民廣場擴建項目何時開工？") == query_tokens("市民广场扩建项目何时开工？")
    assert "扩建" in tokenize("廣場擴建工程")


def test_a_traditional_question_covers_a_simplified_sentence() -> None:
    weights = term_weights(query_tokens("濱江大橋的設計者是誰？"), None)
    assert coverage(weights, "滨江大桥的设计者是一位本地工程师") == pytest.approx(1.0)
    assert normalize_for_match("濱江　大橋") == "滨江 大桥"


def test_a_traditional_time_has_the_same_key_as_a_simplified_one() -> None:
    [traditional] = find_figures("上午10點30分開會")
    [simple] = find_figures("上午10点30分开会")
    assert traditional.raw == "10點30分"
    assert figure_key(traditional) == figure_key(simple)
