"""Quotations: where one is in a text, exactly or nearly, and who is quoted.

A fact-checker asks whether a quotation really is in the articles, in those words, and who
said it. Drafts change punctuation, spaces, full/half-width forms or the script (繁/简), so
after an exact search the quote and the text are compared folded (NFKC, Simplified, lower
case, no whitespace or punctuation; a decimal point between digits is kept, so 12.9 never
equals 129), and a match is mapped back to offsets of the ORIGINAL text. When nothing
matches, the closest span (rapidfuzz) and a character diff say what differs. Pure functions.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from retrieval.text.hanzi import to_simplified
from retrieval.types import DiffPiece

__all__ = [
    "QUOTE_MIN_CHARS",
    "Quotation",
    "QuoteSpan",
    "find_quotations",
    "find_quote",
    "quote_diff",
    "same_speaker",
    "speaker_of",
]

QUOTE_MIN_CHARS = 6
"""Quoted words shorter than this with no speaker are a term in quotes (“双链”), not a quote."""
SPEAKER_WINDOW = 60
SAME_SPEAKER_SHARE = 0.75

_OPEN, _CLOSE = '“「『"‘', '”」』"’'
_QUOTE_RE = re.compile(
    r"“(?P<a>[^“”\n]{1,400})”|「(?P<b>[^「」\n]{1,400})」|『(?P<c>[^『』\n]{1,400})』"
    r"|\"(?P<d>[^\"\n]{1,400})\""
)
_SPEECH = (
    "表示|说道|说|称|指出|介绍|强调|认为|透露|坦言|提到|谈到|宣布|回应|解释|补充|直言|"
    "告诉记者|感慨|笑言|写道"
)
_WHO = r"[^，,。；;！？!?“”「」『』\"\n:：]{1,30}?"
_AFTER_RE = re.compile(rf"^[\s{_CLOSE}。！？!?…,，]*(?P<who>{_WHO})(?:{_SPEECH})")
_BEFORE_RE = re.compile(rf"(?P<who>{_WHO})(?:{_SPEECH})[\s:：，,]*[{_OPEN}]?\s*$")
_EN_NAME = r"(?P<who>[A-Z][\w.\-']*(?: [A-Z][\w.\-']*){0,4})"
_EN_VERB = r"(?:said|says|added|noted|told [\w ]{1,20}|stated|explained)"
_EN_AFTER_RES = (
    re.compile(rf"^[\s\"”’,.]*{_EN_VERB}\s+{_EN_NAME}"),
    re.compile(rf"^[\s\"”’,.]*{_EN_NAME}\s+{_EN_VERB}"),
)
_EN_BEFORE_RE = re.compile(rf"{_EN_NAME}\s+{_EN_VERB}[\s,:]*[\"“]?\s*$")
_TRAILING = re.compile(
    r"(?:在[^，,]{0,20}时|接受[^，,]{0,10}采访时|对记者|向记者|也|还|则|曾|就此|对此)$"
)
_PRONOUNS = frozenset("他 她 他们 她们 其 对方 该人 he she they it".split())
_GENERIC = re.compile(r"有关|相关|负责人|同志|先生|女士|\s")
_KEEP = frozenset("%‰$¥€£+")
_OPS: dict[str, Literal["equal", "replace", "delete", "insert"]] = {
    "equal": "equal",
    "replace": "replace",
    "delete": "delete",
    "insert": "insert",
}


@dataclass(frozen=True)
class Quotation:
    """Quoted words of a text (inside the marks; ``text[start:end]``) and who says them."""

    text: str
    start: int
    end: int
    speaker: str | None


@dataclass(frozen=True)
class QuoteSpan:
    """Where a quote is in a text: ``exact``, ``near`` (equal once folded) or ``closest``.

    ``start``/``end`` are offsets into the original text; ``diff`` compares the quote with
    that span character by character (empty for an exact match).
    """

    found: Literal["exact", "near", "closest"]
    start: int
    end: int
    similarity: float
    diff: tuple[DiffPiece, ...] = ()


def find_quotations(text: str, min_chars: int = QUOTE_MIN_CHARS) -> list[Quotation]:
    """Text in “”, 「」, 『』 or "" with its speaker; short quoted terms without a speaker
    (“双链”) are left out."""
    found = []
    for match in _QUOTE_RE.finditer(text):
        group = next(name for name in "abcd" if match[name] is not None)
        words = match[group]
        speaker = speaker_of(text, match.start(), match.end())
        if speaker is not None or len(_folded(words)[0]) >= min_chars:
            found.append(Quotation(words, match.start(group), match.end(group), speaker))
    return found


def speaker_of(text: str, start: int, end: int) -> str | None:
    """Who says ``text[start:end]``: 「X说」 right after it, or 「X表示：」 right before."""
    after, before = text[end : end + SPEAKER_WINDOW], text[max(0, start - SPEAKER_WINDOW) : start]
    for pattern, window in ((_AFTER_RE, after), (_BEFORE_RE, before)):
        if found := pattern.search(window):
            return _clean_speaker(found["who"])
    for pattern in _EN_AFTER_RES:
        if found := pattern.search(after):
            return found["who"].strip()
    found = _EN_BEFORE_RE.search(before)
    return found["who"].strip() if found else None


def _clean_speaker(who: str) -> str | None:
    who = who.strip()
    while (trimmed := _TRAILING.sub("", who).strip()) != who:
        who = trimmed
    return who if who and who.lower() not in _PRONOUNS else None


def same_speaker(a: str | None, b: str | None) -> bool | None:
    """Whether two speakers are the same person or body; None when one is unknown.

    Same when one contains the other or most characters of the shorter are in the longer,
    after dropping generic words (有关, 负责人), so 「科学城招商公司负责人」 is
    「西部(重庆)科学城招商公司有关负责人」 and 「国核铀业负责人」 is not.
    """
    if not a or not b:
        return None
    x, y = (_folded(_GENERIC.sub("", s))[0] or _folded(s)[0] for s in (a, b))
    short, long = sorted((x, y), key=len)
    if short in long:
        return True
    common = sum((Counter(short) & Counter(long)).values())
    return bool(short) and common / len(short) >= SAME_SPEAKER_SHARE


def find_quote(quote: str, text: str) -> QuoteSpan | None:
    """Where ``quote`` is in ``text``: exact, near (folded), else the closest span; None for
    an empty quote or text."""
    words = quote.strip()
    if not words or not text:
        return None
    at = text.find(words)
    if at >= 0:
        return QuoteSpan("exact", at, at + len(words), 1.0)
    folded_quote, _ = _folded(words)
    folded_text, where = _folded(text)
    if not folded_quote or not folded_text:
        return None
    at = folded_text.find(folded_quote)
    if at >= 0:
        start, end = where[at], where[at + len(folded_quote) - 1] + 1
        return _span("near", words, text, start, end)
    found = fuzz.partial_ratio_alignment(folded_quote, folded_text)
    if found is None or found.dest_end <= found.dest_start:
        return None
    start, end = where[found.dest_start], where[found.dest_end - 1] + 1
    return _span("closest", words, text, start, end)


def _span(
    found: Literal["near", "closest"], quote: str, text: str, start: int, end: int
) -> QuoteSpan:
    similarity = fuzz.ratio(_folded(quote)[0], _folded(text[start:end])[0]) / 100
    return QuoteSpan(found, start, end, round(similarity, 3), quote_diff(quote, text[start:end]))


def quote_diff(quote: str, found: str) -> tuple[DiffPiece, ...]:
    """A character diff: equal runs, and what the quote has where the article has another."""
    matcher = difflib.SequenceMatcher(None, quote, found, autojunk=False)
    return tuple(
        DiffPiece(_OPS[op], quote[i1:i2], found[j1:j2])
        for op, i1, i2, j1, j2 in matcher.get_opcodes()
    )


@functools.lru_cache(maxsize=1024)
def _folded(text: str) -> tuple[str, tuple[int, ...]]:
    """``text`` folded for matching, and for each folded character its original offset.

    ``to_simplified`` keeps the length, and each character is folded on its own, so every
    folded character comes from exactly one original one.
    """
    simple = to_simplified(text)
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(simple):
        for out in unicodedata.normalize("NFKC", ch).lower():
            if out.isalnum() or out in _KEEP or _decimal_point(simple, i, out):
                chars.append(out)
                where.append(i)
    return "".join(chars), tuple(where)


def _decimal_point(text: str, i: int, char: str) -> bool:
    if char != ".":
        return False
    return 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()
