"""Questions in the forms a new user types: pasted sentences, the other script, English,
another subject, another unit, a follow-up that changes the period. On the sample page,
with the real index, embedder and committed calibration."""

from __future__ import annotations

import pytest

from retrieval.answer.chain import Answerer, AskOptions
from retrieval.answer.refusal import REFUSAL_EN, REFUSAL_ZH
from retrieval.types import Citation
from tests.conftest import SAMPLE

ORIGINAL = SAMPLE.read_text(encoding="utf-8")


def _quotes_exactly(citations: tuple[Citation, ...]) -> bool:
    return all(ORIGINAL[c.char_start : c.char_end] == c.quote for c in citations)


def test_a_sentence_pasted_from_the_article_is_answered_with_that_sentence(
    answerer: Answerer,
) -> None:
    answer = answerer.ask("2021年,西部(重庆)科学城核心区GDP同比增长12.9%,增速重庆市第一")
    assert not answer.refused, answer.text
    assert "12.9%" in answer.text and _quotes_exactly(answer.citations)
    assert answer.reliability in {"reliable", "check"}


def test_a_claim_with_a_wrong_figure_is_refused_with_what_the_article_says(
    answerer: Answerer,
) -> None:
    answer = answerer.ask("科学城核心区2021年GDP同比增长15.9%。")
    assert answer.refused and answer.text.startswith(REFUSAL_ZH)
    assert "12.9%" in answer.text and answer.citations


def test_a_question_in_traditional_characters_quotes_the_original_text(
    answerer: Answerer,
) -> None:
    answer = answerer.ask("國核鈾業項目總投資多少？")
    assert not answer.refused, answer.text
    assert "105亿元" in answer.text and _quotes_exactly(answer.citations)


def test_another_subjects_figure_is_refused_and_shown_as_what_was_found(
    answerer: Answerer,
) -> None:
    answer = answerer.ask("焦作高新区2021年的GDP增速是多少？")
    assert answer.refused and answer.reliability == "insufficient"
    assert "焦作高新区" in answer.text and answer.text.startswith(REFUSAL_ZH)
    assert answer.citations and "12.9%" in answer.citations[0].quote


def test_an_amount_asked_in_another_scale_is_converted_beside_the_original(
    answerer: Answerer,
) -> None:
    answer = answerer.ask("今年1-8月合同投资额是多少万元？")
    assert not answer.refused, answer.text
    assert "1028.8亿元" in answer.text and "10,288,000万元" in answer.text
    assert not answer.flags, answer.flags


def test_a_follow_up_with_a_new_period_drops_the_old_one(answerer: Answerer) -> None:
    history = ["科学城核心区2021年GDP增长多少？"]
    as_written = answerer.ask("那今年前三季度呢？", history, AskOptions(use_time=False))
    assert "今年前三季度" in as_written.standalone_question
    answer = answerer.ask("那今年前三季度呢？", history, AskOptions(as_of="2022-10-20"))
    assert "2021年" not in answer.standalone_question
    assert "2022年前三季度" in answer.standalone_question
    # The page gives no figure for 今年前三季度: 2021's 12.9% may only be quoted as being
    # about another period, never given as the answer.
    assert answer.refused and "所问时期" in answer.text


@pytest.mark.parametrize(
    ("question", "figure"),
    [
        ("How much did GDP in the core area of the science city grow in 2021?", "12.9%"),
        ("How many projects were newly signed from January to August this year?", "59个"),
    ],
)
def test_an_english_question_is_answered_with_the_articles_sentence(
    answerer: Answerer, question: str, figure: str
) -> None:
    answer = answerer.ask(question)
    assert not answer.refused, answer.text
    assert figure in answer.text and _quotes_exactly(answer.citations)


def test_an_english_question_the_page_does_not_answer_is_refused_in_english(
    answerer: Answerer,
) -> None:
    answer = answerer.ask("Who won the football world cup final?")
    assert answer.refused and answer.text.startswith(REFUSAL_EN)


def test_answers_carry_a_confidence(answerer: Answerer) -> None:
    answer = answerer.ask("今年1-8月新签约多少个项目？")
    assert answer.confidence is not None and 0.0 <= answer.confidence <= 1.0
    assert answer.reliability in {"reliable", "check"}
