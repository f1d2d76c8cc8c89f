"""WenBao's ingest package: files → articles → number-safe chunks → the index.

The public API is importable from here (``from ingest import ingest_paths, IngestOptions``).
Names are resolved on first use, so importing the package loads no parser or model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ingest.chunking import ChunkSettings, chunk_article, chunk_articles
    from ingest.loaders import SUPPORTED_SUFFIXES, iter_files, load_file
    from ingest.pipeline import IngestOptions, IngestSummary, Skipped, ingest_paths
    from ingest.types import Article, Paragraph, SourceText
    from ingest.uploads import UploadReport, ingest_uploads, remove_source

_HOMES = {
    "ChunkSettings": "chunking",
    "chunk_article": "chunking",
    "chunk_articles": "chunking",
    "SUPPORTED_SUFFIXES": "loaders",
    "iter_files": "loaders",
    "load_file": "loaders",
    "IngestOptions": "pipeline",
    "IngestSummary": "pipeline",
    "Skipped": "pipeline",
    "ingest_paths": "pipeline",
    "Article": "types",
    "Paragraph": "types",
    "SourceText": "types",
    "UploadReport": "uploads",
    "ingest_uploads": "uploads",
    "remove_source": "uploads",
}

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Article",
    "ChunkSettings",
    "IngestOptions",
    "IngestSummary",
    "Paragraph",
    "Skipped",
    "SourceText",
    "UploadReport",
    "chunk_article",
    "chunk_articles",
    "ingest_paths",
    "ingest_uploads",
    "iter_files",
    "load_file",
    "remove_source",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'ingest' has no attribute {name!r}")
    return getattr(importlib.import_module(f"ingest.{home}"), name)
