"""A file of passage vectors already computed, so a re-ingest embeds only new text.

Embedding is nearly all of an ingest's time on a CPU (about a minute per 250 chunks here).
Re-ingesting the same text, after a crash, a ``--reset``, a new chunk size or segmentation
version that cuts most chunks the same way, need not pay for it again.
``WENBAO_EMBEDDING_CACHE=FILE`` turns the cache on.

``CachedEmbeddings`` wraps any ``WenBaoEmbeddings``. Each passage vector is kept in one
SQLite file. The key is ``sha256(model name, engine, passage text)``, so two models never
share a vector, nor do two engines of one model (their vectors differ in the last digits).
The file is written in one transaction per batch. A process killed mid-write leaves the
batch out, never half of it, and a vector of the wrong length is ignored and computed again.
Query vectors are not kept: they are cheap, and answers stay free of disk writes.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.errors import StoreError
from retrieval.index.embeddings import WenBaoEmbeddings

__all__ = ["CachedEmbeddings"]

_SCHEMA = "CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL)"
_LOOKUP_BATCH = 500  # keys per SELECT (SQLite's default limit on parameters is 999)


class CachedEmbeddings(WenBaoEmbeddings):
    """``inner`` with its passage vectors kept in the SQLite file ``path``."""

    def __init__(self, inner: WenBaoEmbeddings, path: Path) -> None:
        self.inner = inner
        self.model_name = inner.model_name
        self.engine = inner.engine
        self.dimension = inner.dimension
        self.batch_size = inner.batch_size
        self.path = path
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=30, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(
                f"Cannot open the embedding cache {path} ({exc}): fix the path in "
                "WENBAO_EMBEDDING_CACHE, or unset it to embed without a cache."
            ) from None

    def embed_passages(self, texts: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        keys = [self._key(text) for text in texts]
        found = self._lookup(keys)
        missing = [i for i, key in enumerate(keys) if key not in found]
        if missing:
            fresh = self.inner.embed_passages([texts[i] for i in missing])
            for i, vector in zip(missing, fresh, strict=True):
                found[keys[i]] = vector
            self._store([(keys[i], found[keys[i]]) for i in missing])
        return np.stack([found[key] for key in keys]).astype(np.float32, copy=False)

    def embed_queries(self, texts: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        return self.inner.embed_queries(texts)

    def token_count(self, text: str) -> int:
        return self.inner.token_count(text)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _key(self, text: str) -> bytes:
        return hashlib.sha256(f"{self.model_name}\x00{self.engine}\x00{text}".encode()).digest()

    def _lookup(self, keys: list[bytes]) -> dict[bytes, np.ndarray[Any, np.dtype[np.float32]]]:
        found = {}
        with self._lock:
            for start in range(0, len(keys), _LOOKUP_BATCH):
                batch = keys[start : start + _LOOKUP_BATCH]
                marks = ",".join("?" * len(batch))
                rows = self._db.execute(
                    f"SELECT key, vector FROM vectors WHERE key IN ({marks})", batch
                ).fetchall()
                for key, blob in rows:
                    vector = np.frombuffer(blob, dtype=np.float32)
                    if vector.shape == (self.dimension,):
                        found[bytes(key)] = vector
        return found

    def _store(self, rows: list[tuple[bytes, np.ndarray[Any, np.dtype[np.float32]]]]) -> None:
        data = [(key, np.asarray(v, dtype=np.float32).tobytes()) for key, v in rows]
        try:
            with self._lock, self._db:
                self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", data)
        except sqlite3.OperationalError:
            return  # a full disk or a busy file: the vectors are still returned, just not kept
