"""The index, answerer and fact-checker behind the API, shared by every request thread.

A *reader* ``Index`` answers (it never takes the writer lock and follows other processes'
writes through ``Index.refresh``, which reopens its stores). Each upload or delete opens a
*writer* ``Index`` of its own (``Index.writing()``: one write at a time; a second is refused
with 409) and closes it afterwards. While the writer is open it shares the folder's embedded
Chroma system with the reader: the reader sees the new vectors at once, and its reopens do
not stop the system under a question in flight; the reader catches up before the writer
closes. (A writer kept open for good would keep that system alive, and the reader would then
never see vectors another process adds.) The reader is opened on first use: a server started
before the first ingest answers 503 until an upload creates the index.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from api.errors import ApiError
from ingest.pipeline import IngestOptions
from ingest.uploads import UploadReport, describe, ingest_uploads, remove_source, uploads_folder
from retrieval.answer.chain import Answerer
from retrieval.answer.llm import make_chat_model
from retrieval.check import FactChecker
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.settings import Settings
from retrieval.types import SourceInfo

__all__ = ["Reader", "Service", "source_id"]


def source_id(source: str) -> str:
    """A source's id in URLs: the first 12 hex digits of the SHA-1 of its recorded path."""
    return hashlib.sha1(source.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Reader:
    index: Index
    answerer: Answerer
    checker: FactChecker


class Service:
    """Opens the reader and the writer on demand; see the module docstring."""

    def __init__(
        self,
        settings: Settings,
        embeddings: WenBaoEmbeddings,
        load_embeddings: Callable[[], WenBaoEmbeddings] | None = None,
    ) -> None:
        """``load_embeddings`` makes the writers' own embedder (see ``_embedder_for_writes``);
        without it they share ``embeddings`` with the reader."""
        self.settings = settings
        self.embeddings = embeddings
        self._load_embeddings = load_embeddings
        self._writer_embeddings: WenBaoEmbeddings | None = None
        self._reader: Reader | None = None
        self._filled = False
        self._opening = threading.Lock()
        self._writing = threading.Lock()

    def reader(self) -> Reader:
        """The reader, opened on first use.

        Raises:
            StoreError: there is no index yet (or it cannot be opened).
        """
        if self._reader is not None:
            return self._reader
        with self._opening:
            if self._reader is None:
                index = Index(self.settings, self.embeddings, create=False)
                answerer = Answerer(index, chat_model=make_chat_model(self.settings))
                self._reader = Reader(index, answerer, FactChecker(index, self.settings))
            return self._reader

    def ready(self) -> Reader:
        """The reader of an index holding articles (503 while it holds none; counted until
        it holds some, and again after a delete)."""
        reader = self.reader()
        if self._filled:
            return reader
        if reader.index.stats().chunks == 0:
            raise ApiError(
                503,
                "index_empty",
                f"The index at {self.settings.where} is empty: upload articles with POST "
                "/v1/ingest (an editor key) or run `python -m ingest FILES`.",
            )
        self._filled = True
        return reader

    def sources(self) -> list[SourceInfo]:
        return self.reader().index.sources()

    def source(self, ident: str) -> str:
        """The recorded path of the source with id ``ident`` (404 when there is none)."""
        for info in self.sources():
            if source_id(info.source) == ident:
                return info.source
        raise ApiError(404, "not_found", f"There is no source {ident!r}: see GET /v1/sources.")

    def ingest(self, files: Sequence[tuple[str, bytes]]) -> UploadReport:
        """Save the uploads in the index's uploads folder and ingest them (creates the index)."""
        with self._writer(create=True) as writer:
            options = IngestOptions.from_settings(self.settings)
            summary = ingest_uploads(files, writer, uploads_folder(self.settings), options)
        return describe(summary)

    def remove(self, ident: str) -> tuple[str, int]:
        """Delete a source (and its file, if it is an upload); returns its path and chunks."""
        source = self.source(ident)
        with self._writer(create=False) as writer:
            self._filled = False
            return source, remove_source(writer, source, uploads_folder(self.settings))

    def close(self) -> None:
        with self._opening:
            if self._reader is not None:
                self._reader.index.close()
                self._reader = None

    @contextmanager
    def _writer(self, *, create: bool) -> Iterator[Index]:
        """A writer for one upload or delete: one at a time in this server (409 for a second;
        the index's own writer lock keeps out other processes), closed after the reader has
        caught up with it."""
        if not self._writing.acquire(blocking=False):
            raise ApiError(
                409,
                "busy",
                "Another ingest or delete is running on this server: try again when it is done.",
            )
        with ExitStack() as stack:
            stack.callback(self._writing.release)
            writer = Index(self.settings, self._embedder_for_writes(), create=create)
            stack.callback(writer.close)
            stack.callback(self._catch_up)  # first: while the writer holds the system open
            yield writer

    def _embedder_for_writes(self) -> WenBaoEmbeddings:
        """A second embedder, loaded on the first write: an engine embeds one batch at a time
        (a lock per instance), so sharing the reader's would hold every question's embedding
        up behind an ingest's passages."""
        if self._load_embeddings is None:
            return self.embeddings
        if self._writer_embeddings is None:
            self._writer_embeddings = self._load_embeddings()
        return self._writer_embeddings

    def _catch_up(self) -> None:
        if self._reader is not None:
            self._reader.index.refresh()
