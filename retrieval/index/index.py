"""The index: Chroma vectors and the SQLite ledger (keyword index) in one chunk-id space.

``Index`` is what ingestion writes into and retrieval reads from. It checks on open that
the vectors were made by the current embedder, keeps the two stores in step on every write,
and repairs them after an interrupted run. Every fault of either store reaches callers as a
one-line ``StoreError`` (see ``retrieval.index.faults``).
"""

from __future__ import annotations

import functools
import math
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain
from typing import Any

import numpy as np
from chromadb.api import ClientAPI

from retrieval.errors import IndexMismatchError, StoreError
from retrieval.index.binding import bind, check_collection_name
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.index.ledger import GENERATION, Ledger
from retrieval.index.lock import WriterLock
from retrieval.index.redating import (
    apply_given,
    checked_date,
    periods_by_article,
    redate_article,
    redate_chunks,
)
from retrieval.index.store import (
    CHROMA_FOLDER,
    INDEX_ID,
    ChromaStore,
    Manifest,
    close_client,
    connect,
    drop_collection,
)
from retrieval.settings import Settings
from retrieval.text.keywords import query_tokens
from retrieval.text.periods import periods_within
from retrieval.types import (
    ArticleDate,
    ArticleText,
    Chunk,
    Hit,
    HitMethod,
    IndexStats,
    ResolvedPeriod,
    SearchFilter,
    SourceInfo,
)

__all__ = ["Index", "RepairReport", "SourceWrite", "WriteResult"]

WRITE_BATCH = 256
EMBED_BATCH = 16
"""Chunks embedded per call within a write batch. Each call runs in a worker thread while the
calling thread waits in short steps, so Ctrl-C lands at once, not after a whole batch (up to
a minute); the batch is still written whole, so what is stored does not change."""
EMBED_THREAD = "wenbao-embed"
"""The name of the thread an embedding call runs in; one Ctrl-C abandoned may still run."""
LEDGER_FILE = "ledger.sqlite3"
Vector = np.ndarray[Any, np.dtype[np.float32]]


@dataclass(frozen=True)
class WriteResult:
    """What writing one source changed, in chunks."""

    added: int
    unchanged: int
    removed: int


@dataclass(frozen=True)
class SourceWrite:
    """One source for ``Index.write_sources``: what ``write_source`` takes."""

    source: str
    fingerprint: str
    articles: Sequence[ArticleText]
    chunks: Sequence[Chunk]


@dataclass(frozen=True)
class _Plan:
    """What writing one source will do (``Index._plan``)."""

    source: str
    fingerprint: str
    articles: list[ArticleText]
    chunks: list[Chunk]
    removed: list[str]
    fresh: list[Chunk]
    redated: list[Chunk]
    kept: int

    @property
    def result(self) -> WriteResult:
        return WriteResult(len(self.fresh), self.kept, len(self.removed))


@dataclass(frozen=True)
class RepairReport:
    """What ``Index.repair`` had to fix after an interrupted run."""

    orphan_vectors: int = 0
    missing_vectors: int = 0
    sources_reset: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.orphan_vectors or self.missing_vectors)

    def counts(self) -> dict[str, int]:
        """What was repaired, in numbers (the ingest CLI's ``--json`` ``repaired`` field)."""
        return {
            "orphan_vectors_deleted": self.orphan_vectors,
            "ledger_chunks_dropped": self.missing_vectors,
            "sources_marked_pending": len(self.sources_reset),
        }


class Index:
    """Open the index described by ``settings``, for reading and writing.

    ``create=False`` (for readers: the ask CLI, the app) opens an existing index only and
    creates nothing. ``reset=True`` takes the writer lock first, then empties the index, and
    holds the lock until ``close`` so no other ingest writes in between.

    A collection is bound to one ledger by an index id kept in both; a collection bound to
    another index folder is refused, so one index never deletes another's vectors. Readers
    call ``refresh`` (the searches do) to follow writes and resets of other processes.

    Raises:
        StoreError: there is no index (``create=False``), another ingest holds the lock
            (``reset=True``), or a store cannot be opened.
        IndexMismatchError: the index was built with another embedding model, in another
            collection, or the collection belongs to another index folder.
    """

    def __init__(
        self,
        settings: Settings,
        embeddings: WenBaoEmbeddings,
        *,
        reset: bool = False,
        create: bool = True,
    ) -> None:
        self.settings = settings
        self.embeddings = embeddings
        self._lock = WriterLock(settings.index_dir, settings.where)
        self._holds_reset_lock = False
        self._reopening = threading.Lock()
        if not create:
            _require_index(settings)
        if reset:
            self._lock.acquire()
            self._holds_reset_lock = True
        try:
            self._open(reset=reset, create=create)
        except BaseException:
            self.close()
            raise

    def _open(self, *, reset: bool, create: bool) -> None:
        settings = self.settings
        manifest = Manifest(self.embeddings.model_name, self.embeddings.dimension)
        client = functools.partial(
            connect, settings.index_dir, settings.chroma_host, settings.chroma_port
        )
        generation = _reset(client, settings) if reset else None
        self.ledger = Ledger(settings.index_dir / LEDGER_FILE)
        if generation is not None:
            self.ledger.set_meta(GENERATION, str(generation + 1))
        self._check_ledger_manifest(manifest)
        check_collection_name(self.ledger, settings, client)
        self.store = ChromaStore(
            client,
            settings.collection,
            manifest,
            where=settings.where,
            create=create,
            index_id=self.ledger.get_meta(INDEX_ID) or uuid.uuid4().hex,
        )
        self._bind(adopt=False)
        self._seen = self._version()

    def close(self) -> None:
        """Close both stores and give back the writer lock a reset took (safe to call twice)."""
        if hasattr(self, "ledger"):
            self.ledger.close()
        if hasattr(self, "store"):
            self.store.close()
        if self._holds_reset_lock:
            self._holds_reset_lock = False
            self._lock.release()

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the index's writer lock: one ingest at a time, across processes.

        Two processes writing one embedded Chroma folder at once corrupt it, so a second
        writer is refused at once instead of waiting (see ``retrieval.index.lock``). An
        index from before index ids adopts one here, on its first write.

        Raises:
            StoreError: another process is writing this index.
            IndexMismatchError: the collection belongs to another index folder.
        """
        with self._lock.held():
            self.refresh()
            self._bind(adopt=True)
            yield

    def refresh(self) -> bool:
        """Reopen both stores if another process changed the index since we last looked.

        Cheap (a ``stat`` and one small query): every committed write and every reset bumps
        the ledger's generation, and a reset replaces the ledger file. Returns whether the
        stores were reopened.

        Raises:
            StoreError: the index is being rebuilt right now, or cannot be opened again.
        """
        if self._version() == self._seen:
            return False
        with self._reopening:
            if self._version() == self._seen:
                return False
            if self.ledger.file_id() is None:
                raise StoreError(
                    f"The index at {self.settings.index_dir} is being rebuilt (`--reset`): "
                    "ask again when that ingest has finished."
                )
            self.ledger = Ledger(self.settings.index_dir / LEDGER_FILE)
            self.store.reopen()
            self.store.expect(None)  # a reset binds a new id; _bind checks it again
            self._bind(adopt=False)
            self._seen = self._version()
        return True

    def incomplete_sources(self) -> list[str]:
        """Sources whose last ingest did not finish (killed half way): answers citing them
        may miss passages until ``python -m ingest`` is run again."""
        self.refresh()
        return self.ledger.pending_sources()

    def write_source(
        self,
        source: str,
        fingerprint: str,
        articles: Sequence[ArticleText],
        chunks: Sequence[Chunk],
        progress: Callable[[int], object] | None = None,
        *,
        vectors: Mapping[str, Vector] | None = None,
    ) -> WriteResult:
        """Make the index hold exactly ``chunks`` for ``source``, embedding only new ones.

        Dates given to the source or its articles (``set_source_date``, ``set_article_date``)
        win over the articles' own; a kept chunk whose date changed has its metadata updated,
        not its vector. Each article's relative periods are resolved and stored.
        Order matters for crash safety: old chunks go first, new ones are written to Chroma
        and then to the ledger in batches, and the source is marked done last.
        ``vectors``: new chunks' vectors made beforehand, by chunk id (``embed_chunks``, for
        the chunks of many sources at once); the new chunks it lacks are embedded here.
        """
        write = SourceWrite(source, fingerprint, articles, chunks)
        return self.write_sources([write], progress, vectors=vectors)[0]

    def write_sources(
        self,
        writes: Sequence[SourceWrite],
        progress: Callable[[int], object] | None = None,
        *,
        vectors: Mapping[str, Vector] | None = None,
    ) -> list[WriteResult]:
        """``write_source`` for several distinct sources at once, with one result each.

        Their new chunks go to Chroma and the ledger together, in write batches: one Chroma
        call costs tens of milliseconds however few chunks it carries, so a file of one
        chunk would cost more to write than to embed. Each source keeps the crash-safe
        order: marked pending, old chunks deleted, new ones written to Chroma and then to
        the ledger, its articles, marked done last.
        """
        plans = [self._plan(write) for write in writes]
        for plan in plans:
            self.ledger.mark_pending(plan.source)
            self._delete(plan.removed)
            redate_chunks(self.ledger, self.store, plan.redated)
        now = _now()
        fresh = [chunk for plan in plans for chunk in plan.fresh]
        for start in range(0, len(fresh), WRITE_BATCH):
            batch = fresh[start : start + WRITE_BATCH]
            self._add(batch, now, progress, vectors or {})
        for plan in plans:
            periods = periods_by_article(plan.articles, plan.chunks)
            self.ledger.put_articles(plan.source, plan.articles, periods)
            self.ledger.mark_done(plan.source, plan.fingerprint, len(plan.articles), now)
        self._seen = self._version()
        return [plan.result for plan in plans]

    def new_chunks(self, source: str, chunks: Sequence[Chunk]) -> list[Chunk]:
        """The chunks of ``source`` that are not stored yet: those ``write_source`` embeds."""
        stored = self.ledger.chunk_ids(source)
        return [c for c in chunks if c.chunk_id not in stored]

    def mark_pending(self, source: str) -> None:
        """Record ``source`` as not done before its new chunks are embedded (``write_source``
        does so too): a run stopped meanwhile leaves it to be read again by the next."""
        self.ledger.mark_pending(source)

    def embed_chunks(self, chunks: Sequence[Chunk]) -> dict[str, Vector]:
        """The passage vectors of ``chunks`` by chunk id, for ``write_source(vectors=...)``.

        One ``embed_passages`` call for all (the engine sorts and batches them; equal texts
        are embedded once), in a worker thread so that Ctrl-C lands at once.
        """
        texts = {c.chunk_id: c.embed_text or c.text for c in chunks}
        unique = list(dict.fromkeys(texts.values()))
        if not unique:
            return {}
        found = dict(zip(unique, _embed_interruptibly(self.embeddings, unique), strict=True))
        return {chunk_id: found[text] for chunk_id, text in texts.items()}

    def fingerprints(self) -> dict[str, str]:
        """The fingerprint of every source whose last ingest finished, by source."""
        self.refresh()
        found = ((s.source, self.ledger.fingerprint(s.source)) for s in self.ledger.sources())
        return {source: fingerprint for source, fingerprint in found if fingerprint}

    def set_article_date(self, article_id: str, date: str) -> ArticleText:
        """Correct an article's publication date (origin ``given``) without embedding anything.

        The ledger and the vectors' metadata take the new date, the article's periods are
        resolved again, and the correction is kept: a later ingest of its source applies it.

        Raises:
            ConfigError: ``date`` is not a possible ``YYYY-MM-DD`` date.
            StoreError: there is no such article, another ingest is writing, or a store fails.
        """
        day = checked_date(date)
        with self.writing():
            article = self.ledger.article(article_id)
            if article is None:
                raise StoreError(
                    f"There is no article {article_id!r} in the index at "
                    f"{self.settings.index_dir}: pick one from its list of articles."
                )
            self.ledger.dates.correct(article_id, article.source, day)
            dated = redate_article(self.ledger, self.store, article, day)
            self._seen = self._version()
        return dated

    def set_source_date(self, source: str, date: str) -> int:
        """Give every article of ``source`` the date ``date`` (``--date``), now and whenever
        the source is ingested again; a corrected article keeps its correction. Returns how
        many stored articles changed (0 for a source not ingested yet).

        Raises:
            ConfigError: ``date`` is not a possible ``YYYY-MM-DD`` date.
            StoreError: another ingest is writing, or a store fails.
        """
        day = checked_date(date)
        with self.writing():
            self.ledger.dates.give_source(source, day)
            corrected = self.ledger.dates.given(source)[1]
            changed = 0
            for found in self.ledger.dates.article_dates(source):
                article = self.ledger.article(found.article_id)
                if article is not None and found.article_id not in corrected:
                    changed += redate_article(self.ledger, self.store, article, day) != article
            self._seen = self._version()
        return changed

    def article_dates(self, source: str | None = None) -> list[ArticleDate]:
        """Every article's publication date and its origin (of one source, or all)."""
        self.refresh()
        return self.ledger.dates.article_dates(source)

    def periods(
        self, article_id: str, start: int | None = None, end: int | None = None
    ) -> tuple[ResolvedPeriod, ...]:
        """The resolved relative periods of an article, in text order; with ``start`` and
        ``end``, only those inside ``[start, end)`` (a citation's offsets)."""
        self.refresh()
        found = self.ledger.dates.periods(article_id)
        if start is None and end is None:
            return found
        return periods_within(found, start or 0, end if end is not None else 1 << 62)

    def remove_source(self, source: str) -> int:
        """Delete every chunk of ``source`` from both stores; returns how many."""
        ids = sorted(self.ledger.chunk_ids(source))
        self.ledger.mark_pending(source)
        self._delete(ids)
        self.ledger.forget_source(source)
        self._seen = self._version()
        return len(ids)

    def fingerprint(self, source: str) -> str | None:
        return self.ledger.fingerprint(source)

    def sources(self) -> list[SourceInfo]:
        self.refresh()
        return self.ledger.sources()

    def repair(self) -> RepairReport:
        """Bring Chroma and the ledger back into one id space after an interrupted run.

        Vectors the ledger does not know are deleted; ledger chunks without a vector are
        dropped and their sources marked not done, so the next ingest re-adds them. Only a
        collection bound to this ledger is repaired: its vectors are provably this index's.

        Raises:
            IndexMismatchError: the collection belongs to another index folder.
        """
        self._bind(adopt=True)
        ledger_ids = self.ledger.chunk_ids()
        store_ids = set(self.store.ids())
        orphans = sorted(store_ids - ledger_ids)
        missing = sorted(ledger_ids - store_ids)
        self.store.delete(orphans)
        reset = self.ledger.delete_chunks(missing)
        for source in reset:
            self.ledger.mark_pending(source)
        if orphans or missing:
            self.ledger.bump_generation()
            self._seen = self._version()
        return RepairReport(len(orphans), len(missing), tuple(sorted(reset)))

    def is_consistent(self) -> bool:
        """A cheap check for readers: do both stores hold the same number of chunks?"""
        self.refresh()
        return self.store.count() == self.ledger.counts()[2]

    def stats(self) -> IndexStats:
        self.refresh()
        files, articles, chunks = self.ledger.counts()
        times = [s.ingested_at for s in self.ledger.sources()]
        return IndexStats(
            files=files,
            articles=articles,
            chunks=chunks,
            embedding_model=self.embeddings.model_name,
            where=self.settings.where,
            last_ingest=max(times) if times else None,
        )

    def article(self, article_id: str) -> ArticleText | None:
        """The original text of an article, for showing a citation in its context."""
        return self.ledger.article(article_id)

    def article_body(self, article_id: str) -> str | None:
        """An article's title and own text, for checking what it mentions."""
        return self.ledger.article_body(article_id)

    def dense_search(
        self,
        question: str,
        k: int,
        search: SearchFilter | None = None,
        *,
        vector: Sequence[float] | None = None,
    ) -> list[Hit]:
        """The ``k`` chunks nearest to ``question`` by embedding (cosine similarity).

        ``vector``: the question's embedding, when the caller embedded a batch beforehand.
        """
        self.refresh()
        if not self.ledger.has_chunks():  # one row read; the store's count takes ~10 ms at 100k
            return []
        if vector is None:
            vector = self.embeddings.embed_query(question)
        return self._hits(self.store.query(list(vector), k, search), "dense")

    def keyword_search(
        self, question: str, k: int, search: SearchFilter | None = None
    ) -> list[Hit]:
        """The ``k`` best chunks for ``question`` by BM25 over jieba tokens."""
        self.refresh()
        tokens = query_tokens(question)
        found = self.ledger.keyword_search(tokens, k, search, postings=self.settings.bm25_postings)
        return self._hits(found, "keyword")

    def term_weights(self, tokens: Sequence[str]) -> dict[str, float]:
        """BM25 inverse document frequency of each token over the indexed chunks."""
        total = max(self.ledger.counts()[2], 1)
        frequencies = self.ledger.document_frequencies(list(tokens))
        return {t: math.log((total - df + 0.5) / (df + 0.5) + 1) for t, df in frequencies.items()}

    def _hits(self, scored: list[tuple[str, float]], method: HitMethod) -> list[Hit]:
        chunks = self.ledger.get_chunks([cid for cid, _ in scored])
        found = [(chunks[cid], score) for cid, score in scored if cid in chunks]
        return [Hit(c, s, rank, method) for rank, (c, s) in enumerate(found, start=1)]

    def _plan(self, write: SourceWrite) -> _Plan:
        """What writing a source changes: its given dates applied, chunks compared by id."""
        source = write.source
        articles, chunks = apply_given(
            write.articles, write.chunks, *self.ledger.dates.given(source)
        )
        old = self.ledger.dates.chunk_dates(source)
        wanted = {c.chunk_id: c for c in chunks}
        return _Plan(
            source=source,
            fingerprint=write.fingerprint,
            articles=articles,
            chunks=chunks,
            removed=sorted(old.keys() - wanted.keys()),
            fresh=[c for cid, c in wanted.items() if cid not in old],
            redated=[c for cid, c in wanted.items() if cid in old and old[cid] != c.date],
            kept=len(wanted.keys() & old.keys()),
        )

    def _add(
        self,
        batch: list[Chunk],
        now: str,
        progress: Callable[[int], object] | None,
        made: Mapping[str, Vector],
    ) -> None:
        """Write a batch of new chunks: vectors ``made`` beforehand, the others embedded now."""
        missing = [c for c in batch if c.chunk_id not in made]
        texts = [c.embed_text or c.text for c in missing]
        parts = [
            _embed_interruptibly(self.embeddings, texts[start : start + EMBED_BATCH])
            for start in range(0, len(texts), EMBED_BATCH)
        ]
        rows = chain.from_iterable(parts)
        vectors = {**made, **dict(zip([c.chunk_id for c in missing], rows, strict=True))}
        self.store.upsert(batch, np.stack([vectors[c.chunk_id] for c in batch]), now)
        self.ledger.add_chunks(batch, now)
        if progress:
            progress(len(batch))

    def _delete(self, ids: Sequence[str]) -> None:
        self.store.delete(ids)
        self.ledger.delete_chunks(ids)

    def _check_ledger_manifest(self, manifest: Manifest) -> None:
        recorded = self.ledger.get_meta("embedding_model")
        if recorded is None:
            self.ledger.set_meta("embedding_model", manifest.embedding_model)
            self.ledger.set_meta("schema_version", str(manifest.schema_version))
        elif recorded != manifest.embedding_model:
            raise IndexMismatchError(
                f"The index at {self.settings.index_dir} was built with embedding model "
                f"{recorded!r}, not {manifest.embedding_model!r}: set WENBAO_EMBEDDING_MODEL="
                f"{recorded} or rebuild with `python -m ingest PATH --reset`."
            )

    def _version(self) -> tuple[tuple[int, int] | None, int]:
        """What a reader compares to notice another process's write: the ledger file's
        identity (a reset replaces it) and its generation."""
        return self.ledger.file_id(), self.ledger.generation()

    def _bind(self, *, adopt: bool) -> None:
        bind(self.ledger, self.store, self.settings, adopt=adopt)


def _require_index(settings: Settings) -> None:
    """Refuse to open a folder that holds no index (readers must not create one)."""
    folder = settings.index_dir
    if (folder / LEDGER_FILE).is_file() and (
        settings.chroma_host or (folder / CHROMA_FOLDER).is_dir()
    ):
        return
    raise StoreError(
        f"There is no index at {folder}: build one with `python -m ingest FILES --index {folder}`."
    )


def _reset(connect: Callable[[], ClientAPI], settings: Settings) -> int:
    """Empty the index; returns the old generation (0 if unreadable), which the new ledger
    continues, so readers holding the old ledger notice the change."""
    path = settings.index_dir / LEDGER_FILE
    try:
        old = Ledger(path) if path.is_file() else None
    except StoreError:
        old = None
    generation = _old_generation(old)
    client = connect()
    try:
        drop_collection(client, settings.collection)
    finally:
        close_client(client)
    for suffix in ("", "-wal", "-shm"):
        (settings.index_dir / (LEDGER_FILE + suffix)).unlink(missing_ok=True)
    return generation


def _old_generation(ledger: Ledger | None) -> int:
    if ledger is None:
        return 0
    try:
        return ledger.generation()
    except StoreError:
        return 0
    finally:
        ledger.close()


def _embed_interruptibly(embeddings: WenBaoEmbeddings, texts: list[str]) -> Any:
    """``embed_passages`` in a daemon thread, waited for in 0.1 s steps.

    Python runs signal handlers (Ctrl-C) in the main thread between bytecodes only, never
    inside a native call; waiting on a thread lets ``KeyboardInterrupt`` land at once. An
    abandoned call finishes (or dies with the process) and its vectors are never written.
    """
    done: list[Any] = []
    failed: list[BaseException] = []

    def work() -> None:
        try:
            done.append(embeddings.embed_passages(texts))
        except BaseException as exc:  # re-raised in the calling thread
            failed.append(exc)

    worker = threading.Thread(target=work, name=EMBED_THREAD, daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.1)
    if failed:
        raise failed[0]
    return done[0]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
