"""Item 14c: a mistyped ``WENBAO_COLLECTION`` against a Chroma server.

Before, it created a new, empty collection on the server and then blamed an "interrupted
ingest". Now readers never create a collection, the message names the collection asked for
and lists those that exist, and an ingest into an index built in another collection is
refused instead of starting a second one.
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import chromadb

from tests.ingest.test_cli import run_ingest
from tests.reliability.common import QUESTIONS, clean_env, ingest, run_ask, server_env, write


def _collections(server: tuple[str, int]) -> set[str]:
    return {c.name for c in chromadb.HttpClient(host=server[0], port=server[1]).list_collections()}


def test_a_mistyped_collection_is_named_and_never_created(
    tmp_path: Path, chroma_server: tuple[str, int]
) -> None:
    name = f"news-{uuid.uuid4().hex[:8]}"
    typo = name + "x"
    (path,) = write(tmp_path / "corpus", "xiling")
    folder = tmp_path / "index"
    ingest(str(path), "--index", str(folder), env=server_env(chroma_server, name))
    asked = run_ask(QUESTIONS["xiling"], "--index", str(folder),
                    env=clean_env(**server_env(chroma_server, typo)))  # fmt: skip
    assert asked.returncode == 2 and asked.stderr.count("\n") == 1, asked.stderr
    assert repr(typo) in asked.stderr and repr(name) in asked.stderr
    assert "interrupted" not in asked.stderr
    written = run_ingest(str(path), "--index", str(folder), env=server_env(chroma_server, typo))
    assert written.returncode == 2 and written.stderr.count("\n") == 1, written.stderr
    assert repr(typo) in written.stderr and repr(name) in written.stderr
    assert typo not in _collections(chroma_server)
    right = run_ask(QUESTIONS["xiling"], "--index", str(folder),
                    env=clean_env(**server_env(chroma_server, name)))  # fmt: skip
    assert right.returncode == 0, right.stderr


def test_a_missing_collection_lists_those_that_exist(
    tmp_path: Path, chroma_server: tuple[str, int]
) -> None:
    name = f"list-{uuid.uuid4().hex[:8]}"
    (path,) = write(tmp_path / "corpus", "xiling")
    folder = tmp_path / "index"
    ingest(str(path), "--index", str(folder), env=server_env(chroma_server, name))
    other = tmp_path / "other"  # an index folder from before collection names were kept
    other.mkdir()
    (other / "ledger.sqlite3").write_bytes((folder / "ledger.sqlite3").read_bytes())
    with sqlite3.connect(other / "ledger.sqlite3") as conn:
        conn.execute("DELETE FROM meta WHERE key = 'collection'")
    asked = run_ask(QUESTIONS["xiling"], "--index", str(other),
                    env=clean_env(**server_env(chroma_server, "no-such-collection")))  # fmt: skip
    assert asked.returncode == 2 and asked.stderr.count("\n") == 1, asked.stderr
    assert "'no-such-collection'" in asked.stderr and repr(name) in asked.stderr
    assert "no-such-collection" not in _collections(chroma_server)
