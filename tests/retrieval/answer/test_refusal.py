"""The relevance floor: which evidence is too weak to answer from."""

from __future__ import annotations

import pytest

from retrieval.answer.extractive import Candidate, Extraction
from retrieval.answer.questions import analyse
from retrieval.answer.refusal import REFUSAL_EN, REFUSAL_ZH, RefusalPolicy, refusal_text
from retrieval.types import Chunk, Hit

POLICY = RefusalPolicy()


def evidence(coverage: float, dense: float | None, fits: bool = True) -> tuple[Hit, Extraction]:
    chunk = Chunk("c", "a", "s.txt", "", "", "文本", 0, 2, 0)
    hit = Hit(chunk, 1.0, 1, "hybrid", dense_score=dense)
    best = Candidate(1, 0, 2, "文本", 1.0, coverage, fits, ())
    return hit, Extraction((best,), best)


@pytest.mark.parametrize(
    ("coverage", "dense", "refused"),
    [
        (0.9, 0.95, False),
        (0.5, 0.95, False),  # paraphrased question, very similar passage: answer
        (0.5, 0.85, True),  # paraphrased and only loosely similar: weak evidence
        (0.7, 0.85, False),
        (0.15, 0.95, True),  # almost none of the question is there
        (0.9, 0.75, True),  # below the similarity floor
        (0.5, None, True),  # keyword-only evidence must cover more
    ],
)
def test_weak_evidence_is_refused(coverage: float, dense: float | None, refused: bool) -> None:
    hit, extraction = evidence(coverage, dense)
    assert POLICY.refuse(analyse("这个项目是什么"), [hit], extraction) is refused


def test_a_figure_question_without_a_fitting_figure_is_refused() -> None:
    hit, extraction = evidence(0.9, 0.95, fits=False)
    assert POLICY.refuse(analyse("项目总投资多少?"), [hit], extraction)


def test_nothing_retrieved_is_refused() -> None:
    assert POLICY.refuse(analyse("项目总投资多少?"), [], Extraction((), None))


@pytest.mark.parametrize(
    ("question", "text"), [("项目总投资多少?", REFUSAL_ZH), ("How much was invested?", REFUSAL_EN)]
)
def test_the_refusal_speaks_the_questions_language(question: str, text: str) -> None:
    assert refusal_text(question) == text
