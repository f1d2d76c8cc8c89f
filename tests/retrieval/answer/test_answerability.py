"""The answerability model: committed calibrations, which one applies, and the rules above it."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.answer import answerability
from retrieval.answer.answerability import (
    CALIBRATIONS,
    DENSE_FEATURES,
    FEATURES,
    LEXICAL,
    Calibration,
    calibration_for,
    calibration_name,
    decide,
    load_calibration,
)
from retrieval.errors import RetrievalError
from retrieval.settings import DEFAULT_EMBEDDING_MODEL

BASE = calibration_name(DEFAULT_EMBEDDING_MODEL)


def _toy(threshold: float = 0.5, reliable: float = 0.8) -> Calibration:
    return Calibration(
        name="toy",
        features=("coverage",),
        mean=(0.5,),
        scale=(0.25,),
        coef=(2.0,),
        intercept=0.0,
        threshold=threshold,
        reliable=reliable,
    )


def test_the_committed_calibrations_are_readable_and_ordered() -> None:
    stems = {path.stem for path in CALIBRATIONS.glob("*.json")}
    assert {BASE, f"{BASE}.cross-lingual", LEXICAL} <= stems
    for stem in stems:
        calibration = load_calibration(stem)
        assert 0.0 < calibration.threshold <= calibration.reliable <= 1.0
        assert set(calibration.features) <= set(FEATURES)
        assert "dev" in calibration.fitted_on


def test_the_lexical_calibration_uses_no_cosine() -> None:
    assert not set(load_calibration(LEXICAL).features) & DENSE_FEATURES


def test_which_calibration_applies() -> None:
    assert calibration_for(DEFAULT_EMBEDDING_MODEL, "新园区投资多少？") == BASE
    assert calibration_for(DEFAULT_EMBEDDING_MODEL, "How much?") == f"{BASE}.cross-lingual"
    assert calibration_for("/models/all-MiniLM-L6-v2", "新园区投资多少？") == LEXICAL


def test_more_evidence_means_a_higher_probability() -> None:
    toy = _toy()
    low, high = toy.probability({"coverage": 0.2}), toy.probability({"coverage": 0.9})
    assert 0.0 < low < 0.5 < high < 1.0
    assert toy.reliability(low) == "insufficient" and toy.reliability(high) == "reliable"
    assert toy.reliability(0.6) == "check"


def test_hard_rules_override_the_model() -> None:
    toy = _toy()
    assert decide(toy, "no_fit", 0.99) == "insufficient"
    assert decide(toy, "claim_not_stated", 0.99) == "insufficient"
    assert decide(toy, "claim_stated", 0.01) == "check"
    assert decide(toy, None, 0.01) == "insufficient"


def test_a_broken_calibration_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(answerability, "CALIBRATIONS", tmp_path)
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(RetrievalError, match="bench calibrate") as caught:
        load_calibration("broken")
    assert "\n" not in str(caught.value)


def test_the_predicate_leaves_out_the_subjects_words() -> None:
    from retrieval.answer.answerability import predicate_weights
    from retrieval.answer.questions import analyse

    question = analyse("焦作高新区的GDP增速是多少？")
    weights = {"焦作": 3.0, "高新区": 2.0, "gdp": 1.5, "增速": 1.0}
    assert predicate_weights(question, weights) == {"gdp": 1.5, "增速": 1.0}
