"""The writing side of ingest: prepared files into the index, their new chunks embedded together.

Files are taken in order from the producer (``ingest.producer``), each already read, cleaned
and chunked. The new chunks of consecutive files (those the index does not hold yet) are
gathered into a group until it holds ``GROUP_CHUNKS`` of them, or until nothing more is
ready, and embedded in one call; then each file of the group is written in order, with the
crash-safe order of ``Index.write_source``. So a folder of many small files is embedded in
calls as large as one big file's. The first group is small (``FIRST_GROUP_CHUNKS``) and each
next one twice as large, up to ``GROUP_CHUNKS``: the first chunks are stored within seconds.

A file with more than ``GROUP_CHUNKS`` new chunks is written on its own and embedded as it is
written, one write batch at a time, so a run killed in the middle of it keeps the batches
written. The sources of a group are marked pending before it is embedded: a run stopped
meanwhile leaves them to be read again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING

from retrieval.errors import SkipCode
from retrieval.index import Index, WriteResult
from retrieval.index.index import SourceWrite, Vector
from retrieval.types import ArticleText, Chunk

if TYPE_CHECKING:
    from ingest.pipeline import IngestOptions

__all__ = [
    "FIRST_GROUP_CHUNKS",
    "GROUP_CHUNKS",
    "QUEUE_CHUNKS",
    "Batcher",
    "Entry",
    "IngestProgress",
    "Prepared",
    "Refused",
    "Skipped",
    "Unchanged",
    "token_counter",
]

GROUP_CHUNKS = 256
"""New chunks embedded in one call (the engines sort them by length and batch them)."""
FIRST_GROUP_CHUNKS = 32
QUEUE_CHUNKS = 2 * GROUP_CHUNKS
"""Chunks of prepared files that may wait for the writer: enough for the next group."""


@dataclass(frozen=True)
class Skipped:
    """A file that was not ingested, and why (one line, for the summary)."""

    path: str
    reason: str
    code: SkipCode = "unreadable"


@dataclass(frozen=True)
class Prepared:
    """A file read, cleaned and chunked, to be written under ``key``."""

    path: Path
    key: str
    size: int
    fingerprint: str
    articles: list[ArticleText]
    chunks: list[Chunk]
    instructions: int


@dataclass(frozen=True)
class Unchanged:
    """A file whose fingerprint is the one recorded: not read again."""

    path: Path
    key: str
    size: int


@dataclass(frozen=True)
class Refused:
    """A file that cannot be ingested; ``checked``: it passed the type and size check."""

    path: Path
    key: str
    size: int
    skipped: Skipped
    checked: bool


Entry = Prepared | Unchanged | Refused


@dataclass(frozen=True)
class IngestProgress:
    """How far a run is, after each file and each write batch (for progress bars).

    ``bytes_total`` is the size of the files this run reads: it shrinks as unchanged and
    unusable files are met, so ``bytes_done / bytes_total`` gives an honest ETA. ``tokens``
    are the embedding tokens of the chunks embedded so far (``token_counter``).
    """

    files: int
    files_total: int
    bytes_done: int
    bytes_total: int
    articles: int
    chunks: int
    chunks_added: int
    tokens: int
    seconds: float


@dataclass
class Tally:
    """What a run did so far, in the numbers of its summary."""

    articles: int = 0
    added: int = 0
    unchanged: int = 0
    removed: int = 0
    instructions: int = 0
    skipped: list[Skipped] = field(default_factory=list)

    def count(self, articles: int, result: WriteResult) -> None:
        self.articles += articles
        self.added += result.added
        self.unchanged += result.unchanged
        self.removed += result.removed


def token_counter(embeddings: object) -> Callable[[str], int]:
    """The embedder's ``token_count`` (tokens it feeds for a passage), else characters."""
    counter = getattr(embeddings, "token_count", None)
    return counter if callable(counter) else len


def _text(chunk: Chunk) -> str:
    return chunk.embed_text or chunk.text


@dataclass
class _Progress:
    files: int = 0
    bytes_done: int = 0
    bytes_total: int = 0
    tokens: int = 0
    partial_chunks: int = 0
    partial_bytes: int = 0


class Batcher:
    """Write the entries of a run into ``index`` in order (the caller holds its writer lock).

    ``files_total`` and ``bytes_total`` (``expect``) are for progress only.
    """

    def __init__(self, index: Index, options: IngestOptions, started: float) -> None:
        self.index = index
        self.options = options
        self.tally = Tally()
        self._started = started
        self._known = {info.source: info for info in index.sources()}
        self._count_tokens = token_counter(index.embeddings)
        self._group: list[tuple[Prepared, list[Chunk]]] = []
        self._target = FIRST_GROUP_CHUNKS
        self._files_total = 0
        self._progress = _Progress()

    def expect(self, files: int, size: int) -> None:
        """The number of files of the run and the bytes of those it will read."""
        self._files_total = files
        self._progress.bytes_total = size
        self._report()

    def take(self, entry: Entry, *, idle: bool) -> None:
        """Handle the next file; ``idle``: nothing more is ready, so embed what is gathered."""
        if any(item.key == entry.key for item, _ in self._group):
            self.flush()  # the same file met twice: written once before it is met again
        if self.options.on_file:
            self.options.on_file(entry.path)
        if self.options.date and not (isinstance(entry, Refused) and not entry.checked):
            self.index.set_source_date(entry.key, self.options.date)
        if isinstance(entry, Prepared):
            self._gather(entry)
        else:
            self._pass(entry)
        if self._group and (idle or sum(len(new) for _, new in self._group) >= self._target):
            self.flush()

    def flush(self) -> None:
        """Embed the new chunks of the files gathered in one call, then write them in order."""
        group, self._group = self._group, []
        if not group:
            return
        for item, new in group:
            if new:
                self.index.mark_pending(item.key)
        vectors = self._embed([chunk for _, new in group for chunk in new])
        self._write([item for item, _ in group], vectors)
        self._target = min(2 * self._target, GROUP_CHUNKS)

    def _gather(self, item: Prepared) -> None:
        new = self.index.new_chunks(item.key, item.chunks)
        if len(new) <= GROUP_CHUNKS:
            self._group.append((item, new))
            return
        self.flush()
        self._write([item], {}, on_batch=self._batch_counter(item, new))

    def _pass(self, entry: Unchanged | Refused) -> None:
        """An unchanged file counts its stored chunks; a refused one loses them."""
        self._progress.files += 1
        self._progress.bytes_total -= entry.size
        if isinstance(entry, Unchanged):
            info = self._known.get(entry.key)
            if info:
                self.tally.count(info.articles, WriteResult(0, info.chunks, 0))
        else:
            self.tally.skipped.append(entry.skipped)
            if self.index.fingerprint(entry.key) is not None:
                self.tally.removed += self.index.remove_source(entry.key)
        self._report()

    def _embed(self, chunks: list[Chunk]) -> dict[str, Vector]:
        self._progress.tokens += sum(map(self._count_tokens, {_text(c) for c in chunks}))
        return self.index.embed_chunks(chunks)

    def _write(
        self,
        items: list[Prepared],
        vectors: dict[str, Vector],
        on_batch: Callable[[int], object] | None = None,
    ) -> None:
        def embedded(count: int) -> None:
            if on_batch:
                on_batch(count)
            if self.options.on_embedded:
                self.options.on_embedded(count)

        writes = [SourceWrite(i.key, i.fingerprint, i.articles, i.chunks) for i in items]
        results = self.index.write_sources(writes, embedded, vectors=vectors)
        progress = self._progress
        for item, result in zip(items, results, strict=True):
            self.tally.count(len(item.articles), result)
            self.tally.instructions += item.instructions
            progress.files += 1
            progress.bytes_done += item.size
        progress.partial_chunks = progress.partial_bytes = 0
        self._report()

    def _batch_counter(self, item: Prepared, new: list[Chunk]) -> Callable[[int], None]:
        """Progress within a large file: the tokens and share of bytes of each write batch
        (``write_source`` writes its new chunks in their order)."""
        tokens = list(accumulate(self._count_tokens(_text(c)) for c in new))
        progress = self._progress

        def on_batch(count: int) -> None:
            before = progress.partial_chunks
            progress.partial_chunks += count
            progress.tokens += tokens[progress.partial_chunks - 1] - (
                tokens[before - 1] if before else 0
            )
            progress.partial_bytes = item.size * progress.partial_chunks // len(new)
            self._report()

        return on_batch

    def _report(self) -> None:
        if not self.options.on_progress:
            return
        p, tally = self._progress, self.tally
        self.options.on_progress(
            IngestProgress(
                files=p.files,
                files_total=self._files_total,
                bytes_done=p.bytes_done + p.partial_bytes,
                bytes_total=p.bytes_total,
                articles=tally.articles,
                chunks=tally.added + tally.unchanged + p.partial_chunks,
                chunks_added=tally.added + p.partial_chunks,
                tokens=p.tokens,
                seconds=time.perf_counter() - self._started,
            )
        )
