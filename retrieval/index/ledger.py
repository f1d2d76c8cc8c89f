"""The ledger beside Chroma: SQLite holding every chunk, its BM25 keyword index and the sources.

The ledger is the authority on what is in the index. Ingest writes Chroma first and the
ledger second, and marks a source done last, so a run killed half way leaves at worst
vectors the ledger does not know (removed by ``Index.repair``) and a source not marked
done (re-ingested on the next run). WAL mode lets the app answer from the committed index
while an ingest is writing.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from retrieval.index.dating import DATES_SCHEMA, DateTables, insert_periods, origin_of
from retrieval.index.faults import store_errors, to_store_error
from retrieval.text.keywords import rarest_within, tokenize
from retrieval.types import ArticleText, Chunk, ResolvedPeriod, SearchFilter, SourceInfo

__all__ = ["GENERATION", "Ledger"]

GENERATION = "generation"
"""Meta key: bumped by every committed change of what the index holds (see ``Index.refresh``)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (
    source TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, articles INTEGER NOT NULL,
    chunks INTEGER NOT NULL, ingested_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE, source TEXT NOT NULL,
    article_id TEXT NOT NULL, title TEXT NOT NULL, section TEXT NOT NULL, text TEXT NOT NULL,
    char_start INTEGER NOT NULL, char_end INTEGER NOT NULL, chunk_index INTEGER NOT NULL,
    date TEXT, embed_text TEXT NOT NULL, ingested_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_by_source ON chunks(source);
CREATE INDEX IF NOT EXISTS chunks_by_article ON chunks(article_id);
CREATE TABLE IF NOT EXISTS articles (
    article_id TEXT PRIMARY KEY, source TEXT NOT NULL, title TEXT NOT NULL, date TEXT,
    text TEXT NOT NULL, byline TEXT NOT NULL DEFAULT '', date_origin TEXT,
    date_reason TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS articles_by_source ON articles(source);
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_fts USING fts5(
    tokens, tokenize = "unicode61 remove_diacritics 0 tokenchars '.%-:/'");
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_vocab USING fts5vocab(chunk_fts, 'row');
"""
_ADDED_ARTICLE_COLUMNS = {
    "byline": "TEXT NOT NULL DEFAULT ''",
    "date_origin": "TEXT",
    "date_reason": "TEXT NOT NULL DEFAULT ''",
}
"""Columns of ``articles`` added after the first release, migrated in place (``_add_columns``)."""
_ARTICLE_COLUMNS = "article_id, source, title, date, text, byline, date_origin, date_reason"
_CHUNK_COLUMNS = (
    "chunk_id, article_id, source, title, section, text, char_start, char_end, chunk_index, "
    "date, embed_text"
)


class Ledger:
    """SQLite file with chunks, keyword index, articles and source fingerprints."""

    def __init__(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.executescript(_SCHEMA + DATES_SCHEMA)
            _add_columns(self._conn)
        except (sqlite3.Error, OSError) as exc:
            raise to_store_error(exc, f"open the keyword index {path}") from exc
        self._lock = threading.RLock()
        self.path = path
        self.dates = DateTables(self._rows, self._write, _bump)
        """Publication dates, their corrections and the resolved periods of articles."""

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction; any SQLite fault in it is rolled back and raised as StoreError."""
        with store_errors(f"write the keyword index {self.path}"), self._lock, self._conn:
            yield self._conn

    def _rows(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        with store_errors(f"read the keyword index {self.path}"), self._lock:
            return self._conn.execute(sql, params).fetchall()

    def get_meta(self, key: str) -> str | None:
        rows = self._rows("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def set_meta(self, key: str, value: str) -> None:
        with self._write() as conn:
            conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def generation(self) -> int:
        """How many committed changes the index has seen (0 for a ledger from before)."""
        value = self.get_meta(GENERATION)
        return int(value) if value and value.isdigit() else 0

    def bump_generation(self) -> None:
        """Record one more committed change, for readers in other processes."""
        with self._write() as conn:
            _bump(conn)

    def file_id(self) -> tuple[int, int] | None:
        """The ledger file's identity (device, inode); ``None`` while it does not exist.

        ``--reset`` replaces the file, so a reader holding the old one sees a new identity.
        """
        try:
            found = os.stat(self.path)
        except OSError:
            return None
        return found.st_dev, found.st_ino

    def fingerprint(self, source: str) -> str | None:
        """The fingerprint recorded when ``source`` was last fully ingested, else None."""
        rows = self._rows("SELECT fingerprint FROM sources WHERE source = ?", (source,))
        return str(rows[0][0]) or None if rows else None

    def mark_pending(self, source: str, at: str = "") -> None:
        """Record ``source`` as not done (an empty fingerprint), before its chunks change."""
        with self._write() as conn:
            conn.execute(
                "INSERT INTO sources VALUES (?, '', 0, 0, ?) "
                "ON CONFLICT(source) DO UPDATE SET fingerprint = ''",
                (source, at),
            )

    def mark_done(self, source: str, fingerprint: str, articles: int, at: str) -> None:
        with self._write() as conn:
            (chunks,) = conn.execute(
                "SELECT count(*) FROM chunks WHERE source = ?", (source,)
            ).fetchone()
            conn.execute(
                "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?)",
                (source, fingerprint, articles, chunks, at),
            )
            _bump(conn)

    def forget_source(self, source: str) -> None:
        """Drop a source's record and articles (its chunks are removed separately, first)."""
        with self._write() as conn:
            for table in ("sources", "articles", "periods", "date_corrections", "source_dates"):
                conn.execute(f"DELETE FROM {table} WHERE source = ?", (source,))
            _bump(conn)

    def sources(self) -> list[SourceInfo]:
        rows = self._rows(
            "SELECT source, articles, chunks, ingested_at FROM sources ORDER BY source"
        )
        return [SourceInfo(str(s), int(a), int(c), str(t)) for s, a, c, t in rows]

    def pending_sources(self) -> list[str]:
        """Sources whose last ingest did not finish (marked pending, maybe half written)."""
        rows = self._rows("SELECT source FROM sources WHERE fingerprint = '' ORDER BY source")
        return [str(r[0]) for r in rows]

    def chunk_ids(self, source: str | None = None) -> set[str]:
        """Ids of one source's chunks, or of all chunks."""
        if source is None:
            return {str(r[0]) for r in self._rows("SELECT chunk_id FROM chunks")}
        rows = self._rows("SELECT chunk_id FROM chunks WHERE source = ?", (source,))
        return {str(r[0]) for r in rows}

    def add_chunks(self, chunks: Iterable[Chunk], ingested_at: str) -> None:
        """Insert chunks and their keyword tokens in one transaction (re-adding is a no-op)."""
        with self._write() as conn:
            for chunk in chunks:
                _insert_chunk(conn, chunk, ingested_at)

    def delete_chunks(self, ids: Iterable[str]) -> set[str]:
        """Delete chunks by id; returns the sources they belonged to."""
        sources: set[str] = set()
        with self._write() as conn:
            for chunk_id in ids:
                row = conn.execute(
                    "SELECT id, source FROM chunks WHERE chunk_id = ?", (chunk_id,)
                ).fetchone()
                if row:
                    conn.execute("DELETE FROM chunk_fts WHERE rowid = ?", (row[0],))
                    conn.execute("DELETE FROM chunks WHERE id = ?", (row[0],))
                    sources.add(str(row[1]))
        return sources

    def get_chunks(self, ids: Sequence[str]) -> dict[str, Chunk]:
        """Chunks by id (missing ids are simply absent)."""
        found: dict[str, Chunk] = {}
        for start in range(0, len(ids), 500):
            part = list(ids[start : start + 500])
            marks = ",".join("?" * len(part))
            sql = f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE chunk_id IN ({marks})"
            for row in self._rows(sql, part):
                chunk = _chunk_from_row(row)
                found[chunk.chunk_id] = chunk
        return found

    def put_articles(
        self,
        source: str,
        articles: Iterable[ArticleText],
        periods: Mapping[str, Sequence[ResolvedPeriod]] | None = None,
    ) -> None:
        """Replace the stored original texts of a source's articles (used for context views)
        and the resolved periods of each (by article id), in one transaction."""
        rows = [_article_row(a) for a in articles]
        with self._write() as conn:
            conn.execute("DELETE FROM articles WHERE source = ?", (source,))
            conn.execute("DELETE FROM periods WHERE source = ?", (source,))
            marks = ",".join("?" * len(_ARTICLE_COLUMNS.split(",")))
            conn.executemany(
                f"INSERT OR REPLACE INTO articles ({_ARTICLE_COLUMNS}) VALUES ({marks})", rows
            )
            for article_id, found in (periods or {}).items():
                insert_periods(conn, source, article_id, found)

    def article(self, article_id: str) -> ArticleText | None:
        rows = self._rows(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE article_id = ?", (article_id,)
        )
        return _article_from_row(rows[0]) if rows else None

    def article_body(self, article_id: str) -> str | None:
        """The article's own text: its title and the stretch of the source its chunks cover
        (a source file may hold several articles)."""
        rows = self._rows(
            "SELECT a.title, a.text, MIN(c.char_start), MAX(c.char_end) FROM articles a "
            "JOIN chunks c ON c.article_id = a.article_id WHERE a.article_id = ?",
            (article_id,),
        )
        if not rows or rows[0][1] is None:
            return None
        title, text, start, end = rows[0]
        return f"{title}\n{str(text)[int(start) : int(end)]}"

    def has_chunks(self) -> bool:
        """Whether any chunk is recorded (one row read, however large the index)."""
        return bool(self._rows("SELECT 1 FROM chunks LIMIT 1"))

    def counts(self) -> tuple[int, int, int]:
        """(files, articles, chunks) currently recorded."""
        files = self._rows("SELECT count(*) FROM sources")[0][0]
        articles = self._rows("SELECT count(*) FROM articles")[0][0]
        chunks = self._rows("SELECT count(*) FROM chunks")[0][0]
        return int(files), int(articles), int(chunks)

    def document_frequencies(self, tokens: Sequence[str]) -> dict[str, int]:
        """In how many chunks each token occurs (0 for tokens the index has never seen)."""
        if not tokens:
            return {}
        marks = ",".join("?" * len(tokens))
        rows = self._rows(f"SELECT term, doc FROM chunk_vocab WHERE term IN ({marks})", tokens)
        found = {str(term): int(doc) for term, doc in rows}
        return {token: found.get(token, 0) for token in tokens}

    def keyword_search(
        self,
        tokens: Sequence[str],
        k: int,
        search: SearchFilter | None = None,
        *,
        postings: int | None = None,
    ) -> list[tuple[str, float]]:
        """BM25 over chunk tokens: the ``k`` best (chunk id, score), best first, higher better.

        ``postings``: when the tokens' chunk counts add up to more, only the rarest tokens
        within it are searched (``rarest_within``), so a query's cost stays bounded as the
        index grows; ``None`` searches every token."""
        if postings is not None and len(tokens) > 1:
            tokens = rarest_within(tokens, self.document_frequencies(tokens), postings)
        if not tokens:
            return []
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in tokens)
        where, params = _filter_sql(search)
        if not where:  # rank inside FTS5, then look up only the k kept (no join per match)
            rows = self._rows(
                "SELECT chunks.chunk_id, top.rank FROM (SELECT rowid, rank FROM chunk_fts "
                "WHERE chunk_fts MATCH ? ORDER BY rank LIMIT ?) AS top "
                "JOIN chunks ON chunks.id = top.rowid ORDER BY top.rank",
                (match, k),
            )
            return [(str(cid), -float(score)) for cid, score in rows]
        rows = self._rows(
            "SELECT chunks.chunk_id, bm25(chunk_fts) AS rank FROM chunk_fts "
            f"JOIN chunks ON chunks.id = chunk_fts.rowid WHERE chunk_fts MATCH ?{where} "
            "ORDER BY rank LIMIT ?",
            (match, *params, k),
        )
        return [(str(cid), -float(score)) for cid, score in rows]


def _bump(conn: sqlite3.Connection) -> None:
    """Add one to the generation, in the caller's transaction."""
    conn.execute(
        "INSERT INTO meta VALUES (?, '1') "
        "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
        (GENERATION,),
    )


def _add_columns(conn: sqlite3.Connection) -> None:
    """Migrate a ledger written before bylines and date origins were kept: add the missing
    ``articles`` columns (empty).

    Idempotent, and no schema-version change: older indexes keep working, and the new fields
    fill in when the next ingest re-segments the files (the ingest-rules version changed).
    """
    columns = {str(row[1]) for row in conn.execute("PRAGMA table_info(articles)")}
    for name, kind in _ADDED_ARTICLE_COLUMNS.items():
        if name in columns:
            continue
        try:
            with conn:
                conn.execute(f"ALTER TABLE articles ADD COLUMN {name} {kind}")
        except sqlite3.OperationalError as exc:
            if "duplicate column" not in str(exc):  # another process migrated it meanwhile
                raise


def _filter_sql(search: SearchFilter | None) -> tuple[str, list[object]]:
    """Extra ``AND`` conditions (and their parameters) for a search filter."""
    if search is None or search.empty:
        return "", []
    sql, params = "", list[object]()
    for column, values in (("source", search.sources), ("article_id", search.article_ids)):
        if values:
            sql += f" AND chunks.{column} IN ({','.join('?' * len(values))})"
            params.extend(values)
    if search.exclude_article_ids:
        marks = ",".join("?" * len(search.exclude_article_ids))
        sql += f" AND chunks.article_id NOT IN ({marks})"
        params.extend(search.exclude_article_ids)
    if search.date_from or search.date_to:
        sql += " AND length(chunks.date) = 10"  # a year alone is no day (as in Chroma)
    if search.date_from:
        sql += " AND chunks.date >= ?"
        params.append(search.date_from)
    if search.date_to:
        sql += " AND chunks.date <= ?"
        params.append(search.date_to)
    return sql, params


def _insert_chunk(conn: sqlite3.Connection, chunk: Chunk, ingested_at: str) -> None:
    if conn.execute("SELECT 1 FROM chunks WHERE chunk_id = ?", (chunk.chunk_id,)).fetchone():
        return
    cursor = conn.execute(
        f"INSERT INTO chunks ({_CHUNK_COLUMNS}, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            chunk.chunk_id, chunk.article_id, chunk.source, chunk.title, chunk.section,
            chunk.text, chunk.char_start, chunk.char_end, chunk.index, chunk.date,
            chunk.embed_text, ingested_at,
        ),
    )  # fmt: skip
    tokens = " ".join(tokenize(chunk.embed_text or chunk.text))
    conn.execute("INSERT INTO chunk_fts (rowid, tokens) VALUES (?, ?)", (cursor.lastrowid, tokens))


def _chunk_from_row(row: tuple[Any, ...]) -> Chunk:
    cid, aid, source, title, section, text, start, end, index, date, embed = row
    return Chunk(
        chunk_id=str(cid), article_id=str(aid), source=str(source), title=str(title),
        section=str(section), text=str(text), char_start=int(start),
        char_end=int(end), index=int(index), date=_opt(date), embed_text=str(embed),
    )  # fmt: skip


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def _article_row(article: ArticleText) -> tuple[object, ...]:
    a = article
    return (a.article_id, a.source, a.title, a.date, a.text, a.byline, a.date_origin,
            a.date_reason)  # fmt: skip


def _article_from_row(row: tuple[Any, ...]) -> ArticleText:
    aid, source, title, date, text, byline, origin, reason = row
    return ArticleText(
        str(aid), str(source), str(title), _opt(date), str(text), str(byline), origin_of(origin),
        str(reason or ""),
    )  # fmt: skip
