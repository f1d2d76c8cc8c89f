"""Which ledger a Chroma collection belongs to: one index id kept in both.

Two index folders pointed at one collection (on a Chroma server, or a shared default name)
used to delete each other's vectors as "orphans". A collection is created with the id of the
ledger that creates it; an index whose ledger holds another id (or none, for a collection
that has one) is refused. An index from before ids adopts one on its first write, unless
its ledger is new and the collection already holds vectors (another folder's). So repair,
which runs only on a bound collection, deletes only vectors that are provably its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from chromadb.api import ClientAPI

from retrieval.errors import IndexMismatchError
from retrieval.index.ledger import Ledger
from retrieval.index.store import INDEX_ID, ChromaStore, collection_names, existing
from retrieval.settings import Settings

__all__ = ["COLLECTION", "bind", "check_collection_name"]

COLLECTION = "collection"
"""Ledger meta key: the name of the collection the index was built in."""


def bind(ledger: Ledger, store: ChromaStore, settings: Settings, *, adopt: bool) -> None:
    """Check that ``store`` belongs to ``ledger``; ``adopt`` (writers only) binds an index
    from before ids.

    Raises:
        IndexMismatchError: the collection belongs to another index folder.
    """
    ledger_id, store_id = ledger.get_meta(INDEX_ID), store.index_id()
    if store_id is not None and store_id == ledger_id:
        store.expect(store_id)
        return
    if store_id is not None and ledger_id is None and store.created:
        _record(ledger, store, settings, store_id)  # created just now, for this ledger
        return
    if store_id is not None or not _unbound_is_ours(ledger, store):
        raise _foreign(settings)
    if adopt:
        index_id = ledger_id or uuid.uuid4().hex
        _record(ledger, store, settings, index_id)  # the ledger first: a crash in between
        store.set_index_id(index_id)  # leaves an unbound collection, adopted next time


def check_collection_name(
    ledger: Ledger, settings: Settings, connect: Callable[[], ClientAPI]
) -> None:
    """Refuse a collection name other than the one the index was built in: a typo in
    WENBAO_COLLECTION must not start a second, empty collection.

    Raises:
        IndexMismatchError: naming both collections and listing those that exist.
    """
    recorded = ledger.get_meta(COLLECTION)
    if recorded is None or recorded == settings.collection:
        return
    raise IndexMismatchError(
        f"The index at {settings.index_dir} was built in collection {recorded!r}, not "
        f"{settings.collection!r} (collections in {settings.where}: "
        f"{existing(collection_names(connect))}): set WENBAO_COLLECTION={recorded}, or "
        "rebuild the index in the new collection with `python -m ingest PATH --reset`."
    )


def _record(ledger: Ledger, store: ChromaStore, settings: Settings, index_id: str) -> None:
    ledger.set_meta(INDEX_ID, index_id)
    ledger.set_meta(COLLECTION, settings.collection)
    store.expect(index_id)


def _unbound_is_ours(ledger: Ledger, store: ChromaStore) -> bool:
    """An unbound collection is adoptable unless this ledger is new and the collection
    already holds vectors (another folder's, written before index ids were kept)."""
    return any(ledger.counts()) or store.count() == 0


def _foreign(settings: Settings) -> IndexMismatchError:
    return IndexMismatchError(
        f"Collection {settings.collection!r} in {settings.where} belongs to another index "
        f"folder, not to the index at {settings.index_dir}: set WENBAO_COLLECTION to another "
        "name, point --index at the folder that built it, or rebuild it from this folder "
        "with --reset (which deletes the other folder's vectors)."
    )
