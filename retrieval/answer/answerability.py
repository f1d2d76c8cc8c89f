"""Learned answerability: how likely it is that the passages really answer the question.

Hand-set refusal floors only hold for the data and the embedder they were tuned on. Here a
small logistic regression, fitted by ``python -m bench calibrate`` on the dev splits of the
eval sets (answerable questions; the same questions with their passages hidden; questions
whose subject was swapped for another name), turns the evidence about the best answer
sentence into a probability. Its coefficients live in a JSON file per embedder under
``retrieval/calibration/``: cosines mean different things for different embedders, so an
embedder without its own file gets the ``lexical`` calibration, which uses no cosine at all.
Questions that share no script with the articles (English) get the ``cross-lingual`` one.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from retrieval.answer.extractive import Extraction
from retrieval.answer.questions import Question, is_cross_lingual
from retrieval.answer.subjects import focus
from retrieval.errors import RetrievalError
from retrieval.text.coverage import coverage
from retrieval.types import Hit, Reliability

__all__ = [
    "CALIBRATIONS",
    "FEATURES",
    "Calibration",
    "Judgement",
    "Reliability",
    "calibration_for",
    "calibration_name",
    "decide",
    "features",
    "hard_rule",
    "judge",
    "load_calibration",
]

CALIBRATIONS = Path(__file__).resolve().parent / "calibration"
LEXICAL = "lexical"
CROSS_LINGUAL = "cross-lingual"
DENSE_FEATURES = frozenset({"dense_top", "dense_gap", "sentence_similarity"})
KINDS = ("figure", "when", "who", "where", "claim")
FEATURES = (
    "dense_top",
    "dense_gap",
    "sentence_similarity",
    "coverage",
    "context_coverage",
    "score",
    "fits",
    "any_fits",
    "keyword_hit",
    "mismatch_ahead",
    "runner_up_gap",
    "predicate_coverage",
    "predicate_context",
    *(f"kind_{kind}" for kind in KINDS),
)


@dataclass(frozen=True)
class Calibration:
    """A fitted logistic model, its thresholds, and what it was fitted on.

    ``threshold``: below it the answer is a refusal (chosen on dev for a false-refusal
    target). ``reliable``: at or above it the answer is shown as reliable; in between it is
    shown as a quote to check.
    """

    name: str
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float
    reliable: float
    fitted_on: str = ""

    def probability(self, values: Mapping[str, float]) -> float:
        """P(answerable) for one question's feature values."""
        z = self.intercept
        for name, mean, scale, coef in zip(
            self.features, self.mean, self.scale, self.coef, strict=True
        ):
            z += coef * (values.get(name, 0.0) - mean) / (scale or 1.0)
        return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))

    def reliability(self, probability: float) -> Reliability:
        if probability < self.threshold:
            return "insufficient"
        return "reliable" if probability >= self.reliable else "check"


def features(question: Question, hits: Sequence[Hit], extraction: Extraction) -> dict[str, float]:
    """The evidence about ``question``'s best answer sentence, as named numbers."""
    best = extraction.best
    dense = sorted((h.dense_score for h in hits if h.dense_score is not None), reverse=True)
    values = {f"kind_{kind}": float(question.kind == kind) for kind in KINDS}
    values["dense_top"] = dense[0] if dense else 0.0
    values["dense_gap"] = dense[0] - dense[len(dense) // 2] if dense else 0.0
    values["keyword_hit"] = float(any(h.keyword_score is not None for h in hits[:3]))
    values["any_fits"] = float(any(s.fits for s in extraction.sentences))
    if best is None:
        return values
    second = next((s for s in extraction.sentences if s is not best), None)
    values["sentence_similarity"] = best.similarity or 0.0
    values["coverage"] = best.coverage
    values["context_coverage"] = best.context
    values["score"] = best.score
    values["fits"] = float(best.fits)
    rejected = extraction.rejected
    values["mismatch_ahead"] = float(rejected is not None and rejected.score > best.score)
    values["runner_up_gap"] = best.score - second.score if second else best.score
    asked = predicate_weights(question, extraction.weights)
    chunk = hits[best.passage - 1].chunk if 1 <= best.passage <= len(hits) else None
    values["predicate_coverage"] = coverage(asked, best.text)
    values["predicate_context"] = coverage(asked, chunk.text) if chunk else 0.0
    return values


def predicate_weights(question: Question, weights: Mapping[str, float]) -> dict[str, float]:
    """The question's term weights without its subject's words: what is asked *about* the
    subject. A passage that only shares the name (「伊丽莎白二世」 for 「伊丽莎白二世队伍」, a
    same-event distractor) covers little of it."""
    names = focus(question.text).names
    return {
        term: weight
        for term, weight in weights.items()
        if not any(term in name or name in term for name in names)
    }


def calibration_for(embedding_model: str, question: str) -> str:
    """The calibration name that applies to an index built with ``embedding_model``."""
    base = calibration_name(embedding_model)
    if not (CALIBRATIONS / f"{base}.json").exists():
        return LEXICAL
    if is_cross_lingual(question) and (CALIBRATIONS / f"{base}.{CROSS_LINGUAL}.json").exists():
        return f"{base}.{CROSS_LINGUAL}"
    return base


def load_calibration(name: str) -> Calibration:
    """The calibration called ``name`` (see ``calibration_for``).

    Raises:
        RetrievalError: the file is missing or unreadable.
    """
    path = CALIBRATIONS / f"{name}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Calibration(
            name=name,
            features=tuple(data["features"]),
            mean=tuple(data["mean"]),
            scale=tuple(data["scale"]),
            coef=tuple(data["coef"]),
            intercept=float(data["intercept"]),
            threshold=float(data["threshold"]),
            reliable=float(data["reliable"]),
            fitted_on=str(data.get("fitted_on", "")),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RetrievalError(
            f"The answerability calibration {path} cannot be read ({exc}): rebuild it with "
            "`python -m bench calibrate` or reinstall WenBao."
        ) from None


def calibration_name(model: str) -> str:
    """The file stem of an embedder's own calibration ("multilingual-e5-small")."""
    tail = model.rstrip("/").split("/")[-1]
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", tail).strip("-") or LEXICAL


@dataclass(frozen=True)
class Judgement:
    """Whether to answer: the model's probability, its reading, and a rule that overrode it.

    ``rule`` names a hard rule that decided regardless of the model: ``nothing`` (no
    sentence at all), ``no_fit`` (a figure or date question and no sentence holding one),
    ``claim_stated`` / ``claim_not_stated`` (a pasted statement is or is not in a passage).
    """

    probability: float
    reliability: Reliability
    calibration: str
    rule: str | None = None


CLAIM_COVERAGE = 0.6
REFUSING_RULES = frozenset({"nothing", "no_fit", "claim_not_stated"})


def hard_rule(question: Question, extraction: Extraction) -> str | None:
    """The rule that decides regardless of the model, if one applies (see ``Judgement``)."""
    best = extraction.best
    if best is None:
        return "nothing"
    if question.kind in {"figure", "when"} and not any(s.fits for s in extraction.sentences):
        return "no_fit"
    if question.kind == "claim":
        stated = best.fits and best.coverage >= CLAIM_COVERAGE
        return "claim_stated" if stated else "claim_not_stated"
    return None


def decide(calibration: Calibration, rule: str | None, probability: float) -> Reliability:
    """The reading of one question: a refusing rule wins, a stated claim is never refused,
    otherwise the model's probability against the calibration's thresholds."""
    if rule in REFUSING_RULES:
        return "insufficient"
    if rule == "claim_stated":
        return calibration.reliability(max(probability, calibration.threshold))
    return calibration.reliability(probability)


def judge(
    calibration: Calibration, question: Question, hits: Sequence[Hit], extraction: Extraction
) -> Judgement:
    """Answer, answer with a warning, or refuse; hard rules first, then the model."""
    rule = hard_rule(question, extraction)
    if rule == "nothing":
        return Judgement(0.0, "insufficient", calibration.name, rule)
    p = calibration.probability(features(question, hits, extraction))
    return Judgement(p, decide(calibration, rule, p), calibration.name, rule)
