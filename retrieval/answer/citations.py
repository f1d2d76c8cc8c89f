"""Citations: passages numbered as the answer cites them, with their exact original text."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any

from retrieval.text.period_labels import period_label
from retrieval.types import Chunk, Citation, ResolvedPeriod

__all__ = ["MARKER", "citation_for", "citation_json", "period_json", "renumber"]

MARKER = re.compile(r"\[(\d+)\]")


def citation_for(n: int, chunk: Chunk, highlights: Sequence[tuple[int, int]] = ()) -> Citation:
    """Citation ``[n]`` of ``chunk``; its quote is the chunk text, i.e. the original slice."""
    return Citation(
        n=n,
        chunk_id=chunk.chunk_id,
        article_id=chunk.article_id,
        source=chunk.source,
        title=chunk.title,
        section=chunk.section,
        char_start=chunk.char_start,
        char_end=chunk.char_end,
        quote=chunk.text,
        date=chunk.date,
        highlights=tuple(sorted(set(highlights))),
    )


def renumber(
    text: str,
    passages: Mapping[int, Chunk],
    highlights: Mapping[int, Sequence[tuple[int, int]]] | None = None,
) -> tuple[str, tuple[Citation, ...]]:
    """Markers renumbered 1..m in order of first use; only cited passages become citations.

    Markers that point to no passage are left alone here (verification removes and flags
    them before this runs).
    """
    order: dict[int, int] = {}
    for match in MARKER.finditer(text):
        old = int(match.group(1))
        if old in passages and old not in order:
            order[old] = len(order) + 1

    def swap(match: re.Match[str]) -> str:
        old = int(match.group(1))
        return f"[{order[old]}]" if old in order else match.group(0)

    spans = highlights or {}
    citations = tuple(
        citation_for(new, passages[old], spans.get(old, ())) for old, new in order.items()
    )
    return MARKER.sub(swap, text), citations


def citation_json(citation: Citation) -> dict[str, Any]:
    """A citation as ``--json`` prints it (answers and fact-checks alike): every field,
    highlights as lists, periods with their notes."""
    data = dataclasses.asdict(citation)
    data["highlights"] = [list(span) for span in citation.highlights]
    data["periods"] = [period_json(p) for p in citation.periods]
    return data


def period_json(period: ResolvedPeriod) -> dict[str, Any]:
    """A resolved period of a quote: the expression, its offsets in the original text, the
    inclusive ISO dates it means, the rule, and the note shown beside the quote."""
    return {
        "text": period.text,
        "start": period.start_char,
        "end": period.end_char,
        "date_from": period.date_from,
        "date_to": period.date_to,
        "rule": period.rule,
        "label": period_label(period),
    }
