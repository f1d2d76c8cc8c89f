"""Files uploaded in the app: saved under the index folder, then ingested like any other file.

Uploads are kept (in ``<index>/uploads/``) because a source is recorded by its path and
citations point into that file; ``--prune`` and re-ingests look at it again. Names come
from the browser, so they are cut down to a safe base name before anything touches the
disk. An upload never overwrites a file: one with the name of an earlier upload but other
bytes is kept beside it as ``新闻 (2).txt``, and one with the very same bytes is the same
file, reported as ``duplicate`` and not saved again. A file that cannot be ingested is
reported with its reason and removed again, so the folder holds only what the index holds;
the other files still go in.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ingest.loaders import SUPPORTED_SUFFIXES
from ingest.pipeline import IngestOptions, IngestSummary, Skipped, ingest_paths
from retrieval.index import Index
from retrieval.settings import Settings

__all__ = [
    "UPLOAD_TYPES",
    "UploadReport",
    "describe",
    "ingest_uploads",
    "remove_source",
    "safe_name",
    "uploads_folder",
]

UPLOAD_FOLDER = "uploads"
UPLOAD_TYPES: tuple[str, ...] = tuple(sorted(s.lstrip(".") for s in SUPPORTED_SUFFIXES))
MAX_NAME_CHARS = 120

_UNSAFE = re.compile(r"[^\w.()（）\- ]+")
_REPEATS = re.compile(r"_{2,}")

Progress = Callable[[float, str], object]


@dataclass(frozen=True)
class UploadReport:
    """What came of an upload, as data for an interface to word (the app words it in Chinese).

    ``ingested`` files went in; each of ``skipped`` did not, with its ``SkipCode``.
    """

    ingested: int
    articles: int
    chunks_added: int
    chunks_unchanged: int
    skipped: tuple[Skipped, ...]


def uploads_folder(settings: Settings) -> Path:
    """Where uploaded files are kept: beside the ledger, in the index folder."""
    return settings.index_dir / UPLOAD_FOLDER


def safe_name(name: str) -> str:
    """A base file name that cannot leave the folder, hide itself or upset a file system.

    Path parts are dropped (both separators), characters other than letters (any script),
    digits, ``.-_()`` and spaces become ``_``, leading dots go, and long names are cut
    keeping the extension. An empty result becomes ``upload``.
    """
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name))[-1]
    base = _REPEATS.sub("_", _UNSAFE.sub("_", base)).strip(" ._")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = suffix[:16]
    stem = stem.strip(" ._")[: MAX_NAME_CHARS - len(suffix) - 1] or "upload"
    return f"{stem}.{suffix}" if suffix else stem


def ingest_uploads(
    files: Sequence[tuple[str, bytes]],
    index: Index,
    folder: Path,
    options: IngestOptions | None = None,
    progress: Progress | None = None,
) -> IngestSummary:
    """Save ``(name, bytes)`` uploads in ``folder`` and ingest them; see the module docstring.

    ``progress(fraction, file_name)`` is called as each file starts and once at the end.

    Raises:
        StoreError: the index cannot be written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    saved, failed = _save(files, folder)
    summary = _ingest(saved, index, options or IngestOptions(), progress)
    for skipped in summary.skipped:
        Path(skipped.path).unlink(missing_ok=True)
    if progress:
        progress(1.0, "")
    return dataclasses.replace(
        summary, files=summary.files + len(failed), skipped=(*failed, *summary.skipped)
    )


def remove_source(index: Index, source: str, folder: Path) -> int:
    """Delete a source from the index, and its file too when it is one of our uploads.

    Raises:
        StoreError: an ingest is writing the index right now.
    """
    with index.writing():
        removed = index.remove_source(source)
    path = Path(source)
    if path.parent.resolve() == folder.resolve():
        path.unlink(missing_ok=True)
    return removed


def describe(summary: IngestSummary) -> UploadReport:
    """The outcome of an upload: how much went in, and each file that did not (by name)."""
    skipped = tuple(dataclasses.replace(s, path=Path(s.path).name) for s in summary.skipped)
    return UploadReport(
        ingested=summary.files - len(skipped),
        articles=summary.articles,
        chunks_added=summary.chunks_added,
        chunks_unchanged=summary.chunks_unchanged,
        skipped=skipped,
    )


def _save(files: Sequence[tuple[str, bytes]], folder: Path) -> tuple[list[Path], list[Skipped]]:
    saved: list[Path] = []
    failed: list[Skipped] = []
    for name, data in files:
        try:
            path = _place(folder / safe_name(name), data)
        except OSError as exc:
            reason = f"cannot save the upload ({exc.strerror}); try again"
            failed.append(Skipped(name, reason, "unreadable"))
            continue
        if isinstance(path, Skipped):
            failed.append(path)
        else:
            saved.append(path)
    return saved, failed


def _place(path: Path, data: bytes) -> Path | Skipped:
    """Write ``data`` at ``path``, or at ``name (2).ext`` and so on if that name is taken.

    Never overwrites: a taken name holding the very same bytes is the same file, reported
    as a ``duplicate`` (not saved again); otherwise the next free number is used.

    Raises:
        OSError: the file cannot be written.
    """
    for number in itertools.count(1):
        suffix = f" ({number})" if number > 1 else ""
        candidate = path.with_name(f"{path.stem}{suffix}{path.suffix}")
        try:
            with candidate.open("xb") as file:  # "x": fails if it exists, never overwrites
                file.write(data)
        except FileExistsError:
            if candidate.is_file() and candidate.read_bytes() == data:
                reason = f"the same file as the upload {candidate.name}, already in the index"
                return Skipped(path.name, reason, "duplicate")
            continue
        except OSError:
            candidate.unlink(missing_ok=True)  # nothing half-written stays (a full disk)
            raise
        return candidate
    raise AssertionError("unreachable")  # pragma: no cover


def _ingest(
    paths: list[Path], index: Index, options: IngestOptions, progress: Progress | None
) -> IngestSummary:
    if not paths:
        return IngestSummary(0, 0, 0, 0, 0, (), 0.0)
    started = [0]

    def on_file(path: Path) -> None:
        if progress:
            progress(started[0] / len(paths), path.name)
        started[0] += 1

    return ingest_paths(paths, index, dataclasses.replace(options, on_file=on_file))
