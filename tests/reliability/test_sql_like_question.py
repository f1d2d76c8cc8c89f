"""Item 14d: text with no content word (SQL injection, operators, punctuation) is refused,
not answered with confidence; a real question of a few letters still is answered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.answer.chain import Answerer
from tests.retrieval.test_cli import run_ask

NO_CONTENT = ["' OR 1=1 --", "' OR 'x'='x", "1=1", "？？？", "-- ; /* */", '" OR ""="', "2021"]


@pytest.mark.parametrize("question", NO_CONTENT)
def test_a_question_without_content_words_is_refused(answerer: Answerer, question: str) -> None:
    answer = answerer.ask(question)
    assert answer.refused and answer.reliability == "insufficient", answer.text
    assert answer.citations == () and answer.key_figures == ()


def test_the_cli_refuses_it_too(sample_index_dir: Path) -> None:
    result = run_ask("' OR 1=1 --", "--index", str(sample_index_dir), "--json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["refused"] and answer["citations"] == [] and answer["confidence"] == 0.0


@pytest.mark.parametrize("question", ["GDP增长多少?", "营业收入?"])
def test_short_real_questions_are_still_answered(answerer: Answerer, question: str) -> None:
    assert not answerer.ask(question).refused
