"""Questions about time order: timelines, "which came first", "the same year?".

``temporal_ask`` reads a question as one of three kinds, or none:

* ``timeline``: 「X的时间线」, 「…按时间排列」, 大事记, 先后顺序, "timeline of X": a dated
  list of what the passages say about the subject;
* ``order``: 「A和B哪个先发生」, 「以下事件中哪个最早：A、B、C」, 「A在B之前吗」, "which came
  first, A or B": the events' dates compared;
* ``same``: 「A和B是同一年吗」, 「是否在同一个月发生」, "did A and B happen in the same year".

Order and same questions are split into their event phrases, each exactly as the question
writes it (an answer names the event as asked): the asking words (哪个更早发生, 是…吗),
list words (以下事件中, 这两个事件), quotes and punctuation are stripped. Matching is on
Simplified text, the phrases are cut from the original (``to_simplified`` keeps offsets).
Pure functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from retrieval.answer.events import Unit
from retrieval.text.hanzi import to_simplified

__all__ = ["Direction", "TemporalAsk", "TemporalKind", "split_events", "temporal_ask"]

TemporalKind = Literal["timeline", "order", "same"]
Direction = Literal["first", "last"]
MIN_EVENT_CHARS = 3
MAX_EVENTS = 6


@dataclass(frozen=True)
class TemporalAsk:
    """What a time-order question asks.

    ``events``: the event phrases (order and same questions); ``subject``: what a timeline
    is about; ``unit``: the unit a same question compares at; ``direction``: the earliest or
    latest is asked for; ``yes_no``: an order question asked as 「A在B之前吗」 (A first?).
    """

    kind: TemporalKind
    events: tuple[str, ...] = ()
    subject: str = ""
    unit: Unit | None = None
    direction: Direction = "first"
    yes_no: bool = False
    english: bool = False


_TIMELINE = re.compile(
    r"时间[线轴表]|大事记|(?:按|按照|以)(?:时间|日期|先后)(?:先后)?(?:顺序)?(?:排列|排序|列出|整理|梳理)?"
    r"|按(?:先后)?顺序(?:排列|排序|列出)|(?:先后|时间)顺序|发展历程"
)
_TIMELINE_EN = re.compile(r"\btime\s?line\b|chronolog|\bin (?:date|time) order\b", re.I)
_ORDER = re.compile(
    r"(?:哪|谁)[^，,。：:？?!！]{0,14}?(?:先|早|晚|后发生)|最(?:早|晚|先|后)[^，,。：:？?!！]{0,8}?(?:哪|谁)"
)
_BEFORE = (
    re.compile(
        r"^(?P<a>.+?)(?:是否|是)?(?:在|发生在)(?P<b>.+?)(?:之|以)(?P<dir>前|后)(?:发生)?的?"
        r"(?:吗|么|嘛)[?？]*$"
    ),
    re.compile(
        r"^(?P<a>.+?)(?:是否|是)?(?:发生)?得?比(?P<b>.+?)(?:发生)?得?(?:更)?(?P<dir>早|晚)"
        r"(?:发生)?的?(?:吗|么|嘛)[?？]*$"
    ),
    re.compile(
        r"^(?P<a>.+?)(?:是否|是)?(?:发生)?得?(?P<dir>早于|晚于|先于|后于)(?P<b>.+?)(?:发生)?的?"
        r"(?:吗|么|嘛)?[?？]*$"
    ),
)
_SAME = re.compile(
    r"(?:是不是|是否|是)?都?(?:发生)?(?:在)?同一(?:个)?(?P<unit>年份?|月份?|天|日|周|星期|个星期)"
)
_SAME_UNITS: dict[str, Unit] = {
    "年": "year",
    "年份": "year",
    "月": "month",
    "月份": "month",
    "天": "day",
    "日": "day",
    "周": "week",
    "星期": "week",
}
_ASKS = re.compile(r"吗|么|嘛|是否|是不是|[?？]")
_GROUP_TAIL = re.compile(
    r"[，,\s]*(?:(?:这|以上|上述|下列|以下)(?:些|[两三四五六几2-6]?[个件项起条者]?)(?:事件|事情|事|活动)?"
    r"|[两三四五六几2-6][个件项起条](?:事件|事情|事|活动)?|事件|事情)(?:之?中|里)?[，,\s]*$"
)
_LEAD = re.compile(
    r"\s*(?:(?:以下|下列)[两三四五六七八九十几\d]*[个件项起条]?(?:事件|事情)?中?|(?:事件|事情)中)?"
    r"[，,：:]?\s*(?:关于|相比|比较|请问)?\s*"
)
_JOINER_LEAD = re.compile(r"\s*(?:以及|还是|和|及|与)")
_EVENT_TAIL = re.compile(
    r"(?:相比较?)?(?:的)?(?:发生)?(?:时间|日期|时候)?(?:是否|是|都|发生)?[\s，,。.、；;]*$"
)
_EDGE_MARKS = " \t，,、：:；;？?。.！!"
_DATE_ONLY = re.compile(r"在?(?:19|20)\d{2}年(?:\d{1,2}月(?:\d{1,2}日)?)?(?:中|里|内|间)?")
_OPENERS, _CLOSERS = "“‘「『《（(", "”’」』》）)"
_QUOTES = "‘’“”「」『』\"'《》"
_STRONG = ("还是", "以及")
_JOINERS = re.compile(r"还是|以及|和|与|跟(?![进踪随])")
_NOT_JOIN_BEFORE = frozenset("共温缓饱总暖柔谦调祥附参赠给授")
_NOT_JOIN_AFTER = frozenset("平谐解睦善蔼煦会")
_RECIPROCAL = re.compile(
    r"[^，,、和与]{1,10}?(?:合作|会谈|会见|会晤|签署|签约|建交|交流|通话|结婚|谈判|联合|共同)"
)
_GENERIC = re.compile(r"(?:发生|出现|进行|举行|一些|一点|些|点|的|了|呢)*")
"""Words after 哪个先 that say no more than "happened" (or "a bit": 早一些): no predicate
to give each name."""
_EN_ORDER = re.compile(
    r"^\s*(?:which\b|what\s+(?:happened|came|occurred|took\s+place)\b).*?"
    r"\b(?P<dir>first|earlier|earliest|sooner|later|latest|last)\b[\s,:;]*"
    r"(?P<events>.+?)[?.\s]*$",
    re.I,
)
_EN_BEFORE = re.compile(
    r"^\s*(?:did|was|were|is)\s+(?P<a>.+?)\s+(?:happen\s+|take place\s+|come\s+|occur\s+)?"
    r"(?P<dir>before|after|earlier than|later than)\s+(?P<b>.+?)[?.\s]*$",
    re.I,
)
_EN_SAME = re.compile(
    r"^\s*(?:did|were|was|are|do)\s+(?P<events>.+?)\s+(?:happen|take place|occur|fall)?\s*"
    r"(?:in|on|during|within)\s+the\s+same\s+(?P<unit>year|month|day|week)\b[?.\s]*$",
    re.I,
)
_EN_SPLIT = re.compile(r"\s*(?:,\s*(?:or|and)\s+|,\s*|\s+or\s+|\s+and\s+)\s*", re.I)


def temporal_ask(question: str) -> TemporalAsk | None:
    """The time-order question ``question`` asks, or None for any other question.

    An order or same question whose events cannot be told apart (fewer than two) is None.
    """
    simple = to_simplified(question)
    if re.search(r"[\u4e00-\u9fff]", simple) is None:
        return _english(question)
    for reader in (_same, _order, _timeline):
        found = reader(question, simple)
        if found is not None:
            return found
    return None


def split_events(question: str, simple: str, start: int, end: int) -> tuple[str, ...]:
    """The event phrases listed in ``question[start:end]`` (A、B和C; A和B; 相比A，B).

    Lists split at 、，； (never inside quotes or 《》) first; the last item (or a lone one)
    is split once more at its strongest joiner (还是, 以及, 和, 与) unless a joiner opens it
    (「A，以及B」), choosing, among several, one that leaves a phrase of at least
    ``MIN_EVENT_CHARS`` on each side, is not inside a word (共和国, 参与) or a reciprocal
    phrase (「X与Y合作」), and splits most evenly. Items that are only a date (「2019年，A和B」)
    are context, not events.
    """
    items = _pieces(simple, start, end, "、，,；;")
    if items:
        lead = _JOINER_LEAD.match(simple, *items[-1])
        if lead is not None:
            items[-1] = (lead.end(), items[-1][1])
        elif len(items) <= MAX_EVENTS:
            items[-1:] = _split_once(simple, *items[-1], listed=len(items) > 1)
    events = (_clean(question, simple, a, b) for a, b in items)
    return tuple(e for e in events if _is_event(e))[:MAX_EVENTS]


def _is_event(phrase: str) -> bool:
    rest = _DATE_ONLY.sub("", to_simplified(phrase))
    return len(phrase) >= MIN_EVENT_CHARS and len(rest) >= 2


def _same(question: str, simple: str) -> TemporalAsk | None:
    match = _SAME.search(simple)
    if match is None or (_ASKS.search(simple, match.end()) is None and "是否" not in simple):
        return None
    events = split_events(question, simple, 0, match.start())
    unit = _SAME_UNITS.get(match["unit"].removeprefix("个"))
    if len(events) < 2 or unit is None:
        return None
    return TemporalAsk("same", events, unit=unit)


def _order(question: str, simple: str) -> TemporalAsk | None:
    match = _ORDER.search(simple)
    if match is None:
        return _before(question, simple)
    direction: Direction = "last" if re.search(r"晚|后", match[0]) else "first"
    after = re.compile(r"[：:？?]").search(simple, match.end())
    events = split_events(question, simple, 0, match.start())
    listed = split_events(question, simple, after.end(), len(simple)) if after else ()
    if after is not None and (after[0] in "：:" or (len(events) < 2 and listed)):
        events = listed
    else:
        events = _with_predicate(question, simple, match.start(), match.end()) or events
    return TemporalAsk("order", events, direction=direction) if len(events) >= 2 else None


def _with_predicate(question: str, simple: str, ask: int, said: int) -> tuple[str, ...]:
    """「华为和小米哪个先发布折叠屏手机」: the names listed before the asking words, each with
    the predicate said after them (华为发布折叠屏手机, 小米发布折叠屏手机)."""
    stop = re.compile(r"[，,。：:？?!！]").search(simple, said)
    predicate = _clean(question, simple, said, stop.start() if stop else len(simple))
    start, end = _trim(simple, 0, ask)
    names = [question[a:b].strip() for a, b in _name_spans(simple, start, end)]
    if _GENERIC.fullmatch(to_simplified(predicate)) or len(names) < 2:
        return ()
    if len(predicate) < 2 or any(len(n) < 2 for n in names):
        return ()
    return tuple(name + predicate for name in names)[:MAX_EVENTS]


def _name_spans(simple: str, start: int, end: int) -> list[tuple[int, int]]:
    """``simple[start:end]`` cut at list marks and joiners (A、B和C), outside quotes."""
    spans = []
    for a, b in _pieces(simple, start, end, "、，,；;"):
        cursor = a
        for joiner in _JOINERS.finditer(simple, a, b):
            spans.append((cursor, joiner.start()))
            cursor = joiner.end()
        spans.append((cursor, b))
    return [span for span in (_trim(simple, a, b) for a, b in spans) if span[1] > span[0]]


def _before(question: str, simple: str) -> TemporalAsk | None:
    """「A在B之前吗」, 「A比B早吗」, 「A是否早于B」: is A first (or, with 之后/晚于, last)?"""
    for pattern in _BEFORE:
        match = pattern.match(simple)
        if match is None:
            continue
        first = _clean(question, simple, match.start("a"), match.end("a"))
        second = _clean(question, simple, match.start("b"), match.end("b"))
        if len(first) >= MIN_EVENT_CHARS and len(second) >= MIN_EVENT_CHARS:
            direction: Direction = (
                "last" if match["dir"] in ("后", "晚", "晚于", "后于") else "first"
            )
            return TemporalAsk("order", (first, second), direction=direction, yes_no=True)
    return None


def _timeline(question: str, simple: str) -> TemporalAsk | None:
    match = _TIMELINE.search(simple)
    if match is None:
        return None
    subject = (question[: match.start()] + " " + question[match.end() :]).strip()
    subject = re.sub(
        r"^(?:请|请你)?(?:列出|给出|梳理|整理|按)?|(?:的|之)?[\s，,。？?！!：:]*$", "", subject
    )
    return TemporalAsk("timeline", subject=subject.strip() or question.strip())


def _english(question: str) -> TemporalAsk | None:
    same = _EN_SAME.match(question)
    if same is not None:
        events = _english_events(same["events"])
        unit: Unit = same["unit"].lower()  # type: ignore[assignment]
        return TemporalAsk("same", events, unit=unit, english=True) if len(events) >= 2 else None
    before = _EN_BEFORE.match(question)
    if before is not None:
        direction: Direction = (
            "first" if before["dir"].lower().startswith(("before", "earlier")) else "last"
        )
        pair = (before["a"].strip(), before["b"].strip())
        return TemporalAsk("order", pair, direction=direction, yes_no=True, english=True)
    order = _EN_ORDER.match(question)
    if order is not None:
        events = _english_events(order["events"])
        late = order["dir"].lower() in ("later", "latest", "last")
        if len(events) >= 2:
            return TemporalAsk("order", events, direction="last" if late else "first", english=True)
    if _TIMELINE_EN.search(question):
        about = re.search(r"(?i)time\s?line\s+(?:of|for|on)\s+(.+)", question)
        subject = about[1] if about else _TIMELINE_EN.sub(" ", question)
        return TemporalAsk("timeline", subject=subject.strip(" ?.") or question, english=True)
    return None


def _english_events(text: str) -> tuple[str, ...]:
    pieces = [p.strip(" ?.\"'") for p in _EN_SPLIT.split(text.strip())]
    return tuple(p for p in pieces if len(p) >= MIN_EVENT_CHARS)


def _pieces(simple: str, start: int, end: int, marks: str) -> list[tuple[int, int]]:
    """``simple[start:end]`` cut at any of ``marks`` outside quotes and brackets, into
    trimmed, non-empty spans."""
    start, end = _trim(simple, start, end)
    spans: list[tuple[int, int]] = []
    cursor, depth = start, 0
    for at in range(start, end + 1):
        ch = simple[at] if at < end else ""
        depth += (ch in _OPENERS) - (ch in _CLOSERS and depth > 0)
        if at == end or (ch in marks and depth == 0):
            piece = _trim(simple, cursor, at)
            if piece[1] > piece[0]:
                spans.append(piece)
            cursor = at + 1
    return spans


def _trim(simple: str, start: int, end: int) -> tuple[int, int]:
    """Without list words around the events (以下事件中, 关于, 相比, 这两个事件, 在…中) and
    the marks at either end; repeated until nothing changes."""
    while True:
        before = (start, end)
        while start < end and simple[start] in _EDGE_MARKS:
            start += 1
        while end > start and simple[end - 1] in _EDGE_MARKS:
            end -= 1
        lead = _LEAD.match(simple, start, end)
        start = lead.end() if lead is not None and lead.end() < end else start
        tail = _GROUP_TAIL.search(simple, start, end)
        end = tail.start() if tail is not None and tail.start() > start else end
        if simple.startswith("在", start) and simple[end - 1 : end] == "中" and end - start > 2:
            start, end = start + 1, end - 1
        if (start, end) == before:
            return start, end


def _split_once(
    simple: str, start: int, end: int, *, listed: bool = False
) -> list[tuple[int, int]]:
    """Two spans at the best joiner (see ``split_events``); the last item of a list (A、B和C)
    only at 和, 以及 or 还是."""
    found = [m for m in _JOINERS.finditer(simple, start, end) if not listed or _strength(m[0]) < 2]
    joiners = [m for m in found if _joins(simple, m, start, end, strict=True)]
    joiners = joiners or [m for m in found if _joins(simple, m, start, end, strict=False)]
    if not joiners:
        return [(start, end)]
    strongest = min(_strength(m[0]) for m in joiners)
    ranked = [m for m in joiners if _strength(m[0]) == strongest]
    free = [
        m
        for m in ranked
        if not _RECIPROCAL.match(simple, m.end(), _next_joiner(simple, m.end(), end))
    ]
    best = min(free or ranked, key=lambda m: abs((m.start() - start) - (end - m.end())))
    return [(start, best.start()), (best.end(), end)]


def _strength(joiner: str) -> int:
    return 0 if joiner in _STRONG else 1 if joiner == "和" else 2


def _joins(simple: str, match: re.Match[str], start: int, end: int, *, strict: bool) -> bool:
    """A joiner that can separate two events, leaving a phrase of ``MIN_EVENT_CHARS`` on
    each side; ``strict``: also not where it may be inside a word (共和国, 和平, 参与)."""
    before = simple[match.start() - 1] if match.start() > start else ""
    after = simple[match.end()] if match.end() < end else ""
    inside = before in _NOT_JOIN_BEFORE or after in _NOT_JOIN_AFTER
    if strict and len(match[0]) == 1 and inside:
        return False
    return match.start() - start >= MIN_EVENT_CHARS and end - match.end() >= MIN_EVENT_CHARS


def _next_joiner(simple: str, at: int, end: int) -> int:
    found = _JOINERS.search(simple, at, end)
    return found.start() if found else end


def _clean(question: str, simple: str, start: int, end: int) -> str:
    """The event phrase of ``question[start:end]`` without asking words, quotes or marks."""
    start, end = _trim(simple, start, end)
    tail = _EVENT_TAIL.search(simple, start, end)
    if tail is not None and tail.start() > start:
        end = tail.start()
    while start < end and simple[start] in _QUOTES and simple[end - 1] in _QUOTES:
        start, end = start + 1, end - 1
    return question[start:end].strip()
