"""HTML for the chat UI: answers with linked markers, cited passages and their context.

Pure functions, so the one thing a user checks an answer by (which passage, which sentence,
which figure) is unit-tested without a browser. Every piece of article or answer text is
HTML-escaped here; ``app.py`` renders the result with ``unsafe_allow_html`` and must never
concatenate raw text into it. Output is one line wrapped in a ``<div>``: Markdown treats such
a block as raw HTML, so ``*``, ``$`` or ``:red[...]`` in an article are never interpreted.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import PurePath

from retrieval.answer.citations import MARKER
from retrieval.text.figures import figure_key, figure_keys, find_figures
from retrieval.text.period_labels import period_notes
from retrieval.types import Answer, Citation, Flag, SearchFilter
from ui.messages import Labels

__all__ = [
    "AnswerStream",
    "FlaggedSentence",
    "Turn",
    "anchor_id",
    "answer_figures",
    "answer_html",
    "byline_text",
    "confidence_text",
    "context_window",
    "date_filter",
    "flag_sentences",
    "flag_text",
    "heading_paints",
    "history",
    "md_escape",
    "mode_text",
    "notice_detail",
    "notice_text",
    "passage_html",
    "period_notes_html",
    "plain_html",
    "source_html",
    "source_path",
]

Span = tuple[int, int]
_Paint = tuple[int, int, str]

_NOISE = re.compile(r"\[\d+\]|[\s*_`#>]")
_CONTEXT_EDGE = "…"
_MD_SPECIAL = re.compile(r"([\\`*_~$<>\[\]|])")
_HEADING = re.compile(r"^(#{1,6}[ \t]+)(\S[^\n]*?)(?:[ \t]+#+)?[ \t]*$", re.MULTILINE)


def confidence_text(answer: Answer, labels: Labels) -> str | None:
    """The answerability reading in words ("可信度：需核实（0.62）"), when there is one."""
    if answer.reliability is None or answer.confidence is None:
        return None
    word = labels.reliability.get(answer.reliability, answer.reliability)
    return labels.confidence.format(word, answer.confidence)


def mode_text(answer: Answer, labels: Labels) -> str:
    """How the answer was made; a refusal is labelled as one, not as a quote."""
    return labels.refused if answer.refused else labels.modes.get(answer.mode, answer.mode)


@dataclass(frozen=True)
class Turn:
    """One question of a conversation and what came of it (an answer, or an error shown in
    the UI's words with the English ``error_detail`` for support)."""

    msg_id: str
    question: str
    asked_at: str
    answer: Answer | None = None
    error: str | None = None
    error_detail: str = ""


@dataclass(frozen=True)
class FlaggedSentence:
    """An answer sentence with every verification finding about it."""

    sentence: str
    flags: tuple[Flag, ...]


class AnswerStream:
    """Splits ``Answerer.stream`` into the text pieces to show and the final ``Answer``.

    ``st.write_stream`` wants strings only; the verified answer arrives last and replaces
    the raw streamed text once it is there.
    """

    def __init__(self, items: Iterable[str | Answer]) -> None:
        self._items = items
        self.answer: Answer | None = None

    def pieces(self) -> Iterator[str]:
        for item in self._items:
            if isinstance(item, Answer):
                self.answer = item
            else:
                yield item


def plain_html(text: str, css_class: str = "wb-question") -> str:
    """``text`` escaped and wrapped, so a user's own words are shown, never interpreted."""
    return f'<div class="{css_class}">{_escape(text)}</div>'


def answer_html(answer: Answer, msg_id: str) -> str:
    """The answer text with ``[n]`` as superscript links to its sources and figures bold.

    Sentences with verification findings are underlined (the findings are shown below).
    """
    text = answer.text
    markers = [(m.start(), m.end()) for m in MARKER.finditer(text)]
    paints = [(a, b, f"marker#{a}") for a, b in markers]
    paints += [
        (a, b, "bold")
        for a, b in _occurrences(text, answer_figures(answer))
        if not any(a < end and start < b for start, end in markers)
    ]
    for i, flagged in enumerate(flag_sentences(answer)):
        paints += [(a, b, f"flag#{i}") for a, b in [_locate(text, flagged.sentence)] if a < b]
    return f'<div class="wb-answer">{_painted(text, paints, msg_id)}</div>'


def source_html(
    citation: Citation,
    figures: Sequence[str],
    msg_id: str,
    labels: Labels,
    byline: str = "",
) -> str:
    """One entry of the sources panel: the link target, where the passage is, the passage,
    and what its relative time means (``period_notes_html``).

    ``byline`` (the article's reporters) is shown beside the file when the article has one.
    """
    meta = [
        f"<code>{_escape(PurePath(citation.source).name)}</code>",
        _escape(citation.date or labels.date_unknown),
        f"{labels.chars} {citation.char_start}–{citation.char_end}",
    ]
    if byline.strip():
        meta.insert(1, _escape(byline_text(byline, labels)))
    if citation.section:
        meta.insert(0, _escape(citation.section))
    return (
        f'<div class="wb-src" id="{anchor_id(msg_id, citation.n)}">'
        f'<div class="wb-src-head"><span class="wb-n">[{citation.n}]</span>'
        f"{_escape(citation.title)}</div>"
        f'<div class="wb-meta">{" · ".join(meta)}</div>'
        f"{passage_html(citation, figures)}{period_notes_html(citation, labels)}</div>"
    )


def period_notes_html(citation: Citation, labels: Labels) -> str:
    """What the quote's relative time means (今年 = 2022年), one small note per period, shown
    under the quote and never inside it; empty when the quote has none."""
    notes = period_notes(citation.periods, iso=labels.period_iso)
    title = _escape(labels.period_help)
    spans = [f'<span class="period-note" title="{title}">{_escape(n)}</span>' for n in notes]
    return f'<div class="wb-meta wb-periods">{" · ".join(spans)}</div>' if spans else ""


def byline_text(byline: str, labels: Labels) -> str:
    """The byline as shown: as written when it already says 记者, else labelled."""
    byline = " ".join(byline.split())
    return byline if "记者" in byline else labels.byline.format(byline)


def source_path(source: str, roots: Sequence[PurePath] = ()) -> str:
    """``source`` relative to the first of ``roots`` that holds it, else its file name alone.

    For what leaves the server (exports, tooltips): never the server's absolute path.
    """
    path = PurePath(source)
    for root in roots:
        if path.is_relative_to(root):
            return path.relative_to(root).as_posix()
    return path.name


def anchor_id(msg_id: str, n: int) -> str:
    """The element id a marker ``[n]`` of message ``msg_id`` links to."""
    return f"src-{re.sub(r'[^A-Za-z0-9_-]', '', msg_id)}-{n}"


def passage_html(citation: Citation, figures: Sequence[str] = ()) -> str:
    """The cited passage with its quoted sentences and figures marked.

    Highlights are absolute offsets in the original text; the passage starts at
    ``citation.char_start``, so they are shifted and clipped to the passage.
    """
    paints = _citation_paints(citation.quote, citation, citation.char_start, figures)
    paints += heading_paints(citation.quote)
    return f'<div class="wb-quote">{_painted(citation.quote, paints)}</div>'


def context_window(
    article_text: str, citation: Citation, width: int = 400, figures: Sequence[str] = ()
) -> str:
    """About ``width`` characters of the article on each side of the passage, passage marked.

    The whole article when it is short. If the article no longer holds the quote at its
    offsets (the file changed since ingest), the quote is looked up by text; failing that,
    the passage alone is shown.
    """
    start = _passage_start(article_text, citation)
    if start is None:
        return passage_html(citation, figures).replace("wb-quote", "wb-context", 1)
    end = start + len(citation.quote)
    low, high = max(0, start - width), min(len(article_text), end + width)
    if len(article_text) <= len(citation.quote) + 2 * width:
        low, high = 0, len(article_text)
    low, high = _snap(article_text, (low, high), (start, end), width // 2)
    window = article_text[low:high]
    paints = [(start - low, end - low, "passage")]
    paints += _citation_paints(window, citation, low + (start - citation.char_start), figures)
    paints += heading_paints(window, at_line_start=low == 0 or article_text[low - 1] == "\n")
    lead = _CONTEXT_EDGE if article_text[:low].strip() else ""
    tail = _CONTEXT_EDGE if article_text[high:].strip() else ""
    return f'<div class="wb-context">{lead}{_painted(window, paints)}{tail}</div>'


def heading_paints(text: str, *, at_line_start: bool = True) -> list[_Paint]:
    """Markdown headings (``# 标题 #``) of ``text``: the ``#`` markers hidden, the title bold.

    Paints never move text, so offsets and highlights stay those of the original. The first
    line counts as a line start only when ``at_line_start`` (a window may begin mid-line).
    """
    paints: list[_Paint] = []
    for found in _HEADING.finditer(text):
        if found.start() == 0 and not at_line_start:
            continue
        paints.append((found.start(), found.start(2), "hide"))
        paints.append((found.start(2), found.end(2), "heading"))
        paints.append((found.end(2), found.end(), "hide"))
    return paints


def _snap(text: str, window: Span, passage: Span, reach: int) -> Span:
    """``window`` moved in to whole lines (when a line break is within ``reach``), trimmed."""
    (low, high), (start, end) = window, passage
    if low > 0 and 0 <= (cut := text.find("\n", low, start)) - low <= reach:
        low = cut + 1
    cut = text.rfind("\n", end, high)
    if high < len(text) and cut >= 0 and high - cut <= reach:
        high = cut
    while low < start and text[low].isspace():
        low += 1
    while high > end and text[high - 1].isspace():
        high -= 1
    return low, high


def flag_sentences(answer: Answer) -> list[FlaggedSentence]:
    """Verification findings grouped by the sentence they concern, in answer order."""
    grouped: dict[str, list[Flag]] = {}
    for flag in answer.flags:
        grouped.setdefault(flag.sentence, []).append(flag)
    found = [FlaggedSentence(s, tuple(flags)) for s, flags in grouped.items()]
    return sorted(found, key=lambda f: _locate(answer.text, f.sentence)[0])


def flag_text(flagged: FlaggedSentence, labels: Labels) -> str:
    """The warning shown under an answer for one flagged sentence (plain text, no HTML).

    Each finding is its kind in the labels' language and the item it concerns (a figure, a
    name, a marker); the English ``Flag.message`` is left to the CLI.
    """
    reasons = "; ".join(
        f"{labels.flag_kinds.get(f.kind, f.kind)} ({f.item})" for f in flagged.flags
    )
    return md_escape(f"{labels.check}: 「{flagged.sentence}」 {reasons}")


def notice_text(answer: Answer, labels: Labels) -> str:
    """The LLM fallback notice in the labels' language; empty when there is none."""
    return md_escape(labels.notice) if answer.notice else ""


def notice_detail(answer: Answer, labels: Labels) -> str:
    """The server's own (English) error line behind the notice, Markdown-safe, for support."""
    return md_escape(labels.notice_detail.format(answer.notice)) if answer.notice else ""


def md_escape(text: str) -> str:
    """``text`` for a Markdown body: no emphasis, LaTeX (``$``), HTML or links by accident."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def date_filter(start: date | None, end: date | None) -> SearchFilter | None:
    """The search filter for an optional publish-date range (swapped if given backwards)."""
    if start is None and end is None:
        return None
    if start is not None and end is not None and start > end:
        start, end = end, start
    return SearchFilter(
        date_from=start.isoformat() if start else None,
        date_to=end.isoformat() if end else None,
    )


def history(turns: Sequence[Turn]) -> list[str]:
    """The earlier questions that were answered, oldest first, for follow-up questions."""
    return [t.question for t in turns if t.answer is not None]


def _citation_paints(
    text: str, citation: Citation, offset: int, figures: Sequence[str]
) -> list[_Paint]:
    """Quoted sentences and the answer's figures in ``citation``, relative to ``text``.

    A figure is marked wherever it occurs as written, and inside a quoted sentence also when
    written another way ("4.29亿元" marks "42900万元"). Other figures stay unmarked: a
    sentence full of marked numbers hides the one the answer rests on.
    """
    keys = set().union(*(figure_keys(f) for f in figures))
    paints: list[_Paint] = []
    for a, b in citation.highlights:
        lo, hi = max(a - offset, 0), min(b - offset, len(text))
        if lo < hi:
            paints.append((lo, hi, f"hl#{a}"))
            found = find_figures(text[lo:hi])
            paints += [(lo + f.start, lo + f.end, "fig") for f in found if figure_key(f) in keys]
    paints += [(a, b, "fig") for a, b in _occurrences(text, figures)]
    return paints


def answer_figures(answer: Answer) -> tuple[str, ...]:
    """The figures an answer states (key figures first), to be marked in its sources.

    Dates and bare numbers are left out: they would mark half of every news sentence.
    """
    found = find_figures(MARKER.sub("", answer.text))
    stated = [f.raw for f in found if f.kind not in {"date", "number"}]
    return tuple(dict.fromkeys([*answer.key_figures, *stated]))


def _passage_start(article_text: str, citation: Citation) -> int | None:
    start, end = citation.char_start, citation.char_end
    if article_text[start:end] == citation.quote:
        return start
    found = article_text.find(citation.quote) if citation.quote else -1
    return found if found >= 0 else None


def _occurrences(text: str, needles: Iterable[str]) -> list[Span]:
    return [
        (m.start(), m.end())
        for needle in needles
        if needle
        for m in re.finditer(re.escape(needle), text)
    ]


def _locate(text: str, sentence: str) -> Span:
    """Where ``sentence`` (as verification shows it: markers and markup removed) is in ``text``.

    Returns ``(len(text), len(text))`` when it cannot be found.
    """
    noise = {i for m in _NOISE.finditer(text) for i in range(m.start(), m.end())}
    kept = [(i, ch) for i, ch in enumerate(text) if i not in noise]
    flat = "".join(ch for _, ch in kept)
    target = _NOISE.sub("", sentence)
    at = flat.find(target) if target else -1
    if at < 0:
        return len(text), len(text)
    return kept[at][0], kept[at + len(target) - 1][0] + 1


def _segments(length: int, paints: Sequence[_Paint]) -> list[tuple[int, int, frozenset[str]]]:
    """``[0, length)`` cut where any paint starts or ends, each piece with its paint kinds."""
    cuts = sorted({0, length} | {min(max(p, 0), length) for a, b, _ in paints for p in (a, b)})
    pieces: list[tuple[int, int, frozenset[str]]] = []
    for a, b in itertools.pairwise(cuts):
        kinds = frozenset(kind for lo, hi, kind in paints if lo <= a and b <= hi)
        if pieces and pieces[-1][2] == kinds:
            pieces[-1] = (pieces[-1][0], b, kinds)
        else:
            pieces.append((a, b, kinds))
    return pieces


_TAGS = {  # outermost first; a paint kind may carry "#n" to keep neighbours apart
    "flag": ('<span class="wb-flag">', "</span>"),
    "passage": ('<mark class="wb-passage">', "</mark>"),
    "heading": ('<strong class="wb-h">', "</strong>"),
    "hl": ('<mark class="wb-hl">', "</mark>"),
    "fig": ('<mark class="wb-fig">', "</mark>"),
    "bold": ('<strong class="wb-fig">', "</strong>"),
    "marker": ("", ""),
    "hide": ("", ""),  # characters not shown at all (a heading's ``#`` marker)
}
_ORDER = {base: rank for rank, base in enumerate(_TAGS)}


def _painted(text: str, paints: Sequence[_Paint], msg_id: str = "") -> str:
    """Escaped ``text`` with properly nested tags for its paints; markers become links."""
    out: list[str] = []
    opened: list[str] = []
    for a, b, kinds in _segments(len(text), paints):
        if any(_base(kind) == "hide" for kind in kinds):
            continue
        wanted = sorted(kinds, key=lambda kind: (_ORDER[_base(kind)], kind))
        keep = 0
        while keep < min(len(opened), len(wanted)) and opened[keep] == wanted[keep]:
            keep += 1
        out += [_TAGS[_base(kind)][1] for kind in reversed(opened[keep:])]
        out += [_TAGS[_base(kind)][0] for kind in wanted[keep:]]
        opened = wanted
        is_marker = any(_base(kind) == "marker" for kind in kinds)
        out.append(_marker_link(text[a:b], msg_id) if is_marker else _escape(text[a:b]))
    out += [_TAGS[_base(kind)][1] for kind in reversed(opened)]
    return "".join(out)


def _base(kind: str) -> str:
    return kind.partition("#")[0]


def _marker_link(marker: str, msg_id: str) -> str:
    n = int(marker.strip("[]"))
    return f'<sup><a href="#{anchor_id(msg_id, n)}">[{n}]</a></sup>'


def _escape(text: str) -> str:
    """HTML-escaped, on one line, with nothing Markdown or Streamlit would still interpret."""
    escaped = html.escape(text, quote=True).replace("$", "&#36;").replace("\\", "&#92;")
    return escaped.replace("\r\n", "\n").replace("\n", "<br>")
