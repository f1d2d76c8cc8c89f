"""The verdict of each fact: supported, contradicted, misattributed or not found.

Rules, general by construction (value, scale, unit, subject, metric, period), never by
example:

- a figure is ``supported`` when an evidence sentence states the same figure in the claim's
  place (nothing says it belongs to another subject, metric or period, and something ties the
  two: the subject, the metric, the words naming it, or most of the claim);
- ``contradicted`` when the claim's place in the evidence holds another figure of the same
  kind (亿 vs 万, a shifted digit): same subject (or most of the claim in the sentence), the
  same metric or naming words, and the same period (or none claimed);
- ``misattributed`` when the claimed figure is there but for something else: another subject,
  the total of a list, another metric, another period, or percentage points given as a
  percentage;
- ``not_found`` otherwise.

A date or period is checked through the claim's event: the evidence where the claim's figures
were found for its subject and metric (or, for a claim without figures, sentences holding
most of it): the same period supports it, another one of the same kind (2021年 vs 2022年)
contradicts it; a claim whose figures are nowhere has its period not found. Quotes are found
in the articles and their speakers compared. A sentence with nothing to check is checked
whole, by overlap. A claim's verdict is the worst of its facts (``VERDICT_ORDER``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from retrieval.answer.citations import citation_for
from retrieval.answer.subjects import focus, subject_mismatch
from retrieval.check import wording
from retrieval.check.evidence import Evidence, Sentence
from retrieval.check.names import NameSwap
from retrieval.check.slots import Grade, Slot, claim_slot, grade, metric_words
from retrieval.text.claims import Claim, Fact, Period, find_periods, overlap, period_relation
from retrieval.text.figures import hard_spans
from retrieval.text.quotes import same_speaker
from retrieval.types import VERDICT_ORDER, Chunk, Citation, QuoteMatch, Verdict

__all__ = [
    "Judged",
    "judge_date",
    "judge_figure",
    "judge_name",
    "judge_quote",
    "judge_sentence",
    "worst",
]

MARGIN = 0.2
"""How much better another figure's place must score to beat the claimed figure's."""
STRONG_LABEL = 0.5
RELEVANT_OVERLAP = 0.4
EVENT_OVERLAP = 0.6
SENTENCE_OVERLAP = 0.7
CLOSE_QUOTE = 0.75
"""A quote only this similar to the article's words is a changed quote, not another one."""
MAX_CITATIONS = 2
EXCERPT_CHARS = 16

_NOT_DIGITS = re.compile(r"[^0-9０-９.．]")
"""What is not a digit or a point: what a scale error leaves unchanged is the rest."""

BodyOf = Callable[[str], str]
"""An article id's title and text (``Library.body``)."""
Mark = tuple[Sentence, tuple[int, int] | None]
"""An evidence sentence and the span in it (absolute offsets) to mark, if any."""


@dataclass(frozen=True)
class Judged:
    """A fact's verdict, its one-line reason, what the evidence says instead, its citations."""

    verdict: Verdict
    reason: str
    citations: tuple[Citation, ...] = ()
    stated: str | None = None


def worst(verdicts: Iterable[Verdict]) -> Verdict:
    """The worst verdict (``VERDICT_ORDER``); ``not_found`` for none."""
    return max(verdicts, key=VERDICT_ORDER.index, default="not_found")


def judge_figure(
    fact: Fact, claim: Claim, slots: Sequence[Slot], body_of: BodyOf, english: bool
) -> tuple[Judged, list[Grade]]:
    """A figure's verdict, and the claim's event for checking its dates: the evidence slots
    stating the figure for the claim's subject and metric (in any period), or another value in
    the claim's very place (same period)."""
    assert fact.figure is not None
    mine = claim_slot(claim, fact.figure, (fact.start, fact.end))
    grades = [g for s in slots if (g := grade(mine, s, body_of)).relation != "none"]
    anchors = [g for g in grades if _anchor(g, mine)]
    return _decide(fact, mine, grades, body_of, english), anchors


def _anchor(g: Grade, mine: Slot) -> bool:
    if g.relation == "comparable":
        return g.own_place and _strong(g, mine)
    ok = g.placed and g.subject in {"match", "unknown"} and g.metric != "other"
    return g.relation == "same" and ok


def _decide(fact: Fact, mine: Slot, grades: list[Grade], body_of: BodyOf, english: bool) -> Judged:
    own = [g for g in grades if g.own_place and g.placed]
    same = _best(g for g in own if g.relation == "same")
    rival = _best(g for g in own if g.relation == "comparable" and _strong(g, mine))
    if same is not None and not (rival is not None and rival.score > same.score + MARGIN):
        return Judged("supported", wording.same(_raw(same), fact.text, english), _cite([same]))
    swap = _best(g for g in grades if g.relation == "swap" and g.subject != "other" and g.placed)
    if swap is not None:
        points = swap.slot.figure.kind == "points"
        reason = wording.kind_swap(_raw(swap), fact.text, points, english)
        return Judged("misattributed", reason, _cite([swap]), _raw(swap))
    elsewhere = _best(g for g in grades if g.relation == "same" and _relevant(g, mine, body_of))
    if elsewhere is not None and (rival is None or (_named(elsewhere) and not elsewhere.own_place)):
        where = _where(elsewhere, english)
        reason = wording.attribution(fact.text, where, _instead(elsewhere, mine), english)
        return Judged("misattributed", reason, _cite([elsewhere]), where)
    if rival is not None:
        return _rival(fact, mine, rival, elsewhere, english)
    if twin := _best(g for g in grades if _scale_twin(g, mine)):
        reason = wording.differs(_raw(twin), fact.text, english)
        return Judged("contradicted", reason, _cite([twin]), _raw(twin))
    return _not_found(fact, grades, english)


def _scale_twin(g: Grade, mine: Slot) -> bool:
    """The claim's digits with another scale word (105万元 for 105亿元), named alike, in a
    sentence holding much of the claim: a scale error even when the subject is worded a
    little differently (the place rules need the same subject)."""
    claimed, stated = mine.figure, g.slot.figure
    same_digits = _NOT_DIGITS.sub("", claimed.raw) == _NOT_DIGITS.sub("", stated.raw)
    if g.relation != "comparable" or not same_digits or claimed.value == stated.value:
        return False
    overlap_ = g.slot.sentence.overlap if g.slot.sentence else 0.0
    named = g.metric == "match" or g.label >= STRONG_LABEL
    kept = g.period != "conflict" and g.metric != "other" and g.subject != "total"
    return named and kept and overlap_ >= RELEVANT_OVERLAP


def _rival(fact: Fact, mine: Slot, rival: Grade, elsewhere: Grade | None, english: bool) -> Judged:
    """The claim's place holds another figure: misattributed when the claimed one is there
    for something else, else contradicted."""
    if elsewhere is None:
        reason = wording.differs(_raw(rival), fact.text, english)
        return Judged("contradicted", reason, _cite([rival]), _raw(rival))
    own = (metric_words(mine.context.label) or [mine.context.label or "此处"])[-1]
    where = _where(elsewhere, english)
    reason = wording.wrong_place(fact.text, where, own, _raw(rival), english)
    return Judged("misattributed", reason, _cite([rival, elsewhere]), _raw(rival))


def _not_found(fact: Fact, grades: list[Grade], english: bool) -> Judged:
    """Not found; when the article gives this figure's metric only for another period, say
    which."""
    other = _best(
        g
        for g in grades
        if g.period == "conflict" and g.subject in {"match", "unknown"} and g.metric != "other"
        and g.placed and g.slot.period is not None
    )  # fmt: skip
    if other is None or other.slot.period is None:
        return Judged("not_found", wording.not_found(fact.text, None, english))
    shown = (other.slot.period.text, _raw(other))
    return Judged("not_found", wording.not_found(fact.text, shown, english), _cite([other]))


def _named(g: Grade) -> bool:
    """The evidence figure is named like the claim's (same metric or naming words)."""
    return g.metric == "match" or g.label >= STRONG_LABEL


def _strong(g: Grade, mine: Slot) -> bool:
    """Another figure is in the claim's very place: same metric or naming words, the same
    subject (or most of the claim in its sentence), the same period (or none claimed)."""
    overlap_ = g.slot.sentence.overlap if g.slot.sentence else 0.0
    subject = g.subject == "match" or (g.subject == "unknown" and overlap_ >= EVENT_OVERLAP)
    return _named(g) and subject and (g.period == "same" or mine.period is None)


def _relevant(g: Grade, mine: Slot, body_of: BodyOf) -> bool:
    """The claimed figure, found for something else, is about the claim at all: the same
    subject, or the claim's subject named in that article, or much of the claim there."""
    if g.subject in {"match", "total"}:
        return True
    overlap_ = g.slot.sentence.overlap if g.slot.sentence else 0.0
    if g.subject == "unknown":
        return overlap_ >= RELEVANT_OVERLAP or g.metric == "match" or g.label >= STRONG_LABEL
    sentence = g.slot.sentence
    in_article = sentence is not None and not subject_mismatch(
        mine.names, body_of(sentence.chunk.article_id)
    )
    return bool(mine.names.names) and in_article


def _where(g: Grade, english: bool) -> str:
    """What the evidence figure belongs to, in words (the first dimension that differs)."""
    slot = g.slot
    if g.subject == "total" and slot.context.total_of:
        return wording.listed(slot.context.total_of, english)
    if g.subject == "other" and slot.names.names:
        names = "、".join(slot.names.names[-2:])
        return f"the figure of {names}" if english else f"{names}的数字"
    if g.metric == "other" and (words := metric_words(slot.context.label)):
        return f"the {words[-1]}" if english else words[-1]
    if g.period == "conflict" and slot.period is not None:
        return f"the figure for {slot.period.text}" if english else f"{slot.period.text}的数字"
    shown = _excerpt(g)
    return f'the figure in "{shown}"' if english else f"「{shown}」中的数字"


def _excerpt(g: Grade) -> str:
    """The evidence sentence up to and including its figure, shortened at the front."""
    sentence = g.slot.sentence
    if sentence is None:
        return g.slot.figure.raw
    end = g.slot.span[1] - sentence.start
    head = sentence.text[:end]
    if len(head) <= EXCERPT_CHARS:
        return head
    cut = len(head) - EXCERPT_CHARS
    cut = next((b for a, b in hard_spans(head) if a < cut < b), cut)  # never half a figure
    return "…" + head[cut:]


def _instead(g: Grade, mine: Slot) -> str:
    """The claim's side of the first dimension that differs (see ``_where``)."""
    if g.subject in {"total", "other"}:
        return "、".join(mine.names.names[:2])
    if g.metric == "other" and (words := metric_words(mine.context.label)):
        return words[-1]
    if g.period == "conflict" and mine.period is not None:
        return mine.period.text
    return mine.context.label


def _best(grades: Iterable[Grade]) -> Grade | None:
    return max(grades, key=lambda g: (g.score, -g.slot.span[0]), default=None)


def _raw(g: Grade) -> str:
    sentence = g.slot.sentence
    if sentence is None:
        return g.slot.figure.raw
    start, end = g.slot.span
    return sentence.text[start - sentence.start : end - sentence.start]


def judge_date(
    fact: Fact, claim: Claim, evidence: Evidence, anchors: Sequence[Grade], english: bool
) -> Judged:
    """A date or period, checked through the claim's event (see the module docstring)."""
    assert fact.period is not None
    claimed = fact.period
    figures = any(f.kind == "figure" for f in claim.facts)
    events = [
        (s, _periods(s)) for s in evidence.sentences if not figures and _is_event(claim, claimed, s)
    ]
    placed = [(g.slot.sentence, [g.slot.period]) for g in anchors if g.slot.sentence]
    told = [(s, [*ps, *find_periods(s.text)]) for s, ps in placed]
    for sentence, periods in [*told, *events]:
        if found := _supporting(claimed, periods):
            reason = wording.same(found.text, fact.text, english)
            return Judged("supported", reason, _cite_marks([(sentence, _span(sentence, found))]))
    for sentence, periods in [*placed, *events]:
        if found := next((p for p in periods if period_relation(claimed, p) == "conflict"), None):
            reason = wording.differs(found.text, fact.text, english)
            marks = [(sentence, _span(sentence, found))]
            return Judged("contradicted", reason, _cite_marks(marks), found.text)
    return Judged("not_found", wording.not_found(fact.text, None, english))


def _supporting(claimed: Period, periods: Sequence[Period | None]) -> Period | None:
    """The first period agreeing with ``claimed``; one stating less (2009年 for 2009年4月27日)
    only when no period of the sentence states as much and differs (2010年2月7日)."""
    same = [p for p in periods if p is not None and period_relation(claimed, p) == "same"]
    full = [p for p in same if _detail(p) >= _detail(claimed)]
    if full or not same:
        return full[0] if full else None
    rivals = [p for p in periods if p is not None and period_relation(claimed, p) == "conflict"]
    return None if any(_detail(p) >= _detail(claimed) for p in rivals) else same[0]


def _detail(period: Period) -> int:
    """How much a period states: a year, a month, a day."""
    part = period.part or ""
    return (period.year is not None) + ("月" in part) + ("日" in part)


def _is_event(claim: Claim, claimed: Period, sentence: Sentence) -> bool:
    """Most of the claim (its date left out) is in the sentence, about the claim's subject."""
    rest = claim.text[: claimed.start] + claim.text[claimed.end :]
    if overlap(rest, sentence.text) < EVENT_OVERLAP:
        return False
    return not subject_mismatch(focus(claim.text), f"{sentence.context}\n{sentence.text}")


def _periods(sentence: Sentence) -> list[Period | None]:
    """The sentence's own periods, else the last one of the paragraph before it."""
    own: list[Period | None] = list(find_periods(sentence.text))
    inherited = find_periods(sentence.context)
    return own or ([inherited[-1]] if inherited else [])


def _span(sentence: Sentence, period: Period | None) -> tuple[int, int] | None:
    """A period's absolute offsets when it is the sentence's own (not inherited)."""
    if period is None or sentence.text[period.start : period.end] != period.text:
        return None
    return sentence.start + period.start, sentence.start + period.end


def judge_quote(fact: Fact, match: QuoteMatch, speaker: str | None, english: bool) -> Judged:
    """Found (exactly or nearly) with the same or no speaker: supported; with another speaker:
    misattributed; only a close but different version (``CLOSE_QUOTE``): contradicted; else
    not found."""
    assert fact.quotation is not None
    citations = (match.citation,) if match.citation is not None else ()
    claimed = fact.quotation.speaker
    if match.found in {"exact", "near"}:
        if same_speaker(claimed, speaker) is False and speaker and claimed:
            reason = wording.said_by(speaker, claimed, english)
            return Judged("misattributed", reason, citations, speaker)
        return Judged("supported", wording.quote_found(match.found == "near", english), citations)
    if match.found == "closest" and match.similarity >= CLOSE_QUOTE:
        return Judged("contradicted", wording.quote_differs(match.diff, english), citations)
    return Judged("not_found", wording.not_found(fact.text, None, english))


def judge_sentence(fact: Fact, claim: Claim, evidence: Evidence, english: bool) -> Judged:
    """A sentence with nothing else to check: supported when one evidence sentence holds most
    of it and its names are there (in the sentence or the paragraph before)."""
    best = evidence.sentences[0] if evidence.sentences else None
    if best is not None and best.overlap >= SENTENCE_OVERLAP:
        named = not subject_mismatch(focus(claim.text), f"{best.context}\n{best.text}")
        if named:
            reason = wording.sentence_found(True, english)
            return Judged("supported", reason, _cite_marks([(best, None)]))
    return Judged("not_found", wording.sentence_found(False, english))


def judge_name(swap: NameSwap, english: bool) -> Judged:
    """A name put where the claim's evidence sentence names another: misattributed."""
    reason = wording.name_swap(swap.stated, swap.claimed, english)
    return Judged("misattributed", reason, _cite_marks([(swap.sentence, swap.span)]), swap.stated)


def _cite(grades: Sequence[Grade]) -> tuple[Citation, ...]:
    return _cite_marks([(g.slot.sentence, g.slot.span) for g in grades if g.slot.sentence])


def _cite_marks(marks: Sequence[Mark]) -> tuple[Citation, ...]:
    """One citation per passage, marking each evidence sentence and the span in it."""
    spans: dict[str, list[tuple[int, int]]] = {}
    chunks: dict[str, Chunk] = {}
    for sentence, span in marks[: MAX_CITATIONS * 2]:
        chunk = sentence.chunk
        chunks.setdefault(chunk.chunk_id, chunk)
        found = spans.setdefault(chunk.chunk_id, [])
        found.append((sentence.start, sentence.end))
        if span is not None:
            found.append(span)
    ordered = list(chunks)[:MAX_CITATIONS]
    return tuple(citation_for(n, chunks[c], spans[c]) for n, c in enumerate(ordered, start=1))
