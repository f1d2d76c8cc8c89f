"""Figures in their place: what a figure belongs to, and how a claim's and a passage's agree.

A figure is a *slot*: a value in a sentence, with the words naming it (its label and metric),
its subject (the names before it, else those of the paragraph before the sentence) and its
period (its own, else the paragraph's). The same ``figure_context`` reads claim and evidence
sentences, and a claim's figure is compared with an evidence figure dimension by dimension:
the values (same, a percentage against percentage points, or another value of a comparable
kind), the subject, the metric and the period. The verdict rules read these grades.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

from retrieval.answer.subjects import METRICS, Focus, focus, unmentioned
from retrieval.check.evidence import Sentence
from retrieval.text.claims import (
    Claim,
    FigureContext,
    Period,
    PeriodRelation,
    figure_context,
    find_periods,
    is_english,
    period_relation,
)
from retrieval.text.figures import Figure, same_figure

__all__ = [
    "Grade",
    "Relation",
    "Slot",
    "SubjectAgreement",
    "claim_slot",
    "evidence_slots",
    "grade",
    "relation",
]

W_LABEL, W_OVERLAP, W_PERIOD = 0.6, 0.4, 0.2
"""A candidate's place score: how alike the words naming the two figures are, how much of the
claim its sentence holds, and whether it states the claim's period."""

PLACED_LABEL, PLACED_OVERLAP = 0.34, 0.5
"""Naming words this alike (bigram Dice), or this much of the claim in the evidence sentence,
tie an evidence figure to the claim's place."""

Relation = Literal["same", "swap", "comparable", "none"]
SubjectAgreement = Literal["match", "unknown", "other", "total"]
MetricAgreement = Literal["match", "unknown", "other"]

# Metrics news reports that are one thing under several names; others are their own family.
_FAMILIES = {
    "revenue": "营业收入 营业总收入 主营业务收入 营收 收入 销售收入 销售额 营业额",
    "profit": "利润总额 营业利润 净利润 归母净利润 利润",
    "output": "工业总产值 产值",
    "added": "工业增加值 增加值",
    "gdp": "地区生产总值 生产总值 gdp",
    "investment": "合同投资额 固定资产投资 投资额 总投资",
    "trade": "出口额 进口额 进出口总额 进出口额",
    "fiscal": "财政收入 一般公共预算收入 税收",
    "deals": "交易额 成交额",
}
_FAMILY = {word: name for name, words in _FAMILIES.items() for word in words.split()}
_RATES = frozenset({"增速", "增长率", "增幅", "降幅"})
_METRIC_RE = re.compile("|".join(map(re.escape, METRICS)), re.IGNORECASE)
_CHANGE_RE = re.compile(r"增长|增速|增幅|下降|降幅|提高|减少|上升|回落|增加|下滑")
_SHARE_RE = re.compile(r"占|比重|比例|份额")
_QUANTITY_KINDS = frozenset({"money", "count", "percent", "points", "range", "number"})


@dataclass(frozen=True)
class Slot:
    """A figure in its sentence.

    ``figure`` has offsets into the sentence's reading; ``span`` the figure's offsets in the
    pasted text (claim) or the source (evidence); ``names`` its subject; ``inherited``: the
    subject came from the paragraph before, not the sentence.
    """

    figure: Figure
    context: FigureContext
    period: Period | None
    names: Focus
    inherited: bool
    span: tuple[int, int]
    sentence: Sentence | None = None
    english: bool = False


@dataclass(frozen=True)
class Grade:
    """How an evidence slot stands to a claim's: value relation, agreement per dimension, and
    a place score (0..1) that ranks candidates."""

    slot: Slot
    relation: Relation
    subject: SubjectAgreement
    metric: MetricAgreement
    period: PeriodRelation
    label: float
    score: float
    cross_lingual: bool = False

    @property
    def own_place(self) -> bool:
        """Nothing says the evidence figure belongs elsewhere than the claim's."""
        subject = self.subject in {"match", "unknown"}
        return subject and self.metric != "other" and self.period != "conflict"

    @property
    def placed(self) -> bool:
        """Something positively ties the two places: the subject, the metric, the words
        before the figure, or most of the claim in the sentence. An English claim's words
        cannot be compared with Chinese ones: its figure alone places it."""
        if self.cross_lingual:
            return True
        overlap = self.slot.sentence.overlap if self.slot.sentence else 0.0
        named = self.metric == "match" or self.label >= PLACED_LABEL
        return self.subject == "match" or named or overlap >= PLACED_OVERLAP


def claim_slot(claim: Claim, figure: Figure, span: tuple[int, int]) -> Slot:
    """The slot of one of ``claim``'s figures (``span``: its offsets in the pasted text)."""
    context = figure_context(claim.reading.read, figure)
    return replace(_slot(figure, context, claim.context, span), english=is_english(claim.text))


def evidence_slots(sentence: Sentence) -> list[Slot]:
    """The slots of every figure of an evidence sentence."""
    reading = sentence.reading
    return [
        _slot(
            figure,
            figure_context(reading.read, figure),
            sentence.context,
            (sentence.start + start, sentence.start + end),
            sentence,
        )
        for figure, (start, end) in zip(reading.figures, reading.spans, strict=True)
    ]


def _slot(
    figure: Figure,
    context: FigureContext,
    before: str,
    span: tuple[int, int],
    sentence: Sentence | None = None,
) -> Slot:
    names = focus(context.subject)
    inherited = not names.names
    if inherited:
        names = focus(before)
    periods = find_periods(before)
    period = context.period or (periods[-1] if periods else None)
    return Slot(figure, context, period, names, inherited, span, sentence)


def relation(claimed: Figure, stated: Figure) -> Relation:
    """``same`` value and unit; ``swap``: the same number as a percentage and as percentage
    points; ``comparable``: another value of the same kind and unit (亿 vs 万 included)."""
    if same_figure(claimed, stated) or _bare_value(claimed, stated):
        return "same"
    kinds = {claimed.kind, stated.kind}
    if kinds == {"percent", "points"} and claimed.value == stated.value:
        return "swap"
    comparable = claimed.kind == stated.kind and claimed.kind in _QUANTITY_KINDS
    return "comparable" if comparable and _base(claimed.unit) == _base(stated.unit) else "none"


def _bare_value(claimed: Figure, stated: Figure) -> bool:
    """An English "317 projects" (a bare number) states the value a passage gives with a unit."""
    bare = claimed.kind == "number" and not claimed.unit and claimed.value is not None
    return bare and stated.value == claimed.value


def _base(unit: str) -> str:
    return unit.lstrip("多余")


def grade(claimed: Slot, stated: Slot, body_of: Callable[[str], str]) -> Grade:
    """How ``stated`` (an evidence slot) stands to ``claimed``; ``body_of`` gives an article's
    text, where a subject the sentence does not name may be named."""
    label = label_similarity(claimed.context.label, stated.context.label)
    overlap = stated.sentence.overlap if stated.sentence else 0.0
    period = period_relation(claimed.period, stated.period)
    return Grade(
        slot=stated,
        relation=relation(claimed.figure, stated.figure),
        subject=subject_agreement(claimed, stated, body_of),
        metric=metric_agreement(claimed, stated),
        period=period,
        label=label,
        score=W_LABEL * label + W_OVERLAP * overlap + W_PERIOD * (period == "same"),
        cross_lingual=claimed.english and not _english(stated),
    )


def _english(slot: Slot) -> bool:
    return slot.sentence is not None and is_english(slot.sentence.text)


def subject_agreement(
    claimed: Slot, stated: Slot, body_of: Callable[[str], str]
) -> SubjectAgreement:
    """``match``: the evidence names every name of the claim's subject for its figure (in
    its sentence when that names its own subject, else before the figure or in the paragraph
    before the sentence); ``total``: only as one item
    of a list the figure totals; ``other``: the sentence names its own subject and not the
    claim's, or the article never names the claim's; ``unknown``: the claim names none, or
    the article names it only away from the figure."""
    if not claimed.names.names:
        return "unknown"
    context, sentence = stated.context, stated.sentence
    # A sentence naming its own subject is read alone: the paragraph before it may name the
    # claim's subject for another figure (a subject swapped for a neighbour's).
    own = sentence is not None and not stated.inherited
    around = f"{sentence.context}\n" if sentence is not None and not own else ""
    here = sentence.text if sentence is not None and own else context.subject
    if not unmentioned(claimed.names, around + here):
        outside = around + here.replace(context.members, "")
        alone = claimed.context.total_of is None and bool(context.members)
        return "total" if alone and unmentioned(claimed.names, outside) else "match"
    if not stated.inherited:
        return "other"
    body = body_of(sentence.chunk.article_id) if sentence is not None else ""
    return "unknown" if not unmentioned(claimed.names, body) else "other"


def metric_agreement(claimed: Slot, stated: Slot) -> MetricAgreement:
    """Both labels name a metric: the same family (营收 and 营业收入) or not (利润总额); a
    rate (增长) is not a share (占) either. Otherwise unknown."""
    mine, theirs = _families(claimed.context.label), _families(stated.context.label)
    if not mine or not theirs:
        return "unknown"
    if not mine & theirs:
        return "other"
    rate = {"percent", "points"} & {claimed.figure.kind, stated.figure.kind}
    share = _change_and_share(claimed.context.label, stated.context.label)
    return "other" if rate and share else "match"


def _change_and_share(a: str, b: str) -> bool:
    """One label is a change (增长) and the other a share (占): different rates."""
    change = bool(_CHANGE_RE.search(a)), bool(_CHANGE_RE.search(b))
    share = bool(_SHARE_RE.search(a)), bool(_SHARE_RE.search(b))
    return (change[0] and share[1]) or (share[0] and change[1])


def metric_words(label: str) -> list[str]:
    """The level metrics a label names (营业收入, 利润总额), rates left out."""
    return [m for m in _METRIC_RE.findall(label) if m.lower() not in _RATES]


def _families(label: str) -> set[str]:
    return {_FAMILY.get(m.lower(), m.lower()) for m in metric_words(label)}


def label_similarity(a: str, b: str) -> float:
    """Dice coefficient of the two labels' character bigrams (0..1)."""
    x, y = _bigrams(a), _bigrams(b)
    return 2 * len(x & y) / (len(x) + len(y)) if x and y else 0.0


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} if len(text) > 1 else {text} - {""}
