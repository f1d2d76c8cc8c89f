"""The pure pieces of the benchmarks: eval-data loading, the answer rule, metrics, the split."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from bench.evaldata import (
    answer_hit,
    first_relevant_rank,
    load_answers,
    load_corpus,
    load_qrels,
    load_queries,
    mrr_at,
    normalise,
    percentile,
    recall_at,
    refusal_split,
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A tiny BEIR-style eval folder."""
    rows: dict[str, list[dict[str, Any]]] = {
        "queries.jsonl": [{"_id": "q1", "text": "问题一"}, {"_id": "q2", "text": "问题二"}],
        "corpus.jsonl": [
            {"_id": "p1", "title": "标题", "text": "正文"},
            {"_id": "p2", "text": "无题"},
        ],
        "answers.jsonl": [{"_id": "q1", "answers": ["12人", ["131万", "1313851"]]}],
    }
    for name, items in rows.items():
        lines = [json.dumps(item, ensure_ascii=False) for item in items]
        (tmp_path / name).write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    qrels = "query-id\tcorpus-id\tscore\nq1\tp1\t1\nq1\tp2\t1\nq2\tp2\t1\nq2\tp1\t0\n"
    (tmp_path / "qrels.tsv").write_text(qrels, encoding="utf-8")
    return tmp_path


def test_loaders_read_beir_files(folder: Path) -> None:
    assert load_queries(folder) == {"q1": "问题一", "q2": "问题二"}
    assert load_qrels(folder) == {"q1": {"p1", "p2"}, "q2": {"p2"}}
    assert load_answers(folder) == {"q1": ["12人", ["131万", "1313851"]]}
    assert load_corpus(folder) == {
        "p1": {"title": "标题", "text": "正文"},
        "p2": {"title": "", "text": "无题"},
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("１２３人", "123人"),
        ("2 0 2 3 年\n1月", "2023年1月"),
        ("ＡＢＣ\u3000公司", "ABC公司"),
        ("６．４％", "6.4%"),
    ],
)
def test_normalise_folds_width_and_drops_spaces(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("answer", "answers", "expected"),
    [
        ("死亡人数为12人。", ["12人"], True),
        ("死亡人数为１２人。", ["12人"], True),
        ("死亡人数为 12 人。", ["12人"], True),
        ("死亡人数为13人。", ["12人"], False),
        ("成员有东盟、中国和日本", ["东盟", "中国", "日本"], True),
        ("成员有东盟和中国", ["东盟", "中国", "日本"], False),
        ("票房131万", [["1313851", "131万"]], True),
        ("票房1313851", [["1313851", "131万"]], True),
        ("票房130万", [["1313851", "131万"]], False),
        ("1月3日在南宁，票房131万", ["南宁", ["1313851", "131万"]], True),
        ("1月3日，票房131万", ["南宁", ["1313851", "131万"]], False),
        ("增长６．４％", ["6.4%"], True),
        ("任何文字", [], False),
        ("任何文字", [""], False),
    ],
)
def test_answer_rule_rgb(answer: str, answers: list[Any], expected: bool) -> None:
    assert answer_hit(answer, answers, "rgb") is expected


@pytest.mark.parametrize(
    ("answer", "answers", "expected"),
    [
        ("由光荣和ω-force开发", ["光荣和ω-force"], True),
        ("是任天堂游戏谜之村雨城", ["村雨城", "任天堂游戏谜之村雨城"], True),
        ("村雨城", ["任天堂游戏谜之村雨城", "村雨城"], True),
        ("谜之城", ["村雨城", "任天堂游戏谜之村雨城"], False),
        ("共 ３ 部", ["3部"], True),
    ],
)
def test_answer_rule_cmrc(answer: str, answers: list[Any], expected: bool) -> None:
    assert answer_hit(answer, answers, "cmrc") is expected


def test_answer_rule_unknown_dataset() -> None:
    with pytest.raises(ValueError, match="unknown dataset"):
        answer_hit("x", ["x"], "squad")


def test_refusal_split_is_seeded_one_in_six() -> None:
    ids = [f"q{n:03d}" for n in range(300)]
    split = refusal_split(ids, seed=7)
    assert len(split) == 50
    assert split <= set(ids)
    assert refusal_split(list(reversed(ids)), seed=7) == split
    assert refusal_split(ids, seed=8) != split
    assert refusal_split(ids[:5], seed=7) == set()


@pytest.mark.parametrize(
    ("ranked", "relevant", "expected"),
    [
        (["a", "b", "c"], {"b"}, 2),
        (["a", "b", "b"], {"b", "c"}, 2),
        (["a", "a", "a"], {"b"}, None),
        ([], {"b"}, None),
        (["b"], set(), None),
    ],
)
def test_first_relevant_rank(ranked: list[str], relevant: set[str], expected: int | None) -> None:
    assert first_relevant_rank(ranked, relevant) == expected


RANKS: list[int | None] = [1, 3, None, 10, 11]


@pytest.mark.parametrize(("k", "expected"), [(1, 0.2), (3, 0.4), (5, 0.4), (10, 0.6), (20, 0.8)])
def test_recall_at(k: int, expected: float) -> None:
    assert recall_at(RANKS, k) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("ranks", "k", "expected"),
    [
        (RANKS, 10, (1 + 1 / 3 + 1 / 10) / 5),
        (RANKS, 2, 1 / 5),
        ([None, None], 10, 0.0),
        ([], 10, 0.0),
        ([2, 4], 10, (1 / 2 + 1 / 4) / 2),
    ],
)
def test_mrr_at(ranks: list[int | None], k: int, expected: float) -> None:
    assert mrr_at(ranks, k) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([5.0], 95, 5.0),
        ([1.0, 2.0, 3.0, 4.0], 50, 2.5),
        ([4.0, 1.0, 3.0, 2.0], 0, 1.0),
        ([4.0, 1.0, 3.0, 2.0], 100, 4.0),
        ([float(n) for n in range(1, 101)], 95, 95.05),
    ],
)
def test_percentile_matches_linear_interpolation(
    values: list[float], q: float, expected: float
) -> None:
    assert percentile(values, q) == pytest.approx(expected)


def test_percentile_edges() -> None:
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError, match=r"0\.\.100"):
        percentile([1.0], 101)


def test_every_query_has_one_fixed_split_about_half_each() -> None:
    from bench.evaldata import split_of

    ids = [f"Q{i}" for i in range(2000)]
    splits = [split_of(q) for q in ids]
    assert set(splits) == {"dev", "test"}
    assert 900 < splits.count("test") < 1100
    assert splits == [split_of(q) for q in ids]


def test_span_answers_match_across_scripts() -> None:
    from bench.evaldata import answer_hit

    assert answer_hit("该桥由本地工程师设计。", ["本地工程師"], "drcd")
    assert answer_hit("The answer is 12.9%", ["１２.９%"], "chrono")
