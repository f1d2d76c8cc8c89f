"""The one error family of WenBao.

Every error a user can cause is a ``WenBaoError`` whose message says what was wrong and
what to do, in one line. Only the CLIs and ``app.py`` turn them into printed messages.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "EmbeddingError",
    "IndexMismatchError",
    "IngestError",
    "LoadError",
    "RetrievalError",
    "StoreError",
    "WenBaoError",
]


class WenBaoError(Exception):
    """Base of every error WenBao raises on purpose."""


class ConfigError(WenBaoError):
    """A setting (environment variable or CLI flag) is missing or malformed."""


class IngestError(WenBaoError):
    """Ingesting files failed as a whole (a single bad file is skipped instead)."""


class LoadError(IngestError):
    """One file could not be read; the message is the skip reason shown to the user."""


class EmbeddingError(WenBaoError):
    """The embedding model could not be loaded or run."""


class StoreError(WenBaoError):
    """The index (Chroma or the keyword ledger beside it) could not be opened or written."""


class IndexMismatchError(StoreError):
    """The index was built with other settings (embedding model, schema) than the current ones."""


class RetrievalError(WenBaoError):
    """A question could not be answered for a reason the user can fix."""
