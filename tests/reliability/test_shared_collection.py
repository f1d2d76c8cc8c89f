"""Item 1: two index folders pointed at one Chroma server collection.

Before, the second folder's repair deleted the first folder's vectors as "orphans", and
re-ingesting the first deleted the second's in turn. Now a collection is bound to the ledger
that created it (an index id in both), and another folder is refused with one line.
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import chromadb

from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.settings import Settings
from tests.ingest.test_cli import run_ingest
from tests.reliability.common import QUESTIONS, clean_env, ingest, run_ask, server_env, write


def _settings(folder: Path, server: tuple[str, int], collection: str) -> Settings:
    host, port = server
    return Settings(index_dir=folder, chroma_host=host, chroma_port=port, collection=collection)


def test_a_second_folder_is_refused_and_deletes_nothing(
    tmp_path: Path, chroma_server: tuple[str, int], embedder: WenBaoEmbeddings
) -> None:
    name = f"shared-{uuid.uuid4().hex[:8]}"
    env = server_env(chroma_server, name)
    first, second = write(tmp_path / "corpus", "xiling", "donghu")
    one, two = tmp_path / "I1", tmp_path / "I2"
    written = ingest(str(first), "--index", str(one), env=env)["chunks_added"]
    refused = run_ingest(str(second), "--index", str(two), env=env)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stderr
    assert "WENBAO_COLLECTION" in refused.stderr and "--reset" in refused.stderr
    assert "--index" in refused.stderr and repr(name) in refused.stderr
    reader = Index(_settings(one, chroma_server, name), embedder, create=False)
    assert reader.store.count() == written and reader.is_consistent()
    reader.close()
    again = ingest(str(first), "--index", str(one), env=env)  # the owner is unharmed
    assert again["chunks_unchanged"] == written and not any(again["repaired"].values())
    asked = run_ask(QUESTIONS["xiling"], "--index", str(two), env=_with(env))
    assert asked.returncode == 2 and asked.stderr.count("\n") == 1


def test_each_folder_works_with_its_own_collection(
    tmp_path: Path, chroma_server: tuple[str, int]
) -> None:
    name = f"own-{uuid.uuid4().hex[:8]}"
    first, second = write(tmp_path / "corpus", "xiling", "donghu")
    one, two = tmp_path / "I1", tmp_path / "I2"
    a = ingest(str(first), "--index", str(one), env=server_env(chroma_server, name + "-a"))
    b = ingest(str(second), "--index", str(two), env=server_env(chroma_server, name + "-b"))
    again = ingest(str(first), "--index", str(one), env=server_env(chroma_server, name + "-a"))
    assert again["chunks_unchanged"] == a["chunks_added"] and again["chunks_added"] == 0
    assert not any(again["repaired"].values())
    asked = run_ask(QUESTIONS["donghu"], "--index", str(two), "--json",
                    env=_with(server_env(chroma_server, name + "-b")))  # fmt: skip
    assert asked.returncode == 0 and b["chunks_added"], asked.stderr


def test_an_index_from_before_ids_adopts_one_and_keeps_working(
    tmp_path: Path, chroma_server: tuple[str, int], embedder: WenBaoEmbeddings
) -> None:
    name = f"old-{uuid.uuid4().hex[:8]}"
    env = server_env(chroma_server, name)
    (first,) = write(tmp_path / "corpus", "xiling")
    folder = tmp_path / "I1"
    written = ingest(str(first), "--index", str(folder), env=env)["chunks_added"]
    _forget_ids(folder, chroma_server, name)  # as an index written before ids were kept
    asked = run_ask(QUESTIONS["xiling"], "--index", str(folder), env=_with(env))
    assert asked.returncode == 0, asked.stderr
    again = ingest(str(first), "--index", str(folder), env=env)
    assert again["chunks_unchanged"] == written and not any(again["repaired"].values())
    index = Index(_settings(folder, chroma_server, name), embedder, create=False)
    bound = index.ledger.get_meta("index_id")
    assert bound and index.store.index_id() == bound and index.store.count() == written
    index.close()


def _forget_ids(folder: Path, server: tuple[str, int], name: str) -> None:
    with sqlite3.connect(folder / "ledger.sqlite3") as conn:
        conn.execute("DELETE FROM meta WHERE key IN ('index_id', 'collection')")
    client = chromadb.HttpClient(host=server[0], port=server[1])
    collection = client.get_collection(name)
    metadata = dict(collection.metadata or {})
    for key in ("index_id", "hnsw:space"):
        metadata.pop(key, None)
    collection.modify(metadata=metadata)


def _with(env: dict[str, str]) -> dict[str, str]:
    return clean_env(**env)
