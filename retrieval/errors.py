"""The one error family of WenBao.

Every error a user can cause is a ``WenBaoError`` whose message says what was wrong and
what to do, in one line. Only the CLIs and ``app.py`` turn them into printed messages.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "ConfigError",
    "EmbeddingError",
    "IndexMismatchError",
    "IngestError",
    "LoadError",
    "RetrievalError",
    "SkipCode",
    "StoreError",
    "WenBaoError",
]


class WenBaoError(Exception):
    """Base of every error WenBao raises on purpose."""


class ConfigError(WenBaoError):
    """A setting (environment variable or CLI flag) is missing or malformed."""


class IngestError(WenBaoError):
    """Ingesting files failed as a whole (a single bad file is skipped instead)."""


SkipCode = Literal[
    "missing",
    "unsupported",
    "too_large",
    "permission",
    "unreadable",
    "empty",
    "binary",
    "corrupt",
    "password",
    "no_text",
    "no_records",
    "too_short",
    "duplicate",
]
"""Why a file was skipped, for interfaces that word it themselves (the Chinese UI)."""


class LoadError(IngestError):
    """One file could not be read; the message is the skip reason shown to the user.

    ``code`` says the same in a word, so an interface in another language can word it.
    """

    def __init__(self, message: str, code: SkipCode = "unreadable") -> None:
        super().__init__(message)
        self.code: SkipCode = code


class EmbeddingError(WenBaoError):
    """The embedding model could not be loaded or run."""


class StoreError(WenBaoError):
    """The index (Chroma or the keyword ledger beside it) could not be opened or written."""


class IndexMismatchError(StoreError):
    """The index was built with other settings (embedding model, schema) than the current ones."""


class RetrievalError(WenBaoError):
    """A question could not be answered for a reason the user can fix."""
