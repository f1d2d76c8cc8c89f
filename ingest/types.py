"""Intermediate types of the ingest pipeline: loaded sources and segmented articles."""

from __future__ import annotations

from dataclasses import dataclass, field

from retrieval.types import DateOrigin

__all__ = ["Article", "Paragraph", "SourceText"]


@dataclass(frozen=True)
class SourceText:
    """One loaded unit of text: a whole file, or one record of a ``.jsonl`` dump.

    ``text`` is the original text that citation offsets point into: the decoded file for
    ``.txt``/``.md``, the extracted main text for ``.html``/``.docx``/``.pdf``, the ``text``
    field for a ``.jsonl`` record.
    """

    source: str
    text: str
    kind: str
    encoding: str = "utf-8"
    record_id: str | None = None
    title: str | None = None
    date: str | None = None
    url: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Paragraph:
    """A span ``[start, end)`` of the source text, with the section heading it sits under."""

    start: int
    end: int
    section: str = ""


@dataclass(frozen=True)
class Article:
    """One article found in a source: its title, date and body paragraphs (as spans).

    ``byline`` is the reporters' line ("王柯岚 本报记者 叶伟"), tidied, or ``""``; the line
    itself stays a paragraph, so it is indexed and can be quoted at its offsets.
    ``date`` is ``YYYY-MM-DD`` (or a year ``YYYY`` when ``inferred``); ``date_origin`` says
    where it was found and ``date_reason`` how an inferred one was reached
    (``ingest.dating``).
    """

    article_id: str
    source: str
    title: str
    paragraphs: tuple[Paragraph, ...]
    date: str | None = None
    sections: tuple[str, ...] = field(default=())
    byline: str = ""
    date_origin: DateOrigin | None = None
    date_reason: str = ""
