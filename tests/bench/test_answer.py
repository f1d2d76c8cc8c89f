"""Scoring of ``python -m bench answer`` and the cache lock shared by the benchmarks."""

from __future__ import annotations

from pathlib import Path

import pytest

import bench.common
from bench.answer import figures
from bench.calibrate import feature_aucs
from bench.common import cache_lock
from bench.probe import Row


def row(variant: str, *, hit: bool, refused: bool, coverage: float = 0.5) -> Row:
    return Row(
        dataset="rgb",
        split="test",
        variant=variant,
        qid="q",
        question="新园区总投资多少？",
        features={"coverage": coverage},
        rule=None,
        refused_by_rules=refused,
        draft="总投资30亿元。" if not refused else "",
        hit=hit,
        seconds=0.01,
    )


def test_held_out_answers_are_split_into_right_elsewhere_and_wrong() -> None:
    rows = [
        row("answerable", hit=True, refused=False),
        row("answerable", hit=False, refused=True),
        row("held_out", hit=True, refused=False),
        row("held_out", hit=False, refused=False),
        row("swapped", hit=False, refused=True),
    ]
    scores = figures(rows, lambda r: r.refused_by_rules)
    assert scores["answer_hit_rate"] == 0.5
    assert scores["false_refusal_rate"] == 0.5
    assert scores["refusal_rate_held_out"] == 0.0
    assert scores["held_out_answered_with_gold"] == 0.5
    assert scores["held_out_wrong_answers"] == 0.5
    assert scores["refusal_rate_swapped"] == 1.0


def test_a_row_is_labelled_by_its_variant() -> None:
    assert row("answerable", hit=False, refused=True).label == 1
    assert row("held_out", hit=False, refused=True).label == 0
    assert row("swapped", hit=False, refused=True).label == 0


def test_single_feature_auc_reads_each_feature_as_a_score() -> None:
    rows = [
        row("answerable", hit=True, refused=False, coverage=0.9),
        row("answerable", hit=True, refused=False, coverage=0.8),
        row("held_out", hit=False, refused=True, coverage=0.2),
        row("swapped", hit=False, refused=True, coverage=0.85),
    ]
    assert feature_aucs(rows, ["coverage"]) == {"coverage": 0.75}


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
