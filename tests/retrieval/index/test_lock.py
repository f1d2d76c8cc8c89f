"""The writer lock: one writer per index folder, re-entrant for its holder, taken before a reset."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from retrieval.errors import StoreError
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.index.lock import WRITE_LOCK, WriterLock
from retrieval.settings import Settings
from tests.retrieval.index.test_index import TEXTS, write


def test_a_second_holder_is_refused_and_the_holder_may_take_it_again(tmp_path: Path) -> None:
    first, second = WriterLock(tmp_path, "here"), WriterLock(tmp_path, "here")
    with first.held():
        with first.held():  # re-entrant for the thread that holds it
            pass
        with pytest.raises(StoreError, match="Another ingest is writing the index at here"):
            second.acquire()
    with second.held():  # given back when the outermost block ended
        assert (tmp_path / WRITE_LOCK).exists()


def test_another_thread_of_the_same_process_is_refused(tmp_path: Path) -> None:
    lock, errors = WriterLock(tmp_path, "here"), list[BaseException]()

    def take() -> None:
        try:
            lock.acquire()
        except StoreError as exc:
            errors.append(exc)

    with lock.held():
        thread = threading.Thread(target=take)
        thread.start()
        thread.join()
    assert len(errors) == 1 and "\n" not in str(errors[0])


def test_reset_takes_the_lock_before_wiping(tmp_path: Path, embedder: WenBaoEmbeddings) -> None:
    settings = Settings(index_dir=tmp_path)
    writer = Index(settings, embedder)
    write(writer, TEXTS)
    with writer.writing(), pytest.raises(StoreError, match="Another ingest"):
        Index(settings, embedder, reset=True)
    assert writer.stats().chunks == 3 and writer.store.count() == 3 and writer.is_consistent()
    writer.close()


def test_a_reset_holds_the_lock_until_close(tmp_path: Path, embedder: WenBaoEmbeddings) -> None:
    settings = Settings(index_dir=tmp_path)
    reset = Index(settings, embedder, reset=True)
    other = Index(settings, embedder)
    with pytest.raises(StoreError, match="Another ingest"), other.writing():
        pass
    with reset.writing():  # the resetting index writes under the lock it holds
        write(reset, TEXTS)
    reset.close()
    with other.writing():
        assert other.stats().chunks == 3
    other.close()
