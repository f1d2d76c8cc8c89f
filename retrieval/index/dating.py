"""The ledger's date tables: given dates, corrections and the resolved periods of articles.

``source_dates`` keeps the date given to a whole source (``python -m ingest --date``),
``date_corrections`` one article's corrected date (``Index.set_article_date``); both are
applied whenever the source is written again, so a re-ingest never undoes them. ``periods``
keeps the relative expressions of each article (今年, 上月) with the absolute period each
means, resolved against the article's date (``retrieval.text.periods``). Tables created with
``IF NOT EXISTS``: an older ledger gains them empty, and keeps working.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from retrieval.types import ArticleDate, ArticleText, DateOrigin, PeriodRule, ResolvedPeriod

__all__ = [
    "DATES_SCHEMA",
    "PERIOD_COLUMNS",
    "DateTables",
    "insert_periods",
    "origin_of",
    "period_from_row",
]

DATES_SCHEMA = """
CREATE TABLE IF NOT EXISTS periods (
    source TEXT NOT NULL, article_id TEXT NOT NULL, start_char INTEGER NOT NULL,
    end_char INTEGER NOT NULL, text TEXT NOT NULL, date_from TEXT NOT NULL,
    date_to TEXT NOT NULL, rule TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS periods_by_article ON periods(article_id, start_char);
CREATE INDEX IF NOT EXISTS periods_by_source ON periods(source);
CREATE TABLE IF NOT EXISTS date_corrections (
    article_id TEXT PRIMARY KEY, source TEXT NOT NULL, date TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS source_dates (source TEXT PRIMARY KEY, date TEXT NOT NULL);
"""
PERIOD_COLUMNS = "start_char, end_char, text, date_from, date_to, rule"
_ORIGINS: tuple[DateOrigin, ...] = ("given", "metadata", "filename", "dateline", "inferred")
_RULES: tuple[PeriodRule, ...] = (
    "relative_year", "year_to_date", "sentence_year", "nearest_year", "relative_month",
    "relative_week", "relative_day", "recent", "as_of",
)  # fmt: skip

Rows = Callable[[str, Sequence[object]], list[tuple[Any, ...]]]
Write = Callable[[], AbstractContextManager[sqlite3.Connection]]


class DateTables:
    """Reads and writes of the date tables, on the ledger's connection and transactions."""

    def __init__(self, rows: Rows, write: Write, bump: Callable[[sqlite3.Connection], None]):
        self._rows = rows
        self._write = write
        self._bump = bump

    def article_dates(self, source: str | None = None) -> list[ArticleDate]:
        """Every article's date and its origin (one source's, or all), by source and id."""
        where, params = (" WHERE source = ?", (source,)) if source is not None else ("", ())
        rows = self._rows(
            "SELECT article_id, source, title, date, date_origin, date_reason FROM articles"
            f"{where} ORDER BY source, article_id",
            params,
        )
        return [
            ArticleDate(str(a), str(s), str(t), _opt(d), origin_of(o), str(r or ""))
            for a, s, t, d, o, r in rows
        ]

    def periods(self, article_id: str) -> tuple[ResolvedPeriod, ...]:
        """The resolved periods of an article, in text order."""
        rows = self._rows(
            f"SELECT {PERIOD_COLUMNS} FROM periods WHERE article_id = ? ORDER BY start_char",
            (article_id,),
        )
        return tuple(period_from_row(row) for row in rows)

    def given(self, source: str) -> tuple[str | None, dict[str, str]]:
        """The date given to a whole source (``--date``), and corrections by article id."""
        rows = self._rows("SELECT date FROM source_dates WHERE source = ?", (source,))
        corrections = self._rows(
            "SELECT article_id, date FROM date_corrections WHERE source = ?", (source,)
        )
        return (str(rows[0][0]) if rows else None), {str(a): str(d) for a, d in corrections}

    def give_source(self, source: str, date: str) -> None:
        """Record the date given to every article of ``source`` (kept across re-ingests)."""
        with self._write() as conn:
            conn.execute("INSERT OR REPLACE INTO source_dates VALUES (?, ?)", (source, date))

    def correct(self, article_id: str, source: str, date: str) -> None:
        """Record the corrected date of one article (kept across re-ingests)."""
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO date_corrections VALUES (?, ?, ?)",
                (article_id, source, date),
            )

    def redate(self, article: ArticleText, periods: Sequence[ResolvedPeriod]) -> None:
        """Store an article's new date, origin and periods, and the date of its chunks."""
        a = article
        with self._write() as conn:
            conn.execute(
                "UPDATE articles SET date = ?, date_origin = ?, date_reason = ? "
                "WHERE article_id = ?",
                (a.date, a.date_origin, a.date_reason, a.article_id),
            )
            conn.execute("UPDATE chunks SET date = ? WHERE article_id = ?", (a.date, a.article_id))
            conn.execute("DELETE FROM periods WHERE article_id = ?", (a.article_id,))
            insert_periods(conn, a.source, a.article_id, periods)
            self._bump(conn)

    def chunk_dates(self, source: str) -> dict[str, str | None]:
        """The date each chunk of ``source`` is stored with, by chunk id."""
        rows = self._rows("SELECT chunk_id, date FROM chunks WHERE source = ?", (source,))
        return {str(cid): _opt(date) for cid, date in rows}

    def set_chunk_dates(self, dates: Iterable[tuple[str, str | None]]) -> None:
        """Store the date of chunks, by chunk id (their article's date changed, not their text)."""
        with self._write() as conn:
            conn.executemany(
                "UPDATE chunks SET date = ? WHERE chunk_id = ?", [(d, c) for c, d in dates]
            )

    def chunk_spans(self, article_id: str) -> list[tuple[str, int, int]]:
        """(chunk id, start, end) of an article's chunks, in text order."""
        rows = self._rows(
            "SELECT chunk_id, char_start, char_end FROM chunks WHERE article_id = ? "
            "ORDER BY char_start",
            (article_id,),
        )
        return [(str(cid), int(start), int(end)) for cid, start, end in rows]


def insert_periods(
    conn: sqlite3.Connection, source: str, article_id: str, periods: Sequence[ResolvedPeriod]
) -> None:
    """Add an article's periods (in the caller's transaction)."""
    conn.executemany(
        f"INSERT INTO periods (source, article_id, {PERIOD_COLUMNS}) VALUES (?,?,?,?,?,?,?,?)",
        [(source, article_id, p.start_char, p.end_char, p.text, p.date_from, p.date_to, p.rule)
         for p in periods],
    )  # fmt: skip


def period_from_row(row: tuple[Any, ...]) -> ResolvedPeriod:
    start, end, text, first, last, rule = row
    return ResolvedPeriod(int(start), int(end), str(text), str(first), str(last), _rule(rule))


def _rule(value: object) -> PeriodRule:
    for rule in _RULES:
        if rule == value:
            return rule
    return "as_of"


def origin_of(value: object) -> DateOrigin | None:
    """A stored origin as the ``DateOrigin`` it names (None: unknown, or an older ledger)."""
    return next((origin for origin in _ORIGINS if origin == value), None)


def _opt(value: object) -> str | None:
    return None if value is None else str(value)
