"""Which files an ingest meets, and which it refuses before reading a byte of them.

``iter_files`` walks folders (hidden entries left out, symlinked folders not followed) and
yields, besides regular files, what cannot be used but must be reported: dangling symbolic
links, link loops and folders that cannot be listed. ``check_file`` then refuses a path by
``stat`` alone (unreachable, a folder, an unsupported suffix, too large), so that a 3 GB
video is skipped without being read.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path

from retrieval.errors import LoadError
from retrieval.settings import DEFAULT_MAX_FILE_MB, MB

__all__ = [
    "DEFAULT_MAX_BYTES",
    "KIND_BY_SUFFIX",
    "SUPPORTED_SUFFIXES",
    "check_file",
    "iter_files",
]

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".pdf", ".jsonl"}
)
DEFAULT_MAX_BYTES = DEFAULT_MAX_FILE_MB * MB
KIND_BY_SUFFIX = {s: {".markdown": "md", ".htm": "html"}.get(s, s[1:]) for s in SUPPORTED_SUFFIXES}
"""The loader kind of each supported suffix (``.htm`` is ``html``)."""


def iter_files(paths: Sequence[Path]) -> Iterator[Path]:
    """Yield every regular file under ``paths`` in a stable order, supported or not.

    Unsupported files are yielded too so that the caller can report them as skipped, and so
    are dangling symbolic links, link loops and folders that cannot be listed (``check_file``
    says why each is skipped). Hidden entries (name starting with ``.``) inside directories
    are left out.

    Raises:
        LoadError: a given path does not exist (or is neither a file nor a directory).
    """
    for path in paths:
        try:
            is_dir = path.is_dir()
        except OSError:  # inside a folder we may not enter: reported by check_file
            yield path
            continue
        if is_dir:
            yield from _walk(path)
        elif path.is_file() or path.is_symlink():
            yield path
        else:
            raise LoadError(
                f"{path} does not exist (or is not a file/folder); check the path", "missing"
            )


def _walk(directory: Path) -> Iterator[Path]:
    """Recurse depth-first in name order; symlinked directories are not followed (no cycles).

    A folder that cannot be listed is yielded itself, and so is a symbolic link that leads
    nowhere (dangling, or a loop), so that the caller reports them as skipped.
    """
    try:
        entries = sorted(directory.iterdir(), key=lambda entry: entry.name)
    except OSError:
        yield directory
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir() and not entry.is_symlink():
            yield from _walk(entry)
        elif entry.is_file() or (entry.is_symlink() and not entry.exists()):
            yield entry


def check_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> int:
    """Refuse a file by its type and size before a byte of it is read; returns its size.

    Raises:
        LoadError: the path cannot be reached (``missing``, ``permission``, ``unreadable``),
            is a folder that cannot be listed, has an unsupported suffix, or is too large.
    """
    try:
        info = path.stat()
    except OSError as exc:
        raise _stat_error(exc, path) from None
    if stat.S_ISDIR(info.st_mode):
        raise _folder_error(path)
    if path.suffix.lower() not in KIND_BY_SUFFIX:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise LoadError(
            f"unsupported file type {path.suffix or '(none)'!r}; use one of {supported}",
            "unsupported",
        )
    if info.st_size > max_bytes:
        raise LoadError(
            f"file is {info.st_size:,} bytes, over the {max_bytes:,}-byte limit; split it up",
            "too_large",
        )
    return info.st_size


def _folder_error(path: Path) -> LoadError:
    """The skip reason for a folder met where a file was expected (one we cannot list)."""
    try:
        os.scandir(path).close()
    except PermissionError:
        return LoadError(
            "permission denied: cannot open the folder; make it readable", "permission"
        )
    except OSError as exc:
        return LoadError(f"cannot read the folder ({exc.strerror}); check it", "unreadable")
    return LoadError("cannot read a folder as a file; check the path", "unreadable")


def _stat_error(exc: OSError, path: Path) -> LoadError:
    """The skip reason for a path that cannot even be looked at."""
    if isinstance(exc, PermissionError):
        return LoadError("permission denied; make it and its folders readable", "permission")
    if exc.errno == errno.ELOOP:
        return LoadError("symbolic link loop; point the link at a real file", "unreadable")
    if isinstance(exc, FileNotFoundError):
        found = f"dangling symbolic link (to {os.readlink(path)})" if path.is_symlink() else ""
        found = found or "file not found"
        return LoadError(f"{found}; fix or remove it", "missing")
    return LoadError(f"cannot read file ({exc.strerror or exc}); check the path", "unreadable")
