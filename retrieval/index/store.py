"""The vector side of the index: one Chroma collection, embedded or on a Chroma server.

This is the only module that talks to chromadb. We always pass our own vectors, so Chroma's
default embedding function (which downloads a model) never runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import InvalidArgumentError, NotFoundError

from retrieval.errors import IndexMismatchError, StoreError
from retrieval.index.faults import (
    is_connection_fault,
    is_store_fault,
    short,
    store_errors,
    to_store_error,
)
from retrieval.types import Chunk, SearchFilter

__all__ = [
    "CHROMA_FOLDER",
    "INDEX_ID",
    "SCHEMA_VERSION",
    "ChromaStore",
    "Manifest",
    "chroma_where",
    "chunk_metadata",
    "close_client",
    "collection_names",
    "connect",
    "drop_collection",
    "existing",
]

SCHEMA_VERSION = 1
CHROMA_FOLDER = "chroma"
INDEX_ID = "index_id"
"""Key of the index id in the collection's metadata and the ledger's meta: it binds a
collection to the one ledger whose chunks it holds."""
_PAGE = 5000


@dataclass(frozen=True)
class Manifest:
    """What built the vectors; a collection opened with a different embedder is an error."""

    embedding_model: str
    dimension: int
    schema_version: int = SCHEMA_VERSION

    def as_metadata(self, index_id: str | None = None) -> dict[str, str | int]:
        """The collection metadata (without the distance, which is set once, at creation)."""
        data: dict[str, str | int] = {
            "embedding_model": self.embedding_model,
            "dimension": self.dimension,
            "schema_version": self.schema_version,
        }
        return data | ({INDEX_ID: index_id} if index_id else {})


def connect(index_dir: Path, host: str | None, port: int) -> ClientAPI:
    """A Chroma client: a server when ``host`` is given, else embedded under ``index_dir``.

    Raises:
        StoreError: the folder cannot be used or the server does not answer.
    """
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    target = f"the Chroma server at {host}:{port}" if host else f"the index at {index_dir}"
    with store_errors(f"open {target}"):
        if host:
            client = chromadb.HttpClient(host=host, port=port, settings=chroma_settings)
            client.heartbeat()
            return client
        return chromadb.PersistentClient(
            path=str(index_dir / CHROMA_FOLDER), settings=chroma_settings
        )


class ChromaStore:
    """Vectors, original passage text and metadata of every chunk, keyed by chunk id.

    Every Chroma fault becomes a ``StoreError``. After a lost connection (or a collection
    removed under us) the next call connects again and reopens the collection by name, so a
    restarted server is used again without restarting the program. A collection created
    here carries ``index_id`` in its metadata (``created`` says it was); once ``expect`` names
    the id of this index, a reopened collection bound to another index is refused.
    """

    def __init__(
        self,
        connect: Callable[[], ClientAPI],
        name: str,
        manifest: Manifest,
        *,
        where: str,
        create: bool = True,
        index_id: str | None = None,
    ) -> None:
        self.manifest = manifest
        self.name = name
        self.where = where
        self._connect = connect
        self._expected: str | None = None
        self._client: ClientAPI | None = connect()
        self._limit: int | None = None
        opened = _open_collection(self._client, name, manifest, index_id if create else None)
        self._collection: Collection | None = opened[0]
        self.created = opened[1]

    def index_id(self) -> str | None:
        """The id of the index this collection belongs to (``None`` before ids were kept)."""
        with self._use("read the metadata of") as collection:
            found = (collection.metadata or {}).get(INDEX_ID)
        return str(found) if found else None

    def set_index_id(self, index_id: str) -> None:
        """Bind the collection to an index (an index from before ids adopts one)."""
        with self._use("write the metadata of") as collection:
            collection.modify(metadata=self.manifest.as_metadata(index_id))
        self._expected = index_id

    def expect(self, index_id: str | None) -> None:
        """From now on, refuse a reopened collection that belongs to another index."""
        self._expected = index_id

    def reopen(self) -> None:
        """Drop the client and collection handles: the next call opens them afresh.

        An embedded client keeps its vector index in memory and never sees vectors another
        process adds; closing it (the last user of the folder in this process) and opening a
        new one reads them from disk.
        """
        client, self._client, self._collection = self._client, None, None
        self._limit = None  # another server may take other batch sizes
        if client is not None:
            close_client(client)

    def close(self) -> None:
        """Give back the client (safe to call twice)."""
        self.reopen()

    def upsert(
        self, chunks: Sequence[Chunk], vectors: np.ndarray[Any, Any], ingested_at: str
    ) -> None:
        """Write chunks with their vectors; re-writing an id replaces it (no duplicates).

        Sent in parts no larger than the client's ``max_batch_size`` (a server refuses larger
        ones); a run killed between parts leaves vectors the ledger lacks, which
        ``Index.repair`` deletes.
        """
        step = self.batch_limit()
        for start in range(0, len(chunks), step):
            part = chunks[start : start + step]
            with self._use("add vectors to") as collection:
                collection.upsert(
                    ids=[c.chunk_id for c in part],
                    embeddings=vectors[start : start + step],
                    documents=[c.text for c in part],
                    metadatas=[chunk_metadata(c, ingested_at) for c in part],
                )

    def batch_limit(self) -> int:
        """The most records one write may carry: the client's ``max_batch_size`` (a server's
        is asked once per connection), and never more than ``_PAGE``."""
        if self._limit is None:
            with self._use("read the batch size limit of"):
                found = self._client.get_max_batch_size() if self._client else _PAGE
            self._limit = min(found, _PAGE) if found > 0 else _PAGE
        return self._limit

    def set_dates(self, ids: Sequence[str], date: str | None) -> None:
        """Change the ``date`` metadata of chunks (their article was re-dated); their vectors
        and text stay as they are, nothing is embedded."""
        metadata: dict[str, str | int] = {"date": date or "", "date_num": _date_number(date)}
        step = self.batch_limit()
        for start in range(0, len(ids), step):
            page = list(ids[start : start + step])
            with self._use("change the dates in") as collection:
                collection.update(ids=page, metadatas=[metadata] * len(page))

    def delete(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), _PAGE):
            with self._use("delete vectors from") as collection:
                collection.delete(ids=list(ids[start : start + _PAGE]))

    def count(self) -> int:
        with self._use("count the vectors in") as collection:
            return collection.count()

    def ids(self) -> Iterator[str]:
        """Every chunk id in the collection, page by page (for the consistency check)."""
        offset = 0
        while True:
            with self._use("list the vectors in") as collection:
                page = collection.get(include=[], limit=_PAGE, offset=offset)["ids"]
            yield from page
            if len(page) < _PAGE:
                return
            offset += len(page)

    def query(
        self, vector: Sequence[float], k: int, search: SearchFilter | None = None
    ) -> list[tuple[str, float]]:
        """The ``k`` nearest chunk ids with cosine similarity (1 - distance), best first."""
        with self._use("search the vectors in") as collection:
            result = collection.query(
                query_embeddings=list(vector),
                n_results=k,
                where=chroma_where(search),
                include=["distances"],
            )
        distances = (result["distances"] or [[]])[0]
        return [(cid, 1.0 - float(d)) for cid, d in zip(result["ids"][0], distances, strict=True)]

    @contextmanager
    def _use(self, failed: str) -> Iterator[Collection]:
        """The collection handle, with every fault in the block raised as a ``StoreError``."""
        try:
            yield self._collection or self._open_again()
        except Exception as exc:
            if is_connection_fault(exc) or isinstance(exc, NotFoundError):
                self.reopen()  # connect again on the next call
            if not is_store_fault(exc):
                raise
            raise to_store_error(exc, f"{failed} {self.where}") from exc

    def _open_again(self) -> Collection:
        if self._client is None:
            self._client = self._connect()
        collection, _ = _open_collection(self._client, self.name, self.manifest, None)
        found = (collection.metadata or {}).get(INDEX_ID)
        if self._expected is not None and found != self._expected:
            raise IndexMismatchError(
                f"Collection {self.name!r} in {self.where} now belongs to another index (it was "
                "rebuilt from another folder?): re-ingest this folder with --reset, or set "
                "WENBAO_COLLECTION to this index's own collection."
            )
        self._collection = collection
        return collection


def drop_collection(client: ClientAPI, name: str) -> None:
    """Delete a collection if it exists (for ``--reset``).

    Raises:
        StoreError: the server refused.
    """
    try:
        client.delete_collection(name)
    except (NotFoundError, ValueError):
        return
    except Exception as exc:
        if not is_store_fault(exc):
            raise
        raise to_store_error(exc, f"reset collection {name!r}") from exc


def chunk_metadata(chunk: Chunk, ingested_at: str) -> dict[str, str | int]:
    """Chroma metadata of a chunk (Chroma has no null: a missing date is stored as '')."""
    return {
        "article_id": chunk.article_id,
        "source": chunk.source,
        "title": chunk.title,
        "section": chunk.section,
        "char_start": chunk.char_start,
        "char_end": chunk.char_end,
        "chunk_index": chunk.index,
        "date": chunk.date or "",
        "date_num": _date_number(chunk.date),
        "ingested_at": ingested_at,
    }


def chroma_where(search: SearchFilter | None) -> dict[str, Any] | None:
    """The Chroma ``where`` clause for a filter (dates compare as YYYYMMDD numbers)."""
    if search is None or search.empty:
        return None
    clauses: list[dict[str, Any]] = []
    if search.sources:
        clauses.append({"source": {"$in": list(search.sources)}})
    if search.article_ids:
        clauses.append({"article_id": {"$in": list(search.article_ids)}})
    if search.exclude_article_ids:
        clauses.append({"article_id": {"$nin": list(search.exclude_article_ids)}})
    if search.date_from or search.date_to:
        clauses.append({"date_num": {"$gt": 0}})  # an unknown date (or a year alone) is out
    if search.date_from:
        clauses.append({"date_num": {"$gte": _date_number(search.date_from)}})
    if search.date_to:
        clauses.append({"date_num": {"$lte": _date_number(search.date_to)}})
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _date_number(date: str | None) -> int:
    digits = (date or "").replace("-", "")[:8]
    return int(digits) if digits.isdigit() and len(digits) == 8 else 0


def collection_names(connect: Callable[[], ClientAPI]) -> list[str]:
    """The names of the collections that exist (for messages; empty if they cannot be read)."""
    try:
        client = connect()
    except StoreError:
        return []
    try:
        return sorted(c.name for c in client.list_collections())
    except Exception as exc:
        if not is_store_fault(exc):
            raise
        return []
    finally:
        close_client(client)


def existing(names: Sequence[str]) -> str:
    """``'a', 'b'`` or ``none``: the collections that exist, for a one-line message."""
    return ", ".join(repr(n) for n in names[:10]) or "none"


def _open_collection(
    client: ClientAPI, name: str, manifest: Manifest, create_with: str | None
) -> tuple[Collection, bool]:
    """The collection ``name`` and whether it was created now (only when ``create_with``
    gives the index id to create it with; readers never create one)."""
    try:
        collection = client.get_collection(name, embedding_function=None)
    except (NotFoundError, ValueError):
        if not create_with:
            raise StoreError(
                f"There is no collection {name!r} in Chroma (it has: "
                f"{existing(collection_names(lambda: client))}): set WENBAO_COLLECTION to the one "
                "`python -m ingest` wrote, or build this one with `python -m ingest FILES`."
            ) from None
        return _create_collection(client, name, manifest, create_with), True
    except Exception as exc:
        if not is_store_fault(exc):
            raise
        raise to_store_error(exc, f"open collection {name!r}") from exc
    _check_manifest(collection, name, manifest)
    return collection, False


def close_client(client: ClientAPI) -> None:
    """Close a client; an embedded one stops when no other client of its folder is open."""
    close = getattr(client, "close", None)
    try:
        if callable(close):
            close()
    except Exception as exc:
        if not is_store_fault(exc):
            raise


def _create_collection(
    client: ClientAPI, name: str, manifest: Manifest, index_id: str
) -> Collection:
    try:
        return client.create_collection(
            name,
            metadata=manifest.as_metadata(index_id),
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine"}},
        )
    except (InvalidArgumentError, ValueError) as exc:
        raise StoreError(
            f"Cannot create collection {name!r} ({short(exc)}): names take 3-512 characters "
            "from a-z, 0-9, '.', '_', '-'."
        ) from None
    except Exception as exc:
        if not is_store_fault(exc):
            raise
        raise to_store_error(exc, f"create collection {name!r}") from exc


def _check_manifest(collection: Collection, name: str, manifest: Manifest) -> None:
    found = dict(collection.metadata or {})
    model, dimension = found.get("embedding_model"), found.get("dimension")
    if model == manifest.embedding_model and dimension == manifest.dimension:
        return
    raise IndexMismatchError(
        f"Collection {name!r} was built with embedding model {model!r} ({dimension} dims) but "
        f"the current model is {manifest.embedding_model!r}: set WENBAO_EMBEDDING_MODEL={model} "
        "or rebuild with `python -m ingest PATH --reset`."
    )
