"""The index: Chroma vectors and the SQLite ledger (keyword index) in one chunk-id space.

``Index`` is what ingestion writes into and retrieval reads from. It checks on open that
the vectors were made by the current embedder, keeps the two stores in step on every write,
and repairs them after an interrupted run. Every fault of either store reaches callers as a
one-line ``StoreError`` (see ``retrieval.index.faults``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime

from chromadb.api import ClientAPI

from retrieval.errors import IndexMismatchError, StoreError
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.index.ledger import Ledger
from retrieval.index.lock import WriterLock
from retrieval.index.store import CHROMA_FOLDER, ChromaStore, Manifest, connect, drop_collection
from retrieval.settings import Settings
from retrieval.text.keywords import query_tokens
from retrieval.types import ArticleText, Chunk, Hit, HitMethod, IndexStats, SearchFilter, SourceInfo

__all__ = ["Index", "RepairReport", "WriteResult"]

WRITE_BATCH = 256
LEDGER_FILE = "ledger.sqlite3"


@dataclass(frozen=True)
class WriteResult:
    """What writing one source changed, in chunks."""

    added: int
    unchanged: int
    removed: int


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

    Raises:
        StoreError: there is no index (``create=False``), another ingest holds the lock
            (``reset=True``), or a store cannot be opened.
        IndexMismatchError: the index was built with another embedding model.
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
        if reset:
            _reset(client(), settings)
        self.ledger = Ledger(settings.index_dir / LEDGER_FILE)
        self._check_ledger_manifest(manifest)
        self.store = ChromaStore(
            client, settings.collection, manifest, where=settings.where, create=create
        )

    def close(self) -> None:
        """Close the ledger and give back the writer lock a reset took (safe to call twice)."""
        if hasattr(self, "ledger"):
            self.ledger.close()
        if self._holds_reset_lock:
            self._holds_reset_lock = False
            self._lock.release()

    def writing(self) -> AbstractContextManager[None]:
        """Hold the index's writer lock: one ingest at a time, across processes.

        Two processes writing one embedded Chroma folder at once corrupt it, so a second
        writer is refused at once instead of waiting (see ``retrieval.index.lock``).

        Raises:
            StoreError: another process is writing this index.
        """
        return self._lock.held()

    def write_source(
        self,
        source: str,
        fingerprint: str,
        articles: Sequence[ArticleText],
        chunks: Sequence[Chunk],
        progress: Callable[[int], object] | None = None,
    ) -> WriteResult:
        """Make the index hold exactly ``chunks`` for ``source``, embedding only new ones.

        Order matters for crash safety: old chunks go first, new ones are written to Chroma
        and then to the ledger in batches, and the source is marked done last.
        """
        old = self.ledger.chunk_ids(source)
        wanted = {c.chunk_id: c for c in chunks}
        removed = sorted(old - wanted.keys())
        fresh = [c for cid, c in wanted.items() if cid not in old]
        self.ledger.mark_pending(source)
        self._delete(removed)
        now = _now()
        for start in range(0, len(fresh), WRITE_BATCH):
            batch = fresh[start : start + WRITE_BATCH]
            self._add(batch, now, progress)
        self.ledger.put_articles(source, articles)
        self.ledger.mark_done(source, fingerprint, len(articles), now)
        return WriteResult(len(fresh), len(wanted) - len(fresh), len(removed))

    def remove_source(self, source: str) -> int:
        """Delete every chunk of ``source`` from both stores; returns how many."""
        ids = sorted(self.ledger.chunk_ids(source))
        self.ledger.mark_pending(source)
        self._delete(ids)
        self.ledger.forget_source(source)
        return len(ids)

    def fingerprint(self, source: str) -> str | None:
        return self.ledger.fingerprint(source)

    def sources(self) -> list[SourceInfo]:
        return self.ledger.sources()

    def repair(self) -> RepairReport:
        """Bring Chroma and the ledger back into one id space after an interrupted run.

        Vectors the ledger does not know are deleted; ledger chunks without a vector are
        dropped and their sources marked not done, so the next ingest re-adds them.
        """
        ledger_ids = self.ledger.chunk_ids()
        store_ids = set(self.store.ids())
        orphans = sorted(store_ids - ledger_ids)
        missing = sorted(ledger_ids - store_ids)
        self.store.delete(orphans)
        reset = self.ledger.delete_chunks(missing)
        for source in reset:
            self.ledger.mark_pending(source)
        return RepairReport(len(orphans), len(missing), tuple(sorted(reset)))

    def is_consistent(self) -> bool:
        """A cheap check for readers: do both stores hold the same number of chunks?"""
        return self.store.count() == self.ledger.counts()[2]

    def stats(self) -> IndexStats:
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

    def dense_search(self, question: str, k: int, search: SearchFilter | None = None) -> list[Hit]:
        """The ``k`` chunks nearest to ``question`` by embedding (cosine similarity)."""
        if self.store.count() == 0:
            return []
        vector = self.embeddings.embed_query(question)
        return self._hits(self.store.query(vector, k, search), "dense")

    def keyword_search(
        self, question: str, k: int, search: SearchFilter | None = None
    ) -> list[Hit]:
        """The ``k`` best chunks for ``question`` by BM25 over jieba tokens."""
        tokens = query_tokens(question)
        return self._hits(self.ledger.keyword_search(tokens, k, search), "keyword")

    def term_weights(self, tokens: Sequence[str]) -> dict[str, float]:
        """BM25 inverse document frequency of each token over the indexed chunks."""
        total = max(self.ledger.counts()[2], 1)
        frequencies = self.ledger.document_frequencies(list(tokens))
        return {t: math.log((total - df + 0.5) / (df + 0.5) + 1) for t, df in frequencies.items()}

    def _hits(self, scored: list[tuple[str, float]], method: HitMethod) -> list[Hit]:
        chunks = self.ledger.get_chunks([cid for cid, _ in scored])
        found = [(chunks[cid], score) for cid, score in scored if cid in chunks]
        return [Hit(c, s, rank, method) for rank, (c, s) in enumerate(found, start=1)]

    def _add(self, batch: list[Chunk], now: str, progress: Callable[[int], object] | None) -> None:
        vectors = self.embeddings.embed_passages([c.embed_text or c.text for c in batch])
        self.store.upsert(batch, vectors, now)
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


def _reset(client: ClientAPI, settings: Settings) -> None:
    drop_collection(client, settings.collection)
    for suffix in ("", "-wal", "-shm"):
        (settings.index_dir / (LEDGER_FILE + suffix)).unlink(missing_ok=True)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
