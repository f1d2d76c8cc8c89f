"""A producer thread that works ahead of its consumer, never more than a bounded amount.

Ingest reads, cleans and chunks files in this thread while the calling thread embeds and
writes them, so the CPU work of preparing files overlaps with embedding. What is handed over
waits in a ``queue.Queue`` whose size is the weight of what it holds (for ingest: the
chunks of the prepared files), so memory stays flat however many files a run meets.

The consumer iterates the producer; an exception raised in the producer thread is raised
again there, by the consumer. Leaving the ``with`` block (normally, on Ctrl-C or on an
error) stops the thread: it checks a stop event between items and while it waits to hand
one over, so it never blocks for more than ``WAIT_S``.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, TypeVar

__all__ = ["WAIT_S", "Producer", "WeighedQueue"]

T = TypeVar("T")

WAIT_S = 0.1
"""The longest either thread blocks on the queue before checking for a stop (or Ctrl-C)."""


@dataclass(frozen=True)
class _Item(Generic[T]):
    value: T
    weight: int


@dataclass(frozen=True)
class _Failure:
    error: BaseException
    weight: int = 1


@dataclass(frozen=True)
class _End:
    weight: int = 1


_Entry = _Item[T] | _Failure | _End


class WeighedQueue(queue.Queue[Any]):
    """A ``queue.Queue`` whose size is the summed ``weight`` of the entries it holds.

    ``put`` blocks while the weight held reaches ``maxsize``; one entry heavier than the
    whole bound still gets in once the queue is below it, so nothing waits forever.
    """

    def _init(self, maxsize: int) -> None:
        self.queue: deque[Any] = deque()
        self.weight = 0

    def _qsize(self) -> int:
        return self.weight

    def _put(self, item: Any) -> None:
        self.queue.append(item)
        self.weight += item.weight

    def _get(self) -> Any:
        item = self.queue.popleft()
        self.weight -= item.weight
        return item


class Producer(Generic[T]):
    """Run ``items`` (an iterator that does its work as it yields) in a daemon thread.

    At most ``capacity`` weight (``weigh`` of each item, at least 1) waits for the consumer,
    plus the one item the thread holds while it waits to hand it over.
    """

    def __init__(
        self,
        items: Iterator[T],
        capacity: int,
        weigh: Callable[[T], int] = lambda _item: 1,
        name: str = "wenbao-producer",
    ) -> None:
        self._items = items
        self._weigh = weigh
        self._queue = WeighedQueue(maxsize=capacity)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def __enter__(self) -> Producer[T]:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def __iter__(self) -> Iterator[T]:
        """The items in order; raises what the producer thread raised, where it raised it."""
        while True:
            entry = self._take()
            if isinstance(entry, _End):
                return
            if isinstance(entry, _Failure):
                raise entry.error
            yield entry.value

    def idle(self) -> bool:
        """Is nothing ready for the consumer right now?"""
        return self._queue.empty()

    def close(self) -> None:
        """Stop the thread: it ends at its next hand-over (waited for up to ``WAIT_S``; one
        still preparing an item finishes it in the background and hands nothing over)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(WAIT_S)

    def _run(self) -> None:
        try:
            for item in self._items:
                if not self._put(_Item(item, max(1, self._weigh(item)))):
                    return
        except BaseException as exc:  # raised again in the consumer
            self._put(_Failure(exc))
            return
        self._put(_End())

    def _put(self, entry: _Entry[T]) -> bool:
        """Hand ``entry`` over, waiting for room; False once the consumer has stopped."""
        while not self._stop.is_set():
            try:
                self._queue.put(entry, timeout=WAIT_S)
            except queue.Full:
                continue
            return True
        return False

    def _take(self) -> _Entry[T]:
        """The next entry, waited for in ``WAIT_S`` steps so Ctrl-C lands at once."""
        while True:
            try:
                entry: _Entry[T] = self._queue.get(timeout=WAIT_S)
            except queue.Empty:
                if not self._thread.is_alive() and self._queue.empty():
                    raise RuntimeError("the producer thread ended without finishing") from None
                continue
            return entry
