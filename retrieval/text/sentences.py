"""Chinese-aware sentence spans, shared by chunking, extractive answers and verification.

Spans are offsets into the original text, so whatever is built from them can still be
quoted and cited exactly.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable

from retrieval.text.figures import protected_spans

__all__ = ["Span", "forbidden_positions", "split_sentences", "trimmed_pieces"]

Span = tuple[int, int]

_CLOSERS = "”’」』）)】》\"'"
_SENTENCE_END_RE = re.compile(
    r"(?P<core>(?:[。！？；!?｡]|[…⋯]+|;(?=[\s\u0080-\uffff]|$)"
    rf"|[.．](?=[{_CLOSERS}]*(?:\s|$)))+)[{_CLOSERS}]*|\n"
)


def split_sentences(text: str, start: int, end: int) -> list[Span]:
    """Sentence spans of ``text[start:end]``, as offsets into ``text``, trimmed and non-empty.

    Cuts after 。！？；!?, an ellipsis, a line break, or a '.' followed by whitespace, with
    closing quotes and brackets kept on the sentence they close; never inside a protected
    span, so a 。 inside “…” or （…） does not end the sentence.
    """
    region = text[start:end]
    forbidden = forbidden_positions(protected_spans(region))
    cuts = [0, *(_sentence_cut(m, forbidden) for m in _SENTENCE_END_RE.finditer(region))]
    bounds = sorted({c for c in cuts if c is not None} | {len(region)})
    return trimmed_pieces(text, [(start + a, start + b) for a, b in itertools.pairwise(bounds)])


def forbidden_positions(spans: Iterable[Span], offset: int = 0) -> frozenset[int]:
    """Positions inside ``spans`` (not their edges), where no cut may fall."""
    return frozenset(k + offset for start, end in spans for k in range(start + 1, end))


def _sentence_cut(match: re.Match[str], forbidden: frozenset[int]) -> int | None:
    for cut in (match.end(), match.end("core")):
        if cut > 0 and cut not in forbidden:
            return cut
    return None


def trimmed_pieces(text: str, spans: Iterable[Span]) -> list[Span]:
    """``spans`` with surrounding whitespace removed; empty ones dropped."""
    trimmed = (_trim(text, start, end) for start, end in spans)
    return [span for span in trimmed if span is not None]


def _trim(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None
