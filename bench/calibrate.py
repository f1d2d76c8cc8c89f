"""``python -m bench calibrate [--cap N] [--refresh]``: fit the answerability model on dev.

Asks the dev split of every eval set (``bench/probe.py``: answerable, passages hidden,
subject swapped; at most ``--cap`` questions each, a seeded sample) and our English
translations of CMRC dev questions, then fits scikit-learn logistic regressions:

- ``<embedder>.json``: every feature, for Chinese questions on an index built by the
  default embedder;
- ``<embedder>.cross-lingual.json``: the same features fitted on the English dev questions
  (coverage means nothing across languages; the cosines do);
- ``lexical.json``: no cosine features, for any other embedder (cosines from another model
  mean something else).

The refusal threshold of each is the highest probability that keeps false refusals (hard
rules included) within ``TARGET_FALSE_REFUSALS`` on every dev set; ``reliable`` is the
lowest probability above which at least ``RELIABLE_PRECISION`` of dev answers are to
answerable questions, with both classes weighted equally. The files are written to
``retrieval/calibration/``; the test split is never read here (``python -m bench answer``
reports on it).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import emit
from bench.probe import Row, code_hash, probe
from retrieval.answer.answerability import (
    CALIBRATIONS,
    DENSE_FEATURES,
    FEATURES,
    LEXICAL,
    REFUSING_RULES,
    Calibration,
    decide,
)
from retrieval.index.embeddings import load_embeddings

DATASETS = ("cmrc", "drcd", "chrono", "rgb")
TARGET_FALSE_REFUSALS = 0.04
RELIABLE_PRECISION = 0.95
GRID = [i / 400 for i in range(400)]


def run(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench calibrate")
    parser.add_argument("--cap", type=int, default=250, help="dev questions per eval set")
    parser.add_argument("--refresh", action="store_true", help="ask again, ignore cached rows")
    parser.add_argument("--datasets", default=",".join(DATASETS))
    args = parser.parse_args(argv)
    embeddings = load_embeddings()
    names = [n for n in args.datasets.split(",") if n]
    chinese = {n: probe(n, "dev", args.cap, embeddings, refresh=args.refresh) for n in names}
    english = {"cmrc_en": probe("cmrc_en", "dev", None, embeddings, refresh=args.refresh)}
    base = _slug(embeddings.model_name)
    fitted = {
        base: fit(base, chinese, FEATURES),
        f"{base}.cross-lingual": fit(f"{base}.cross-lingual", english, FEATURES),
        LEXICAL: fit(LEXICAL, chinese, tuple(f for f in FEATURES if f not in DENSE_FEATURES)),
    }
    for name, calibration in fitted.items():
        _write(CALIBRATIONS / f"{name}.json", calibration)
    report: dict[str, object] = {
        "benchmark": "calibrate",
        "code": code_hash(),
        "models": {
            name: describe(cal, english if "cross" in name else chinese)
            for name, cal in fitted.items()
        },
    }
    emit(report)


def fit(name: str, groups: dict[str, list[Row]], features: Sequence[str]) -> Calibration:
    """A logistic regression on every row the hard rules leave to the model."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    rows = [r for rs in groups.values() for r in rs if r.rule not in REFUSING_RULES]
    x = [[r.features.get(f, 0.0) for f in features] for r in rows]
    y = [r.label for r in rows]
    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced")
    model.fit(scaler.transform(x), y)
    draft = Calibration(
        name=name,
        features=tuple(features),
        mean=tuple(float(v) for v in scaler.mean_),
        scale=tuple(float(v) for v in scaler.scale_),
        coef=tuple(float(v) for v in model.coef_[0]),
        intercept=float(model.intercept_[0]),
        threshold=0.0,
        reliable=1.0,
        fitted_on=f"dev splits of {', '.join(groups)}: {len(rows)} rows, code {code_hash()}",
    )
    threshold = _threshold(draft, groups)
    reliable = _reliable(draft, groups, threshold)
    return Calibration(**{**draft.__dict__, "threshold": threshold, "reliable": reliable})


def _threshold(cal: Calibration, groups: dict[str, list[Row]]) -> float:
    """The highest threshold whose false-refusal rate stays within target on every set."""
    best = 0.0
    for t in GRID:
        trial = Calibration(**{**cal.__dict__, "threshold": t})
        if all(false_refusals(trial, rows) <= TARGET_FALSE_REFUSALS for rows in groups.values()):
            best = t
    return best


def _reliable(cal: Calibration, groups: dict[str, list[Row]], threshold: float) -> float:
    """The lowest probability above which answers are right to answer with precision
    ``RELIABLE_PRECISION``, counting both classes as equally common (the dev rows hold more
    unanswerable variants than answerable questions; real use holds fewer)."""
    rows = [r for rs in groups.values() for r in rs if r.rule not in REFUSING_RULES]
    scored = [(cal.probability(r.features), r.label) for r in rows]
    positives = sum(label for _, label in scored) or 1
    negatives = (len(scored) - positives) or 1
    for t in GRID:
        if t < threshold:
            continue
        kept = sum(label for p, label in scored if p >= t) / positives
        wrong = sum(1 - label for p, label in scored if p >= t) / negatives
        if kept + wrong and kept / (kept + wrong) >= RELIABLE_PRECISION:
            return t
    return 1.0


def refused(cal: Calibration, row: Row) -> bool:
    return decide(cal, row.rule, cal.probability(row.features)) == "insufficient"


def false_refusals(cal: Calibration, rows: Sequence[Row]) -> float:
    answerable = [r for r in rows if r.variant == "answerable"]
    return sum(refused(cal, r) for r in answerable) / max(len(answerable), 1)


def describe(cal: Calibration, groups: dict[str, list[Row]]) -> dict[str, Any]:
    """Dev figures of a calibration: refusals per variant and AUCs."""
    out: dict[str, Any] = {"threshold": cal.threshold, "reliable": cal.reliable}
    for name, rows in groups.items():
        out[name] = variant_rates(cal, rows) | {"auc": auc(cal, rows)}
    out["weights"] = dict(zip(cal.features, (round(c, 3) for c in cal.coef), strict=True))
    return out


def variant_rates(cal: Calibration, rows: Sequence[Row]) -> dict[str, float]:
    rates = {}
    for variant in ("answerable", "held_out", "swapped"):
        chosen = [r for r in rows if r.variant == variant]
        if chosen:
            key = "false_refusal" if variant == "answerable" else f"refusal_{variant}"
            rates[key] = round(sum(refused(cal, r) for r in chosen) / len(chosen), 3)
            rates[f"n_{variant}"] = len(chosen)
    return rates


def auc(cal: Calibration, rows: Sequence[Row]) -> float | None:
    """ROC AUC of the model's probability: answerable vs held-out and swapped questions."""
    from sklearn.metrics import roc_auc_score

    labels = [r.label for r in rows]
    if len(set(labels)) < 2:
        return None
    return round(float(roc_auc_score(labels, [cal.probability(r.features) for r in rows])), 3)


def feature_aucs(rows: Sequence[Row], features: Sequence[str]) -> dict[str, float]:
    """Each feature alone as a score (AUC under 0.5 means the feature points the other way)."""
    from sklearn.metrics import roc_auc_score

    labels = [r.label for r in rows]
    if len(set(labels)) < 2:
        return {}
    return {
        f: round(float(roc_auc_score(labels, [r.features.get(f, 0.0) for r in rows])), 3)
        for f in features
    }


def _write(path: Path, cal: Calibration) -> None:
    data = {k: v for k, v in cal.__dict__.items() if k != "name"}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _slug(model: str) -> str:
    from retrieval.answer.answerability import calibration_name

    return calibration_name(model)
