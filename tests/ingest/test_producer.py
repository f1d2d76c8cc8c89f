"""The producer thread of ingest: order, a bounded lead, errors passed on, a prompt stop."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator

import pytest

from ingest.producer import WAIT_S, Producer

NAME = "test-producer"


def counted(limit: int | None, made: list[int]) -> Iterator[int]:
    """0, 1, 2, … (``limit`` of them, or forever), each recorded in ``made`` as it is made."""
    for n in itertools.count() if limit is None else range(limit):
        made.append(n)
        yield n


def running() -> bool:
    return any(thread.name == NAME for thread in threading.enumerate())


def test_items_come_in_order_and_the_producer_never_runs_far_ahead() -> None:
    made: list[int] = []
    weights = {n: 1 + n % 3 for n in range(60)}
    leads = []
    with Producer(counted(60, made), 6, weights.__getitem__, name=NAME) as producer:
        taken = []
        for item in producer:
            taken.append(item)
            time.sleep(0.005)  # a slow consumer: the producer fills the queue and waits
            leads.append(len(made) - len(taken))
    assert taken == list(range(60))
    assert max(leads) <= 6 + 1  # what the queue holds (items of weight ≥ 1) + the one in hand
    assert max(leads) >= 3, "the producer never worked ahead"


def test_one_item_heavier_than_the_whole_bound_still_gets_through() -> None:
    with Producer(iter([100, 1, 100]), 10, lambda n: n, name=NAME) as producer:
        assert list(producer) == [100, 1, 100]


def test_an_error_in_the_producer_is_raised_in_the_consumer() -> None:
    def failing() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("the third item cannot be made")

    taken: list[int] = []
    with pytest.raises(ValueError, match="third item"), Producer(failing(), 4, name=NAME) as p:
        taken.extend(p)
    assert taken == [1, 2]
    assert not running()


@pytest.mark.parametrize("stop", [KeyboardInterrupt, GeneratorExit])
def test_leaving_early_stops_the_thread_at_once(stop: type[BaseException]) -> None:
    made: list[int] = []
    with pytest.raises(stop), Producer(counted(None, made), 3, name=NAME) as producer:
        for item in producer:
            if item == 2:
                raise stop
    deadline = time.monotonic() + 2 * WAIT_S + 0.5
    while running() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not running()
    assert len(made) <= 2 + 3 + 2  # it stopped: it did not go on making items


def test_idle_says_whether_anything_is_ready() -> None:
    gate = threading.Event()

    def slow() -> Iterator[int]:
        yield 1
        gate.wait(5)
        yield 2

    with Producer(slow(), 4, name=NAME) as producer:
        items = iter(producer)
        assert next(items) == 1
        assert producer.idle()
        gate.set()
        assert next(items) == 2
