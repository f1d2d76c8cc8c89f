"""The ingest pipeline: files → sources → articles → chunks → index.

A producer thread (``ingest.producer``) walks the files, checks them, fingerprints, loads,
segments and chunks them, while the calling thread embeds and writes what it has prepared
(``ingest.batching``): reading and chunking overlap with embedding, and the new chunks of
many small files are embedded together. At most ``QUEUE_CHUNKS`` prepared chunks wait, so
memory stays flat on an archive of any size. Only the calling thread touches the index.

Incremental by fingerprint: a file whose bytes, chunking settings and ingest rules
(``SEGMENTATION_VERSION``) are unchanged since its last complete ingest is not even read
again; a changed file has only its new chunks embedded. One bad file is skipped with a
reason and never stops the run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ingest.batching import (
    QUEUE_CHUNKS,
    Batcher,
    Entry,
    IngestProgress,
    Prepared,
    Refused,
    Skipped,
    Unchanged,
)
from ingest.chunking import ChunkSettings, chunk_article
from ingest.loaders import DEFAULT_MAX_BYTES, check_file, iter_files, load_file
from ingest.producer import Producer
from ingest.segment import SEGMENTATION_VERSION, segment
from ingest.types import Article, SourceText
from retrieval.errors import ConfigError, LoadError
from retrieval.index import SCHEMA_VERSION, Index, RepairReport
from retrieval.settings import Settings
from retrieval.text.dates import iso_date
from retrieval.text.instructions import count_instructions
from retrieval.types import ArticleText, Chunk

__all__ = [
    "READER_THREAD",
    "IngestOptions",
    "IngestProgress",
    "IngestSummary",
    "Skipped",
    "ingest_paths",
    "source_key",
]

READER_THREAD = "wenbao-ingest-read"
"""The name of the thread that reads, cleans and chunks files ahead of embedding."""


@dataclass(frozen=True)
class IngestOptions:
    """How to ingest: chunking, size limit, pruning, a given date and progress callbacks.

    ``date`` (``YYYY-MM-DD``, ``--date``) is the publication date of every article of the
    files of this run (origin ``given``); the index keeps it for those files, so a later
    ingest without it does not undo it. Callbacks run in the calling thread: ``on_file``
    as each file is taken up (in order), ``on_embedded`` with the number of new chunks of
    each write batch stored, ``on_progress`` after each file and write batch.

    Raises:
        ConfigError: ``date`` is not a possible ``YYYY-MM-DD`` date.
    """

    chunking: ChunkSettings = field(default_factory=ChunkSettings)
    max_bytes: int = DEFAULT_MAX_BYTES
    prune: bool = False
    on_file: Callable[[Path], object] | None = None
    on_embedded: Callable[[int], object] | None = None
    date: str | None = None
    on_progress: Callable[[IngestProgress], object] | None = None

    def __post_init__(self) -> None:
        if self.date is not None and iso_date(self.date) is None:
            raise ConfigError(
                f"--date must be a date as YYYY-MM-DD (for example 2022-10-20), not {self.date!r}"
            )

    @classmethod
    def from_settings(cls, settings: Settings, **changes: object) -> IngestOptions:
        """The chunking and size limit of ``settings``, with other fields from ``changes``."""
        chunking = ChunkSettings(settings.chunk_max_tokens, settings.chunk_overlap_sentences)
        return cls(chunking=chunking, max_bytes=settings.max_bytes, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class IngestSummary:
    """What a run did; ``as_json`` is the CLI's ``--json`` contract.

    ``repaired``: what the run first had to fix after an earlier interrupted one.
    ``instructions``: sentences addressing a model (「忽略以上指令…」) in the files read by
    this run; they are stored but never quoted as answers.
    """

    files: int
    articles: int
    chunks_added: int
    chunks_unchanged: int
    chunks_removed: int
    skipped: tuple[Skipped, ...]
    seconds: float
    repaired: RepairReport = field(default_factory=RepairReport)
    instructions: int = 0

    def as_json(self) -> dict[str, object]:
        data = dataclasses.asdict(self)
        data["seconds"] = round(self.seconds, 3)
        data["repaired"] = self.repaired.counts()
        return data


def source_key(path: Path) -> str:
    """The name a file is recorded under: its absolute path, however it was given.

    The same as ``Path.resolve``, but a symbolic link loop does not raise.
    """
    return os.path.realpath(path)


def ingest_paths(
    paths: Sequence[Path], index: Index, options: IngestOptions | None = None
) -> IngestSummary:
    """Ingest files and folders into ``index``; see the module docstring.

    Raises:
        LoadError: a given path does not exist (nothing is written then).
        StoreError: the index cannot be written, or another ingest is writing it.
        KeyboardInterrupt: passed on after the index is repaired (consistent again).
        Exception: an unexpected fault while preparing a file, raised again here.
    """
    options = options or IngestOptions()
    started = time.perf_counter()
    files = list(iter_files(paths))
    with index.writing():
        try:
            repaired = index.repair()
            batcher = _write_all(files, index, options, started)
            if options.prune:
                batcher.tally.removed += _prune(index)
        except KeyboardInterrupt:
            index.repair()  # one id space again before the lock goes; the rerun finishes
            raise
    tally = batcher.tally
    return IngestSummary(
        files=len(files),
        articles=tally.articles,
        chunks_added=tally.added,
        chunks_unchanged=tally.unchanged,
        chunks_removed=tally.removed,
        skipped=tuple(tally.skipped),
        seconds=time.perf_counter() - started,
        repaired=repaired,
        instructions=tally.instructions,
    )


def _write_all(files: list[Path], index: Index, options: IngestOptions, started: float) -> Batcher:
    """Prepare ``files`` in a producer thread and write them here, in order."""
    batcher = Batcher(index, options, started)
    prepared = _prepare_all(files, index.fingerprints(), options)
    with Producer(prepared, QUEUE_CHUNKS, _weight, name=READER_THREAD) as producer:
        batcher.expect(len(files), sum(map(_size_to_read(options.max_bytes), files)))
        for entry in producer:
            batcher.take(entry, idle=producer.idle())
        batcher.flush()
    return batcher


def _weight(entry: Entry) -> int:
    return len(entry.chunks) if isinstance(entry, Prepared) else 1


def _size_to_read(max_bytes: int) -> Callable[[Path], int]:
    def size(path: Path) -> int:
        try:
            return check_file(path, max_bytes)
        except LoadError:
            return 0  # refused unread: nothing to read

    return size


def _prepare_all(
    files: list[Path], known: Mapping[str, str], options: IngestOptions
) -> Iterator[Entry]:
    """Each file made ready to write (in the producer thread: never touches the index).

    ``known``: the fingerprints recorded before the run, so an unchanged file is not read.
    """
    for path in files:
        yield _prepare(path, known, options)


def _prepare(path: Path, known: Mapping[str, str], options: IngestOptions) -> Entry:
    key = source_key(path)
    try:
        size = check_file(path, options.max_bytes)  # type and size first, before reading a byte
    except LoadError as exc:
        return Refused(path, key, 0, Skipped(str(path), str(exc), exc.code), checked=False)
    try:
        fingerprint = _fingerprint(path, options)
        if known.get(key) == fingerprint:
            return Unchanged(path, key, size)
        sources = [
            dataclasses.replace(s, source=key) for s in load_file(path, max_bytes=options.max_bytes)
        ]
    except LoadError as exc:
        return Refused(path, key, size, Skipped(str(path), str(exc), exc.code), checked=True)
    articles, chunks = _articles_and_chunks(sources, options.chunking)
    instructions = sum(count_instructions(source.text) for source in sources)
    return Prepared(path, key, size, fingerprint, articles, chunks, instructions)


def _articles_and_chunks(
    sources: list[SourceText], settings: ChunkSettings
) -> tuple[list[ArticleText], list[Chunk]]:
    texts: list[ArticleText] = []
    chunks: list[Chunk] = []
    for source in sources:
        for article in segment(source):
            texts.append(_article_text(article, source))
            chunks.extend(chunk_article(article, source.text, settings))
    return texts, chunks


def _article_text(article: Article, source: SourceText) -> ArticleText:
    a = article
    return ArticleText(
        a.article_id, source.source, a.title, a.date, source.text, a.byline, a.date_origin,
        a.date_reason,
    )  # fmt: skip


def _fingerprint(path: Path, options: IngestOptions) -> str:
    """Hash of the file's bytes (read in blocks, never whole) and of everything that decides
    its chunks: the chunking settings, the index schema and the ingest rules
    (``SEGMENTATION_VERSION``)."""
    try:
        with path.open("rb") as file:
            digest = hashlib.file_digest(file, "sha256")
    except PermissionError:
        raise LoadError(
            "permission denied; make the file readable (chmod +r)", "permission"
        ) from None
    except OSError as exc:
        raise LoadError(
            f"cannot read the file ({exc.strerror}); check the path", "unreadable"
        ) from None
    settings = options.chunking
    rules = f"|{settings.max_tokens}|{settings.overlap_sentences}|{SCHEMA_VERSION}"
    digest.update(f"{rules}|rules{SEGMENTATION_VERSION}".encode())
    return digest.hexdigest()


def _prune(index: Index) -> int:
    """Remove the chunks of every recorded source whose file no longer exists."""
    gone = [s.source for s in index.sources() if not Path(s.source).exists()]
    return sum(index.remove_source(source) for source in gone)
