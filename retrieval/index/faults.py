"""Faults of Chroma, SQLite and the HTTP client, mapped to one-line ``StoreError``s.

The index layer is the only I/O, so it is where every store fault becomes one error family
(as httpx maps its transport errors to one): what failed, where, and what to do. Callers
above see ``StoreError`` only, never a chromadb, sqlite3 or httpx exception.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from chromadb.errors import ChromaError, NotFoundError

from retrieval.errors import StoreError

__all__ = ["is_connection_fault", "is_store_fault", "short", "store_errors", "to_store_error"]

# The HTTP client chromadb uses; named, not imported (only the answer layer imports httpx).
_TRANSPORT_MODULES = ("httpx", "httpcore")
_CONNECTION = "start the Chroma server (or fix CHROMA_HOST/CHROMA_PORT), then try again."
_ADVICE = (
    (("could not connect", "connection refused"), _CONNECTION),
    (("locked", "busy"), "another program is using it: wait for it to finish, then try again."),
    (
        ("readonly", "read-only", "permission denied", "not permitted"),
        "make the index folder writable, then try again.",
    ),
    (
        ("not a database", "malformed", "corrupt"),
        "the index is damaged: rebuild it with `python -m ingest FILES --reset`.",
    ),
    (("disk i/o", "no space", "disk is full"), "check the disk (free space, errors), then retry."),
)
_GONE = "the collection was removed (by `--reset`?): ask again, or re-ingest."
_OTHER = "try again; if it keeps failing, rebuild it with `python -m ingest FILES --reset`."


def is_connection_fault(exc: BaseException) -> bool:
    """Did talking to a Chroma server fail (refused, reset, timed out)?"""
    if isinstance(exc, ConnectionError | TimeoutError):
        return True
    return any(cls.__module__.split(".")[0] in _TRANSPORT_MODULES for cls in type(exc).__mro__)


def is_store_fault(exc: BaseException) -> bool:
    """Is ``exc`` a failure of a store (rather than a bug, or a Ctrl-C)?"""
    if isinstance(exc, StoreError) or not isinstance(exc, Exception):
        return False
    store_types = (ChromaError, sqlite3.Error, OSError, ValueError, RuntimeError)
    return isinstance(exc, store_types) or is_connection_fault(exc)


def to_store_error(exc: BaseException, failed: str) -> StoreError:
    """``StoreError("Could not <failed> (<cause>): <what to do>")``, one line."""
    return StoreError(f"Could not {failed} ({short(exc)}): {_advice(exc)}")


@contextmanager
def store_errors(failed: str) -> Iterator[None]:
    """Turn store faults raised in the block into ``StoreError`` (see ``to_store_error``)."""
    try:
        yield
    except Exception as exc:
        if not is_store_fault(exc):
            raise
        raise to_store_error(exc, failed) from exc


def short(exc: BaseException) -> str:
    """The first line of an exception's message (or its type), at most 200 characters."""
    lines = str(exc).strip().splitlines()
    return lines[0][:200] if lines else type(exc).__name__


def _advice(exc: BaseException) -> str:
    if is_connection_fault(exc):
        return _CONNECTION
    if isinstance(exc, NotFoundError):
        return _GONE
    text = str(exc).lower()
    return next((advice for words, advice in _ADVICE if any(w in text for w in words)), _OTHER)
