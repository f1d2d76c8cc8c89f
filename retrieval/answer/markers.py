"""Citation markers in answer text: ``[1]``, ``[1,2]``, ``【3】``, ``[^4]``, ``[1-3]``.

An answer is cut into sentences, each carrying the markers written after it; markers to
passages that do not exist are dropped, the rest rewritten in the plain ``[n]`` form later
steps renumber. Pure text: no passages, no figures.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container
from dataclasses import dataclass

from retrieval.text.sentences import Span, split_sentences, trimmed_pieces

__all__ = ["AnswerSentence", "claim_text", "rewrite_markers", "shown_text", "split_answer"]

_N = r"[0-9０-９]{1,3}(?:\s*[-–~]\s*[0-9０-９]{1,3})?"
_MARKER = rf"(?:\[\^?|［|【)\s*(?P<nums>{_N}(?:\s*[,，、]\s*{_N})*)\s*(?:\]|］|】)"
_MARKER_RE = re.compile(_MARKER)
_PADDED_MARKER_RE = re.compile(rf"(?P<pad>[ \t]*){_MARKER}")
_MARKER_PART_RE = re.compile(r"(\d+)(?:\s*[-–~]\s*(\d+))?")
_LEADING_MARKERS_RE = re.compile(rf"(?:[\s*_]*{_MARKER})+")
_ORDINAL_MASK_RE = re.compile(r"^([ \t]*(?:[-*+][ \t]+)?[0-9０-９]{1,2})[.．](?=[ \t])", re.M)
_ORDINAL_RE = re.compile(
    r"^\s*(?:#{1,6}\s+)?(?:[-*+]\s+)?(?:[(（][0-9０-９]{1,2}[)）]|[0-9０-９]{1,2}"
    r"(?:[、)）]|[.．](?![0-9０-９])))"
)
_MARKUP_RE = re.compile(r"\*+|__|`")
_SPACE_RE = re.compile(r"\s+")
_WORD_RE = re.compile(r"\w")


@dataclass(frozen=True)
class AnswerSentence:
    """One sentence of an answer: ``text == answer[start:end]``, with the markers it carries.

    Markers written after the sentence's final punctuation ("…12.9%。[1]") belong to it, so a
    claim and its citation are checked together.
    """

    text: str
    start: int
    end: int
    markers: tuple[int, ...]


def split_answer(text: str) -> list[AnswerSentence]:
    """Sentences of an answer (Chinese or English), each with the markers that follow it.

    Cuts like ``retrieval.text.sentences`` (never inside a figure); a run of markers opening a
    piece is moved to the sentence before, and "1. " list numbers are not sentence ends.
    """
    pieces: list[Span] = []
    for cut, end in split_sentences(_ORDINAL_MASK_RE.sub(r"\1、", text), 0, len(text)):
        start = cut
        if pieces and (lead := _LEADING_MARKERS_RE.match(text, cut, end)):
            pieces[-1], start = (pieces[-1][0], lead.end()), lead.end()
        if _WORD_RE.search(text, start, end):
            pieces.append((start, end))
    return [_answer_sentence(text, s, e) for s, e in trimmed_pieces(text, pieces)]


def _answer_sentence(text: str, start: int, end: int) -> AnswerSentence:
    piece = text[start:end]
    numbers = (n for m in _MARKER_RE.finditer(piece) for n in _marker_numbers(m["nums"]))
    return AnswerSentence(piece, start, end, tuple(dict.fromkeys(numbers)))


def _marker_numbers(body: str) -> list[int]:
    numbers: list[int] = []
    for match in _MARKER_PART_RE.finditer(unicodedata.normalize("NFKC", body)):
        low = int(match[1])
        high = int(match[2]) if match[2] else low
        numbers.extend(range(low, max(low, high) + 1) if high - low < 20 else (low, high))
    return numbers


def rewrite_markers(text: str, passages: Container[int]) -> str:
    """Markers in the plain ``[n]`` form later steps renumber; dead numbers dropped."""

    def swap(match: re.Match[str]) -> str:
        kept = [n for n in _marker_numbers(match["nums"]) if n in passages]
        return match["pad"] + "".join(f"[{n}]" for n in dict.fromkeys(kept)) if kept else ""

    return _PADDED_MARKER_RE.sub(swap, text)


def shown_text(sentence: str) -> str:
    """A sentence as a flag quotes it: no markers, no Markdown emphasis, single spaces."""
    return _SPACE_RE.sub(" ", _MARKUP_RE.sub("", _MARKER_RE.sub("", sentence))).strip()


def claim_text(text: str) -> str:
    """What a sentence states: no markers (a space, so digits never join), markup or list number."""
    return _ORDINAL_RE.sub("", _MARKUP_RE.sub("", _MARKER_RE.sub(" ", text)), count=1)
