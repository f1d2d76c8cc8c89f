"""Scoring of ``python -m bench answer`` and the cache lock shared by the benchmarks."""

from __future__ import annotations

from pathlib import Path

import pytest

import bench.common
from bench.answer import Outcome, _score
from bench.common import cache_lock
from retrieval.types import Answer

GOLD = {"q1": ["12.9%"], "q2": ["4.29亿元"], "q3": ["59个"], "q4": ["50亿元"]}


def outcome(qid: str, text: str, *, held_out: bool = False, refused: bool = False) -> Outcome:
    answer = Answer(qid, qid, text, refused, (), (), "extractive", 0.01)
    return Outcome(qid, held_out, answer, 0.01)


def test_held_out_answers_are_split_into_right_elsewhere_and_wrong() -> None:
    scores = _score(
        [
            outcome("q1", "科学城核心区GDP增长12.9%。[1]"),
            outcome("q2", "在已收录的文章中没有找到相关信息。", refused=True),
            outcome("q3", "新签约项目59个。[1]", held_out=True),
            outcome("q4", "总投资30亿元。[2]", held_out=True),
        ],
        GOLD,
        "rgb",
    )
    assert scores["answer_hit_rate"] == 0.5
    assert scores["false_refusal_rate"] == 0.5
    assert scores["refusal_rate_held_out"] == 0.0
    assert scores["held_out_answered_with_gold"] == 0.5
    assert scores["held_out_wrong_answers"] == 0.5


def test_a_second_benchmark_on_the_same_cache_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bench.common, "CACHE", tmp_path)
    with cache_lock("rgb") as folder:
        assert folder == tmp_path / "rgb"
        with pytest.raises(SystemExit, match="another benchmark"), cache_lock("rgb"):
            pass
    with cache_lock("rgb"):
        pass
