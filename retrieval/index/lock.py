"""The writer lock of an index folder: one ingest at a time, across processes.

Two processes writing one embedded Chroma folder at once corrupt it, so a second writer is
refused at once instead of waiting. Readers never take the lock. The lock is ``flock`` on
``<index>/.write.lock``; it is re-entrant within the thread that holds it (``Index(...,
reset=True)`` holds it from the wipe until ``close``, and the ingest inside takes it again).
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from retrieval.errors import StoreError

__all__ = ["WRITE_LOCK", "WriterLock"]

WRITE_LOCK = ".write.lock"


class WriterLock:
    """The inter-process writer lock of one index folder."""

    def __init__(self, folder: Path, where: str) -> None:
        self.path = folder / WRITE_LOCK
        self._where = where
        self._guard = threading.Lock()
        self._handle: IO[str] | None = None
        self._owner: int | None = None
        self._depth = 0

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock for the ``with`` block.

        Raises:
            StoreError: another process (or thread) is writing, or the folder is not writable.
        """
        self.acquire()
        try:
            yield
        finally:
            self.release()

    def acquire(self) -> None:
        """Take the lock now (again, if this thread holds it); see ``held``."""
        with self._guard:
            if self._owner == threading.get_ident():
                self._depth += 1
                return
            if self._handle is not None:
                raise self._busy()
            self._handle = self._lock_file()
            self._owner, self._depth = threading.get_ident(), 1

    def release(self) -> None:
        """Give back one ``acquire``; the file lock goes with the last one."""
        with self._guard:
            if self._handle is None or self._owner != threading.get_ident():
                return
            self._depth -= 1
            if self._depth == 0:
                fcntl.flock(self._handle, fcntl.LOCK_UN)
                self._handle.close()
                self._handle, self._owner = None, None

    def _lock_file(self) -> IO[str]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = self.path.open("w")
        except OSError as exc:
            raise StoreError(
                f"Cannot take the writer lock {self.path} ({exc.strerror or exc}): make the "
                "index folder writable, or choose another with --index."
            ) from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise self._busy() from None
        return handle

    def _busy(self) -> StoreError:
        return StoreError(
            f"Another ingest is writing the index at {self._where}: wait for it to finish, "
            "then run this again."
        )
