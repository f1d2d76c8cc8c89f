"""The ablation benchmark's untitled corpus: the same passages, ids and questions, no titles."""

from __future__ import annotations

import json
from pathlib import Path

from bench.ablation import VARIANTS, _untitled
from bench.retrieval import EvalSet


def test_untitled_corpus_keeps_passages_and_ids(tmp_path: Path) -> None:
    corpus = {
        "p1": {"title": "城市公交", "text": "市政府今天宣布新增公交线路12条。"},
        "p2": {"title": "Bakery", "text": "The bakery sold 1,250 loaves on Monday."},
    }
    data = EvalSet("mine", tmp_path / "orig", [("q1", "新增几条线路?")], {"q1": {"p1"}}, corpus)
    (tmp_path / "copy").mkdir()
    untitled = _untitled(data, tmp_path / "copy")
    rows = [json.loads(line) for line in untitled.corpus_file.read_text("utf-8").splitlines()]
    assert untitled.corpus_file == tmp_path / "copy" / "corpus.jsonl"
    assert [(r["_id"], r["title"], r["text"]) for r in rows] == [
        ("p1", "", corpus["p1"]["text"]),
        ("p2", "", corpus["p2"]["text"]),
    ]
    assert (untitled.questions, untitled.qrels) == (data.questions, data.qrels)


def test_variants_cover_both_switches() -> None:
    assert {(v["titles"], v["overlap"]) for v in VARIANTS.values()} == {
        (True, True),
        (True, False),
        (False, True),
        (False, False),
    }
