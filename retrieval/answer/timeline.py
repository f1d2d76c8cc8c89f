"""Answers in time order, extractive (no LLM): timelines, "which came first", "the same year?".

A timeline question (``temporal_ask``) gets the passages' sentences about its subject, one
line each with its date (``event_date``) and citation, sorted by date, those without a date
last and marked 「（日期不明）」. An order or same question gets each event's own search,
the sentence that best matches the event's words, and its date; the dates are compared and
each is cited. When an event is not found, or its date is unknown or too coarse to compare
(the same month of an event known only to the year), the answer is the refusal, saying
which date is missing. Sentences are quoted verbatim (a leading date, which the line
already shows, may be left out of the quote); nothing else is rewritten.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from retrieval.answer.citations import renumber
from retrieval.answer.events import EventDate, date_label, earlier, event_date, same_time
from retrieval.answer.refusal import refusal_text
from retrieval.answer.subjects import focus, subject_mismatch
from retrieval.answer.temporal import TemporalAsk, temporal_ask
from retrieval.index import Index
from retrieval.text.coverage import coverage, term_weights
from retrieval.text.keywords import query_tokens
from retrieval.text.periods import named_periods
from retrieval.text.sentences import split_sentences
from retrieval.types import Answer, Chunk, Hit, Reliability, ResolvedPeriod

__all__ = ["Dated", "TimeTools", "answer_in_time", "dated_sentences", "tools_for"]

# A sentence is about an event when it covers this share of the event's (IDF-weighted)
# words, or when its passage does and the sentence holds the best share in it.
MIN_EVENT_COVER = 0.5
# A timeline keeps sentences covering this share of the subject's words, or dated ones of
# passages covering it; at most MAX_TIMELINE of them.
MIN_TIMELINE_COVER = 0.5
MAX_TIMELINE = 12
W_SENTENCE, W_PASSAGE = 0.6, 0.4
# Among sentences that tell an event equally well, one that dates it itself wins over one
# dated by its passage, and that over one dated only by publication (a headline).
W_DATED = {"sentence": 0.1, "period": 0.1, "passage": 0.05, "published": 0.0}
RELIABLE_COVER = 0.7
_TIME_WORDS = re.compile(
    r"^(?:今年|去年|前年|明年|本年|近期|最近|目前|近日|上半年|下半年|(?:19|20)\d{2}年?|\d{1,2}月|时间|日期)$"
)
_LEADING_DATE_GAP = "，,、 　：:"


@dataclass(frozen=True)
class TimeTools:
    """What answering in time needs from the chain, as callables: a search of a phrase
    (the chain's own hybrid search and re-ranking), an article's resolved periods within
    offsets, term weights (IDF) and an article's text (for subject checks)."""

    search: Callable[[str], Sequence[Hit]]
    periods: Callable[[str, int, int], tuple[ResolvedPeriod, ...]]
    weights: Callable[[Sequence[str]], Mapping[str, float]]
    article: Callable[[str], str | None]


@dataclass(frozen=True)
class Dated:
    """A sentence of a passage that tells an event, with its date (None: unknown).

    ``start``/``end`` are absolute offsets of the quoted clause in the source
    (``chunk.text[start - chunk.char_start : end - chunk.char_start]``).
    """

    chunk: Chunk
    start: int
    end: int
    text: str
    date: EventDate | None
    score: float
    cover: float


def answer_in_time(
    question: str, standalone: str, hits: Sequence[Hit], tools: TimeTools, started: float
) -> Answer | None:
    """The answer to a timeline, order or same question; None for any other question."""
    ask = temporal_ask(standalone)
    if ask is None:
        return None
    frame = _Frame(question, standalone, started)
    if ask.kind == "timeline":
        return _timeline(frame, ask, hits, tools)
    found = tuple(_event(phrase, hits, tools) for phrase in ask.events)
    return _compared(frame, ask, found)


def dated_sentences(
    chunk: Chunk, weights: Mapping[str, float], tools: TimeTools, context: float
) -> list[Dated]:
    """Every sentence of ``chunk`` with its date and its score for ``weights`` (sentence
    coverage, and ``context``: its passage's)."""
    found: list[Dated] = []
    for a, b in split_sentences(chunk.text, 0, len(chunk.text)):
        lo, hi = chunk.char_start + a, chunk.char_start + b
        periods = tools.periods(chunk.article_id, lo, hi)
        when = event_date(chunk.text, (a, b), periods=periods, published=chunk.date)
        start = _after_leading_date(chunk.text, a, b, when)
        cover = coverage(weights, chunk.text[a:b])
        score = W_SENTENCE * cover + W_PASSAGE * context + (W_DATED[when.origin] if when else 0)
        text = chunk.text[start:b]
        found.append(Dated(chunk, chunk.char_start + start, hi, text, when, score, cover))
    return found


def _event(phrase: str, hits: Sequence[Hit], tools: TimeTools) -> Dated | None:
    """The sentence that best tells the event ``phrase``, from its own search first."""
    weights = term_weights(query_tokens(phrase), tools.weights(query_tokens(phrase)))
    best: Dated | None = None
    for hit in _merged(tools.search(phrase), hits):
        chunk = hit.chunk
        context = coverage(weights, f"{chunk.title} {chunk.text}")
        for sentence in dated_sentences(chunk, weights, tools, context):
            enough = sentence.cover >= MIN_EVENT_COVER or context >= MIN_EVENT_COVER
            if enough and (best is None or sentence.score > best.score):
                best = sentence
    return best


def _merged(first: Sequence[Hit], then: Sequence[Hit]) -> list[Hit]:
    seen: set[str] = set()
    merged = []
    for hit in (*first, *then):
        if hit.chunk.chunk_id not in seen:
            seen.add(hit.chunk.chunk_id)
            merged.append(hit)
    return merged


def _after_leading_date(text: str, start: int, end: int, when: EventDate | None) -> int:
    """Where the quote starts: after a date or period that opens the sentence and is the
    event's date (the line shows it already), when enough of the sentence is left."""
    if when is None or when.origin not in ("sentence", "period"):
        return start
    written = text.find(when.written, start, end)
    if written < 0 or written > start + 1:
        return start
    cut = written + len(when.written)
    while cut < end and text[cut] in _LEADING_DATE_GAP:
        cut += 1
    return cut if end - cut >= 4 else start


# --- timelines ---------------------------------------------------------------------------


def _timeline(frame: _Frame, ask: TemporalAsk, hits: Sequence[Hit], tools: TimeTools) -> Answer:
    events = _within(_timeline_events(ask.subject, hits, tools), named_periods(frame.standalone))
    if not any(e.date is not None for e in events):
        refusal = _Draft(refusal_text(frame.question), {}, (), 0.0)
        return _answered(frame, refusal, dated=False, refused=True)
    ordered = sorted(events, key=_timeline_key)
    numbers = _numbering(ordered)
    lines = [_line(e, numbers[e.chunk.chunk_id], ask.english) for e in ordered]
    mean = sum(e.cover for e in ordered) / len(ordered)
    draft = _Draft("\n".join(lines), numbers, ordered, mean)
    return _answered(frame, draft, dated=all(e.date for e in ordered))


def _timeline_events(subject: str, hits: Sequence[Hit], tools: TimeTools) -> list[Dated]:
    """The sentences about ``subject``: those covering its words, and dated ones of
    passages about it, best first, at most ``MAX_TIMELINE``, one per clause."""
    tokens = [t for t in query_tokens(subject) if not _TIME_WORDS.match(t)]
    weights = term_weights(tokens, tools.weights(tokens))
    about = focus(subject)
    kept: list[Dated] = []
    for hit in hits:
        chunk = hit.chunk
        article = tools.article(chunk.article_id) or chunk.text
        if subject_mismatch(about, f"{chunk.title} {chunk.section} {article}"):
            continue
        context = coverage(weights, f"{chunk.title} {chunk.section} {chunk.text}")
        for sentence in dated_sentences(chunk, weights, tools, context):
            own = sentence.date is not None and sentence.date.origin in ("sentence", "period")
            if sentence.text.strip() == chunk.title.strip():
                continue  # the headline: its body sentence tells the event, dated
            if sentence.cover >= MIN_TIMELINE_COVER or (own and context >= MIN_TIMELINE_COVER):
                kept.append(sentence)
    unique = {(d.chunk.source, d.start, d.end): d for d in kept}
    return sorted(unique.values(), key=lambda d: -d.score)[:MAX_TIMELINE]


def _within(events: list[Dated], periods: Sequence[tuple[str, str]]) -> list[Dated]:
    """A timeline of a period the question names (2022年; 今年 as rewritten) keeps the events
    dated inside it, and those of unknown date; without a named period, every event."""
    if not periods:
        return events
    return [e for e in events if e.date is None or _overlaps(e.date, periods)]


def _overlaps(date: EventDate, periods: Sequence[tuple[str, str]]) -> bool:
    return any(date.first <= to and start <= date.last for start, to in periods)


def _timeline_key(event: Dated) -> tuple[int, str, str, int]:
    if event.date is None:
        return (1, "", event.chunk.source, event.start)
    return (0, event.date.first, event.date.last, event.start)


def _line(event: Dated, n: int, english: bool) -> str:
    if event.date is None:
        label = "(date unknown)" if english else "（日期不明）"
    else:
        label = date_label(event.date, english)
        if event.date.origin == "published":
            label += " (publication date)" if english else "（发布日期）"
    return f"{label}{': ' if english else '：'}{event.text}[{n}]"


# --- order and same questions --------------------------------------------------------------


def _compared(frame: _Frame, ask: TemporalAsk, found: tuple[Dated | None, ...]) -> Answer:
    known = [e for e in found if e is not None]
    numbers = _numbering(known)
    mean = sum(e.cover for e in known) / max(len(known), 1)
    verdict = _verdict(ask, found)
    if verdict is None:
        text = refusal_text(frame.question) + _missing(ask, found, numbers)
        return _answered(frame, _Draft(text, numbers, known, 0.0), dated=False, refused=True)
    text = _wording(ask, found, numbers, verdict)
    dated = all(e.date is not None and e.date.origin != "published" for e in known)
    return _answered(frame, _Draft(text, numbers, known, mean), dated=dated)


def _verdict(ask: TemporalAsk, found: tuple[Dated | None, ...]) -> int | bool | None:
    """For an order question, the index of the first (or last) event; for a same question
    or a yes/no order question, the yes or no; None when the dates do not tell."""
    dates = [e.date if e is not None else None for e in found]
    if any(d is None for d in dates):
        return None
    known = [d for d in dates if d is not None]
    if ask.kind == "same":
        assert ask.unit is not None
        pairs = [same_time(known[0], other, ask.unit) for other in known[1:]]
        if any(p is False for p in pairs):
            return False
        return True if all(p is True for p in pairs) else None
    pick = _extreme(known, ask.direction)
    if pick is None or not ask.yes_no:
        return pick
    return pick == 0


def _extreme(dates: list[EventDate], direction: str) -> int | None:
    """The index of the date before (or after) every other one, or None when it is not
    known (overlapping dates: the same day, or a year against a day in it)."""
    for i, date in enumerate(dates):
        others = [d for j, d in enumerate(dates) if j != i]
        order = [earlier(date, o) if direction == "first" else earlier(o, date) for o in others]
        if all(o is True for o in order):
            return i
    return None


def _wording(
    ask: TemporalAsk, found: tuple[Dated | None, ...], numbers: dict[str, int], verdict: int | bool
) -> str:
    events = [e for e in found if e is not None]
    at = [_at(e, numbers, ask.english) for e in events]
    names = [f"“{p}”" if ask.english else f"「{p}」" for p in ask.events]
    if ask.kind == "same":
        return _same_wording(ask, names, at, events, bool(verdict))
    if ask.yes_no:
        return _yes_no_wording(ask, names, at, bool(verdict))
    assert isinstance(verdict, int) and not isinstance(verdict, bool)
    rest = [
        f"{names[i]}{' on ' if ask.english else '在'}{at[i]}"
        for i in range(len(names))
        if i != verdict
    ]
    if ask.english:
        word = "came first" if ask.direction == "first" else "came last"
        return f"{names[verdict]} {word} ({at[verdict]}); " + "; ".join(rest) + "."
    many = len(names) > 2
    word = (
        ("最早" if many else "更早") if ask.direction == "first" else ("最晚" if many else "更晚")
    )
    return f"{names[verdict]}{word}（{at[verdict]}），" + "，".join(rest) + "。"


def _same_wording(
    ask: TemporalAsk, names: list[str], at: list[str], events: list[Dated], same: bool
) -> str:
    unit_zh = {"year": "年", "month": "个月", "day": "天", "week": "周"}[ask.unit or "day"]
    each = "，".join(f"{n}在{a}" for n, a in zip(names, at, strict=True))
    each_en = "; ".join(f"{n} on {a}" for n, a in zip(names, at, strict=True))
    if ask.english:
        lead = f"Yes, the same {ask.unit}" if same else f"No, not the same {ask.unit}"
        return f"{lead}: {each_en}."
    if same and ask.unit != "week" and events[0].date is not None:
        common = _common_label(events[0].date, ask.unit or "day")
        return f"是的，都在{common}：{each}。"
    return f"是的，在同一{unit_zh}：{each}。" if same else f"不是：{each}。"


def _yes_no_wording(ask: TemporalAsk, names: list[str], at: list[str], yes: bool) -> str:
    if ask.english:
        word = "before" if ask.direction == "first" else "after"
        lead = "Yes" if yes else "No"
        return f"{lead}: {names[0]} on {at[0]}, {names[1]} on {at[1]} ({word}: {lead.lower()})."
    relation = "早于" if ask.direction == "first" else "晚于"
    if yes:
        return f"是的，{names[0]}（{at[0]}）{relation}{names[1]}（{at[1]}）。"
    return f"不是：{names[0]}在{at[0]}，{names[1]}在{at[1]}。"


def _common_label(date: EventDate, unit: str) -> str:
    width = {"year": 4, "month": 7}.get(unit, 10)
    parts = date.first[:width].split("-")
    return "".join(f"{int(p) if i else p}{'年月日'[i]}" for i, p in enumerate(parts))


def _missing(ask: TemporalAsk, found: tuple[Dated | None, ...], numbers: dict[str, int]) -> str:
    """Why a comparison is refused: which event was not found, or whose date is unknown."""
    parts = []
    for phrase, event in zip(ask.events, found, strict=True):
        if event is None:
            parts.append(f"“{phrase}” was not found" if ask.english else f"没有找到「{phrase}」")
        elif event.date is None:
            n = numbers[event.chunk.chunk_id]
            parts.append(
                f"the date of “{phrase}” is unknown [{n}]"
                if ask.english
                else f"「{phrase}」的日期不明[{n}]"
            )
        else:
            at = _at(event, numbers, ask.english)
            parts.append(f"“{phrase}” on {at}" if ask.english else f"「{phrase}」在{at}")
    if ask.english:
        return " " + "; ".join(parts) + "."
    return "，".join(parts) + "，无法比较。"


def _at(event: Dated, numbers: dict[str, int], english: bool) -> str:
    n = numbers[event.chunk.chunk_id]
    if event.date is None:
        return f"{'an unknown date' if english else '日期不明'}[{n}]"
    label = date_label(event.date, english)
    if event.date.origin == "published":
        label += " (publication date)" if english else "（按发布日期）"
    return f"{label}[{n}]"


# --- the answer ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Frame:
    """The question as asked and as answered (standalone), and when it was asked."""

    question: str
    standalone: str
    started: float


@dataclass(frozen=True)
class _Draft:
    text: str
    numbers: dict[str, int]
    events: Sequence[Dated]
    cover: float


def _numbering(events: Sequence[Dated]) -> dict[str, int]:
    numbers: dict[str, int] = {}
    for event in events:
        numbers.setdefault(event.chunk.chunk_id, len(numbers) + 1)
    return numbers


def _answered(frame: _Frame, draft: _Draft, *, dated: bool, refused: bool = False) -> Answer:
    passages: dict[int, Chunk] = {}
    spans: dict[int, list[tuple[int, int]]] = {}
    for event in draft.events:
        n = draft.numbers[event.chunk.chunk_id]
        passages[n] = event.chunk
        spans.setdefault(n, []).append((event.start, event.end))
    text, citations = renumber(draft.text, passages, spans)
    confidence = round(min(1.0, draft.cover), 3)
    reliability: Reliability = "reliable" if dated and draft.cover >= RELIABLE_COVER else "check"
    if refused:
        reliability, confidence = "insufficient", 0.0
    return Answer(
        question=frame.question,
        standalone_question=frame.standalone,
        text=text,
        refused=refused,
        citations=citations,
        flags=(),
        mode="extractive",
        seconds=time.perf_counter() - frame.started,
        confidence=confidence,
        reliability=reliability,
    )


def tools_for(index: Index, search: Callable[[str], Sequence[Hit]]) -> TimeTools:
    """The tools of an index, with the chain's ``search`` of a phrase."""
    return TimeTools(
        search=search,
        periods=index.periods,
        weights=index.term_weights,
        article=index.article_body,
    )
