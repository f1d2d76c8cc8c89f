"""``python -m bench answer [--split test|dev] [--cap N] [--refresh]``: answer quality.

Every eval set (RGB, CMRC, DRCD, ChronoQA dev and our English CMRC questions) is asked
through ``bench/probe.py``: each question as it is (answerable), with its relevant passages
hidden (``held_out``: the refusal test of ../shared/eval/README.md, here over every question
of the split rather than a 1-in-6 subset) and with its subject swapped for another name
(``swapped``). Two systems are scored from the same rows, in the same run:

- ``wenbao``: the learned answerability model (``retrieval/calibration/``) and hard rules;
- ``rules``: the hand-set ``RefusalPolicy`` thresholds of the previous release, on the same
  retrieval and sentences (the baseline).

Reported per set: answer hit rate and mean answer length on answerable questions, false
refusals, refusal of held-out and swapped questions, held-out questions answered right from
another passage (RGB repeats questions) and wrongly, the share shown as reliable, latency of
the answer step, and the model's ROC AUC beside each single feature's. Tuning reads only
``--split dev``; the published figures are ``--split test``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any

from bench.calibrate import feature_aucs
from bench.common import emit
from bench.evaldata import percentile
from bench.probe import Row, code_hash, probe
from retrieval.answer.answerability import FEATURES, calibration_for, decide, load_calibration
from retrieval.index.embeddings import load_embeddings

DATASETS = ("rgb", "cmrc", "drcd", "chrono", "cmrc_en")
DEFAULT_CAP = 400


def run(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench answer")
    parser.add_argument("--split", choices=["test", "dev"], default="test")
    parser.add_argument("--cap", type=int, default=DEFAULT_CAP, help="questions per eval set")
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--refresh", action="store_true", help="ask again, ignore cached rows")
    parser.add_argument(
        "--latency", type=int, default=0, help="also time N fresh end-to-end asks per set"
    )
    args = parser.parse_args(argv)
    embeddings = load_embeddings()
    report: dict[str, Any] = {"benchmark": "answer", "split": args.split, "code": code_hash()}
    for name in (n for n in args.datasets.split(",") if n):
        cap = None if name == "cmrc_en" else args.cap
        rows = probe(name, args.split, cap, embeddings, refresh=args.refresh)
        report[name] = score_set(rows, embeddings.model_name)
        if args.latency:
            report[name]["end_to_end_ms"] = latency(name, rows, embeddings, args.latency)
    emit(report)


def latency(name: str, rows: Sequence[Row], embeddings: Any, count: int) -> dict[str, float]:
    """p50/p95 of ``Answerer.ask`` on a warm index: the first ``count`` answerable rows."""
    import time

    from bench.common import cache_lock
    from bench.probe import evalset_for
    from bench.retrieval import wenbao_index
    from retrieval.answer.chain import Answerer, AskOptions

    asked = [r.question for r in rows if r.variant == "answerable"][:count]
    data = evalset_for(name)
    with cache_lock(data.name):
        index, _build = wenbao_index(data, embeddings)
        answerer = Answerer(index)
        answerer.ask(asked[0], (), AskOptions(mode="extractive"))
        seconds = []
        for question in asked:
            started = time.perf_counter()
            answerer.ask(question, (), AskOptions(mode="extractive"))
            seconds.append((time.perf_counter() - started) * 1000)
        index.close()
    return {
        "asked": len(seconds),
        "p50_ms": round(percentile(seconds, 50), 1),
        "p95_ms": round(percentile(seconds, 95), 1),
    }


def score_set(rows: Sequence[Row], model: str) -> dict[str, Any]:
    """Both systems' figures on one eval set's rows, and the AUCs."""

    def by_model(row: Row) -> bool:
        cal = load_calibration(calibration_for(model, row.question))
        return decide(cal, row.rule, cal.probability(row.features)) == "insufficient"

    def reliable(row: Row) -> bool:
        cal = load_calibration(calibration_for(model, row.question))
        return decide(cal, row.rule, cal.probability(row.features)) == "reliable"

    systems = {"wenbao": by_model, "rules": lambda r: r.refused_by_rules}
    result: dict[str, Any] = {name: figures(rows, refuse) for name, refuse in systems.items()}
    answered = [r for r in rows if r.variant == "answerable" and not by_model(r)]
    result["wenbao"]["shown_reliable"] = _ratio(sum(map(reliable, answered)), len(answered))
    result["model_auc"] = _model_auc(rows, model)
    result["feature_auc"] = feature_aucs(rows, FEATURES)
    return result


def figures(rows: Sequence[Row], refuse: Callable[[Row], bool]) -> dict[str, Any]:
    answerable = [r for r in rows if r.variant == "answerable"]
    held = [r for r in rows if r.variant == "held_out"]
    swapped = [r for r in rows if r.variant == "swapped"]
    answered = [r for r in answerable if not refuse(r)]
    held_answered = [r for r in held if not refuse(r)]
    seconds = [r.seconds * 1000 for r in answerable]
    return {
        "answerable": len(answerable),
        "answer_hit_rate": _ratio(sum(r.hit for r in answered), len(answerable)),
        "mean_answer_chars": _mean([len(r.draft) for r in answered]),
        "false_refusal_rate": _ratio(len(answerable) - len(answered), len(answerable)),
        "held_out": len(held),
        "refusal_rate_held_out": _ratio(len(held) - len(held_answered), len(held)),
        "held_out_answered_with_gold": _ratio(sum(r.hit for r in held_answered), len(held)),
        "held_out_wrong_answers": _ratio(sum(not r.hit for r in held_answered), len(held)),
        "swapped": len(swapped),
        "refusal_rate_swapped": _ratio(sum(refuse(r) for r in swapped), len(swapped)),
        "p50_ms": round(percentile(seconds, 50), 1) if seconds else None,
        "p95_ms": round(percentile(seconds, 95), 1) if seconds else None,
    }


def _model_auc(rows: Sequence[Row], model: str) -> float | None:
    from sklearn.metrics import roc_auc_score

    labels = [r.label for r in rows]
    if len(set(labels)) < 2:
        return None
    scores = []
    for r in rows:
        cal = load_calibration(calibration_for(model, r.question))
        scores.append(cal.probability(r.features))
    return round(float(roc_auc_score(labels, scores)), 3)


def _ratio(part: float, whole: float) -> float:
    return round(part / whole, 3) if whole else 0.0


def _mean(values: Sequence[int]) -> float:
    return round(sum(values) / len(values), 1) if values else 0.0
