"""Faults of SQLite and Chroma reach callers as one-line ``StoreError``s, never raw exceptions."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings

from retrieval.errors import StoreError
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.index.faults import is_store_fault, store_errors
from retrieval.settings import Settings
from tests.conftest import _free_port
from tests.retrieval.index.test_index import TEXTS, write


@pytest.fixture
def built(tmp_path: Path, embedder: WenBaoEmbeddings) -> Path:
    """An index folder holding our three sentences, closed again."""
    folder = tmp_path / "index"
    index = Index(Settings(index_dir=folder), embedder)
    write(index, TEXTS)
    index.close()
    return folder


@pytest.fixture
def opened(built: Path, embedder: WenBaoEmbeddings) -> Iterator[Index]:
    index = Index(Settings(index_dir=built), embedder)
    yield index
    index.close()


def one_line(error: pytest.ExceptionInfo[StoreError]) -> str:
    message = str(error.value)
    assert message and "\n" not in message
    return message


def test_a_damaged_ledger_is_a_store_error(built: Path, embedder: WenBaoEmbeddings) -> None:
    ledger = built / "ledger.sqlite3"
    data = bytearray(ledger.read_bytes())
    data[4096:] = bytes((i * 37) % 256 for i in range(len(data) - 4096))
    ledger.write_bytes(bytes(data))
    with pytest.raises(StoreError) as caught:
        Index(Settings(index_dir=built), embedder)
    assert "malformed" in one_line(caught) and "--reset" in str(caught.value)


def test_a_file_that_is_not_a_database(built: Path, embedder: WenBaoEmbeddings) -> None:
    (built / "ledger.sqlite3").write_bytes(b"not a ledger " * 400)
    for name in ("ledger.sqlite3-wal", "ledger.sqlite3-shm"):
        (built / name).unlink(missing_ok=True)
    with pytest.raises(StoreError) as caught:
        Index(Settings(index_dir=built), embedder)
    assert "file is not a database" in one_line(caught) and "rebuild" in str(caught.value)


def test_a_locked_ledger_at_write_time(built: Path, opened: Index) -> None:
    other = sqlite3.connect(built / "ledger.sqlite3", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    opened.ledger._conn.execute("PRAGMA busy_timeout = 100")  # fail fast, not after 30 s
    try:
        with pytest.raises(StoreError) as caught:
            write(opened, TEXTS, source="/news/b.txt")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert "database is locked" in one_line(caught) and "wait" in str(caught.value)
    assert opened.is_consistent() and len(opened.keyword_search("GDP", 3)) == 1


def test_a_read_only_index_folder_at_write_time(built: Path, opened: Index) -> None:
    os.chmod(built, 0o555)
    os.chmod(built / "ledger.sqlite3", 0o444)
    try:
        if os.access(built / "ledger.sqlite3", os.W_OK):
            pytest.skip("running as root: chmod does not stop writes")
        with pytest.raises(StoreError) as caught:
            write(opened, TEXTS, source="/news/b.txt")
    finally:
        os.chmod(built, 0o755)
        os.chmod(built / "ledger.sqlite3", 0o644)
    assert "writable" in one_line(caught)


def test_a_collection_removed_under_a_reader(built: Path, opened: Index) -> None:
    client = chromadb.PersistentClient(
        path=str(built / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    client.delete_collection("wenbao")
    with pytest.raises(StoreError) as caught:
        opened.dense_search("科学城核心区GDP增长多少?", k=2)
    assert str(built) in one_line(caught) and "does not exist" in str(caught.value)


def test_a_server_that_is_not_there(tmp_path: Path, embedder: WenBaoEmbeddings) -> None:
    settings = Settings(index_dir=tmp_path, chroma_host="127.0.0.1", chroma_port=_free_port())
    with pytest.raises(StoreError) as caught:
        Index(settings, embedder)
    assert "Chroma server" in one_line(caught) and "CHROMA_HOST" in str(caught.value)


@pytest.mark.parametrize("exists", [False, True])
def test_opening_without_create_creates_nothing(
    exists: bool, tmp_path: Path, embedder: WenBaoEmbeddings
) -> None:
    folder = tmp_path / "nothing-here"
    if exists:
        folder.mkdir()
    with pytest.raises(StoreError) as caught:
        Index(Settings(index_dir=folder), embedder, create=False)
    assert one_line(caught) == (
        f"There is no index at {folder}: build one with `python -m ingest FILES --index {folder}`."
    )
    assert folder.exists() == exists and (not exists or not any(folder.iterdir()))


def test_opening_without_create_reads_an_existing_index(
    built: Path, embedder: WenBaoEmbeddings
) -> None:
    index = Index(Settings(index_dir=built), embedder, create=False)
    assert index.dense_search("科学城核心区GDP增长多少?", k=1)[0].chunk.text == TEXTS[0]
    index.close()


def test_bugs_and_ctrl_c_are_not_store_faults() -> None:
    assert not is_store_fault(KeyboardInterrupt()) and not is_store_fault(TypeError("bug"))
    assert is_store_fault(sqlite3.OperationalError("disk I/O error"))
    with pytest.raises(TypeError), store_errors("read the test"):
        raise TypeError("a bug stays a bug")
    expected = r"^Could not read the test \(disk I/O error\): check the disk"
    with pytest.raises(StoreError, match=expected), store_errors("read the test"):
        raise sqlite3.OperationalError("disk I/O error")
