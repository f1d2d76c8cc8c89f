"""The ingest pipeline: files → sources → articles → chunks → index, file by file.

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ingest.chunking import ChunkSettings, chunk_article
from ingest.loaders import DEFAULT_MAX_BYTES, check_file, iter_files, load_file
from ingest.segment import SEGMENTATION_VERSION, segment
from ingest.types import Article, SourceText
from retrieval.errors import ConfigError, LoadError, SkipCode
from retrieval.index import SCHEMA_VERSION, Index, RepairReport, WriteResult
from retrieval.settings import Settings
from retrieval.text.dates import iso_date
from retrieval.text.instructions import count_instructions
from retrieval.types import ArticleText, Chunk

__all__ = ["IngestOptions", "IngestSummary", "Skipped", "ingest_paths", "source_key"]


@dataclass(frozen=True)
class Skipped:
    """A file that was not ingested, and why (one line, for the summary)."""

    path: str
    reason: str
    code: SkipCode = "unreadable"


@dataclass(frozen=True)
class IngestOptions:
    """How to ingest: chunking, size limit, pruning, a given date and progress callbacks.

    ``date`` (``YYYY-MM-DD``, ``--date``) is the publication date of every article of the
    files of this run (origin ``given``); the index keeps it for those files, so a later
    ingest without it does not undo it.

    Raises:
        ConfigError: ``date`` is not a possible ``YYYY-MM-DD`` date.
    """

    chunking: ChunkSettings = field(default_factory=ChunkSettings)
    max_bytes: int = DEFAULT_MAX_BYTES
    prune: bool = False
    on_file: Callable[[Path], object] | None = None
    on_embedded: Callable[[int], object] | None = None
    date: str | None = None

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


@dataclass
class _Tally:
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
    """
    options = options or IngestOptions()
    started = time.perf_counter()
    files = list(iter_files(paths))
    tally = _Tally()
    with index.writing():
        try:
            repaired = index.repair()
            for path in files:
                if options.on_file:
                    options.on_file(path)
                _ingest_file(path, index, options, tally)
            if options.prune:
                tally.removed += _prune(index)
        except KeyboardInterrupt:
            index.repair()  # one id space again before the lock goes; the rerun finishes
            raise
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


def _ingest_file(path: Path, index: Index, options: IngestOptions, tally: _Tally) -> None:
    key = source_key(path)
    try:
        check_file(path, options.max_bytes)  # type and size first, before reading a byte
        if options.date:
            index.set_source_date(key, options.date)  # kept: applied to every later write
        fingerprint = _fingerprint(path, options)
        if index.fingerprint(key) == fingerprint:
            _count_unchanged(index, key, tally)
            return
        sources = [
            dataclasses.replace(s, source=key) for s in load_file(path, max_bytes=options.max_bytes)
        ]
    except LoadError as exc:
        tally.skipped.append(Skipped(str(path), str(exc), exc.code))
        tally.removed += index.remove_source(key) if index.fingerprint(key) is not None else 0
        return
    articles, chunks = _articles_and_chunks(sources, options.chunking)
    tally.instructions += sum(count_instructions(source.text) for source in sources)
    result = index.write_source(key, fingerprint, articles, chunks, options.on_embedded)
    tally.count(len(articles), result)


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


def _count_unchanged(index: Index, key: str, tally: _Tally) -> None:
    info = next((s for s in index.sources() if s.source == key), None)
    if info:
        tally.count(info.articles, WriteResult(0, info.chunks, 0))


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
