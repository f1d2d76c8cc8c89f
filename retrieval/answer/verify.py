"""Answer verification: the last check between an answer and the reader.

A reader trusts an answer for its figures, and a figure the cited passage does not state (a
lost 亿, percentage points passed off as a percentage, a number from another article) is the
worst mistake WenBao can make. So every figure of every answer sentence is compared, with the
same parser chunking and retrieval use (``retrieval.text.figures``), with the figures of the
passages that sentence cites. Names are checked too, more loosely, because part-of-speech
tagging is noisy. Findings never rewrite the answer: they become flags for the UI. Only
markers pointing to no passage are removed, since a citation that cannot be opened misleads.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

from retrieval.answer.markers import (
    AnswerSentence,
    claim_text,
    rewrite_markers,
    shown_text,
    split_answer,
)
from retrieval.answer.names import unsupported_names
from retrieval.text.english import english_figures
from retrieval.text.figures import Figure, find_figures, normalize_for_match, same_figure
from retrieval.text.sentences import Span, split_sentences
from retrieval.types import Chunk, Flag

__all__ = ["AnswerSentence", "Verification", "flags_for_json", "split_answer", "verify"]

MIN_OVERLAP = 0.5
MIN_OVERLAP_CHARS = 4

_ASCII_LETTER_RE = re.compile(r"[A-Za-z]")
_DATE_PART_RE = re.compile(r"(\d+)([年月日])")
_LEAD_NUMBER_RE = re.compile(r"\d[\d,]*(?:\.\d+)?")


@dataclass(frozen=True)
class Verification:
    """An answer after checking: its text (dead markers removed), findings, and what it rests on.

    ``support[n]`` holds absolute offsets (original file coordinates) of the sentences of
    passage ``n`` that back the answer, for highlighting inside the citation.
    """

    text: str
    flags: tuple[Flag, ...]
    support: Mapping[int, tuple[tuple[int, int], ...]]


@dataclass(frozen=True)
class _Sentence:
    start: int
    end: int
    text: str
    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class _Passage:
    sentences: tuple[_Sentence, ...]
    norm: str


_Facts = Mapping[int, _Passage]
_Support = dict[int, set[Span]]


@dataclass(frozen=True)
class _Context:
    """One answer sentence being checked: how it is shown, what it cites, what was found."""

    shown: str
    cited: tuple[int, ...]
    facts: _Facts
    support: _Support


def verify(text: str, passages: Mapping[int, Chunk], *, check_names: bool = True) -> Verification:
    """Check every figure (and name) of ``text`` against the passages its sentences cite.

    ``passages`` maps marker numbers to the chunks shown to the answerer.
    """
    facts = {n: _passage(chunk) for n, chunk in passages.items()}
    support: _Support = {}
    flags: list[Flag] = []
    for sentence in split_answer(text):
        flags.extend(_check(sentence, facts, support, check_names=check_names))
    spans = {n: tuple(sorted(found)) for n, found in sorted(support.items()) if found}
    return Verification(rewrite_markers(text, facts), tuple(dict.fromkeys(flags)), spans)


def flags_for_json(flags: Iterable[Flag]) -> list[dict[str, str]]:
    """Flags as plain dictionaries for JSON output and the UI."""
    return [asdict(flag) for flag in flags]


def _passage(chunk: Chunk) -> _Passage:
    sentences = tuple(
        _sentence(chunk, a, b) for a, b in split_sentences(chunk.text, 0, len(chunk.text))
    )
    norm = normalize_for_match(f"{chunk.title}\n{chunk.section}\n{chunk.text}")
    return _Passage(sentences, norm)


def _sentence(chunk: Chunk, start: int, end: int) -> _Sentence:
    text = chunk.text[start:end]
    figures = tuple(find_figures(english_figures(text)[0]))
    return _Sentence(chunk.char_start + start, chunk.char_start + end, text, figures)


def _check(
    sentence: AnswerSentence, facts: _Facts, support: _Support, *, check_names: bool
) -> list[Flag]:
    shown = shown_text(sentence.text)
    context = _Context(shown, tuple(n for n in sentence.markers if n in facts), facts, support)
    flags = [_missing(shown, n, facts) for n in sentence.markers if n not in facts]
    claim, originals = english_figures(claim_text(sentence.text))
    figures = [f for f in find_figures(claim) if not _is_code(claim, f)]
    for figure in figures:
        if found := _check_figure(context, figure, originals.get(figure.raw, figure.raw)):
            flags.append(found)
    if check_names:
        flags.extend(_name_flags(context, claim))
    if context.cited and not figures:
        _add_overlap_support(context, claim)
    return flags


def _is_code(claim: str, figure: Figure) -> bool:
    """Digits of a name or code ("COVID-19", "5G", "PM2.5") are not quantities to check."""
    if figure.kind != "number" or figure.unit:
        return False
    before = claim[max(0, figure.start - 2) : figure.start].replace("-", "")
    return bool(_ASCII_LETTER_RE.search(before[-1:] + claim[figure.end : figure.end + 1]))


def _missing(shown: str, n: int, facts: _Facts) -> Flag:
    available = _refs(sorted(facts)) or "none"
    message = f"marker [{n}] points to no passage (passages: {available}); removed from the answer"
    return Flag("missing_passage", shown, f"[{n}]", message)


def _check_figure(context: _Context, figure: Figure, item: str) -> Flag | None:
    holders = {n: spans for n, p in context.facts.items() if (spans := _backing(figure, p))}
    backed = [n for n in context.cited if n in holders]
    for n in backed:
        context.support.setdefault(n, set()).update(holders[n])
    if backed:
        return None
    shown, cited = context.shown, context.cited
    if not cited:
        where = f"it is in passage {_refs(holders)}" if holders else "it is in no passage"
        return Flag("uncited_figure", shown, item, f"figure {item} has no citation ({where})")
    if holders:
        message = f"{item} is in passage {_refs(holders)}, not in {_refs(cited)}"
        return Flag("wrong_passage", shown, item, message)
    return Flag("unsupported_figure", shown, item, _unsupported(context, figure, item))


def _backing(figure: Figure, passage: _Passage) -> set[Span]:
    return {
        (s.start, s.end) for s in passage.sentences if any(_supports(figure, f) for f in s.figures)
    }


def _supports(claimed: Figure, stated: Figure) -> bool:
    """Same figure; a date the passage states in more detail; or a bare number (an English
    "317 projects", a year "in 2021") whose value the passage states with a unit."""
    if same_figure(claimed, stated):
        return True
    if claimed.kind == "date":
        return stated.kind == "date" and _date_within(claimed, stated)
    if claimed.kind != "number" or claimed.unit or claimed.value is None:
        return False
    return stated.value == claimed.value or _date_parts(stated).get("年") == str(claimed.value)


def _date_within(claimed: Figure, stated: Figure) -> bool:
    parts, detail = _date_parts(claimed), _date_parts(stated)
    return bool(parts) and all(detail.get(unit) == number for unit, number in parts.items())


def _date_parts(figure: Figure) -> dict[str, str]:
    if figure.kind != "date":
        return {}
    text = unicodedata.normalize("NFKC", figure.raw).replace("号", "日")
    return {unit: str(int(number)) for number, unit in _DATE_PART_RE.findall(text)}


def _unsupported(context: _Context, figure: Figure, item: str) -> str:
    cited = context.cited
    where = f"the cited passage{'s' if len(cited) > 1 else ''} {_refs(cited)}"
    stated = (f for n in cited for s in context.facts[n].sentences for f in s.figures)
    near = _near_misses(figure, item, stated)
    if near:
        return f"figure {item} is not in {where} (it says {', '.join(near)})"
    return f"figure {item} is not in {where} nor in any other passage"


def _near_misses(figure: Figure, item: str, stated: Iterable[Figure]) -> list[str]:
    """Figures with the same number or value but another scale or unit: what a fact-checker
    most needs to see ("3141.9万元" cited, "3141.9亿元" stated)."""
    if figure.kind == "date":
        return []
    number = _number_text(item)
    close = [f for f in stated if _close(figure, number, f)]
    close.sort(key=lambda f: (f.value != figure.value, f.kind != figure.kind))
    return list(dict.fromkeys(normalize_for_match(f.raw) for f in close))[:2]


def _close(figure: Figure, number: str, stated: Figure) -> bool:
    same_value = figure.value is not None and stated.value == figure.value
    return same_value or (bool(number) and _number_text(stated.raw) == number)


def _number_text(written: str) -> str:
    match = _LEAD_NUMBER_RE.search(unicodedata.normalize("NFKC", written))
    return match[0].replace(",", "") if match else ""


def _name_flags(context: _Context, claim: str) -> list[Flag]:
    """Names must be in a cited passage (in any passage when the sentence cites none)."""
    cited = context.cited
    pool = [context.facts[n].norm for n in (cited or context.facts)]
    where = f"the cited passage {_refs(cited)}" if cited else "any passage"
    return [
        Flag("unsupported_name", context.shown, name, f"name {name} is not in {where}")
        for name in unsupported_names(claim, pool)
    ]


def _refs(numbers: Iterable[int]) -> str:
    return "".join(f"[{n}]" for n in numbers)


def _add_overlap_support(context: _Context, claim: str) -> None:
    """A sentence without figures rests on the passage sentence sharing most of its characters."""
    wanted = _chars(claim)
    if sum(wanted.values()) < MIN_OVERLAP_CHARS:
        return
    for n in context.cited:
        sentences = context.facts[n].sentences
        best = max(sentences, key=lambda s: _overlap(wanted, s.text), default=None)
        if best is not None and _overlap(wanted, best.text) >= MIN_OVERLAP:
            context.support.setdefault(n, set()).add((best.start, best.end))


def _chars(text: str) -> Counter[str]:
    return Counter(c for c in normalize_for_match(text).lower() if c.isalnum())


def _overlap(wanted: Counter[str], text: str) -> float:
    return sum((wanted & _chars(text)).values()) / sum(wanted.values())
