"""Issue 13, section 3: an ingest into a ``chroma run`` server killed half way (SIGKILL: no
handler runs) and run again resumes. Nothing stored is embedded again, and the index ends
as a clean run makes it: the same chunk ids and vectors in the ledger and the collection."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import chromadb
import numpy as np

from ingest.pipeline import IngestOptions, ingest_paths
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.settings import Settings
from tests.conftest import REPO
from tests.ingest.test_cli_processes import write_corpus
from tests.reliability.common import clean_env, ingest, server_env

CHUNK_TOKENS = 32  # many small chunks from a small corpus, so the run has a middle to kill
SAME_VECTOR_COSINE = 0.995  # one text in different embedding batches (int8 ONNX: ~0.998)


def stored_chunks(ledger: Path) -> int:
    """Chunks the ledger holds (read-only; 0 before it exists)."""
    try:
        with sqlite3.connect(f"file:{ledger}?mode=ro", uri=True) as conn:
            return int(conn.execute("SELECT count(*) FROM chunks").fetchone()[0])
    except sqlite3.Error:
        return 0


def kill_once_some_are_stored(args: list[str], env: dict[str, str], ledger: Path) -> int:
    """Run ``python -m ingest ARGS``, SIGKILL it once its first chunks are stored; returns
    how many the ledger holds then."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ingest", *args], cwd=REPO, env=clean_env(**env),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        while stored_chunks(ledger) == 0:
            assert process.poll() is None, "the ingest ended before storing anything"
            assert time.monotonic() < deadline, "no chunk was stored in time"
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()  # a no-op once it is dead
        process.wait()
    assert process.returncode == -signal.SIGKILL
    return stored_chunks(ledger)


def vectors(server: tuple[str, int], collection: str) -> dict[str, np.ndarray[Any, Any]]:
    """Every vector of a collection on the server, by chunk id."""
    found = chromadb.HttpClient(host=server[0], port=server[1]).get_collection(collection)
    got = found.get(include=["embeddings"])
    return dict(zip(got["ids"], np.asarray(got["embeddings"]), strict=True))


def test_an_ingest_killed_half_way_resumes_without_embedding_again(
    tmp_path: Path, embedder: WenBaoEmbeddings, chroma_server: tuple[str, int]
) -> None:
    paths = write_corpus(tmp_path / "corpus", 6, 16)
    folder = tmp_path / "killed"
    env = server_env(chroma_server, "killed-ingest")
    args = [*map(str, paths), "--index", str(folder), "--chunk-tokens", str(CHUNK_TOKENS)]
    before = kill_once_some_are_stored(args, env, folder / "ledger.sqlite3")

    again = ingest(*args, env=env)

    host, port = chroma_server
    settings = Settings(
        index_dir=tmp_path / "clean", chroma_host=host, chroma_port=port,
        collection="clean-ingest", chunk_max_tokens=CHUNK_TOKENS,
    )  # fmt: skip
    clean = Index(settings, embedder)
    total = ingest_paths(paths, clean, IngestOptions.from_settings(settings)).chunks_added
    assert 0 < before < total, f"the run was not killed half way ({before} of {total})"
    assert again["chunks_added"] == total - before, "stored chunks were embedded again"
    assert again["chunks_unchanged"] == before and again["articles"] == len(paths)
    resumed = Index(settings.replace(index_dir=folder, collection="killed-ingest"), embedder)
    assert resumed.ledger.chunk_ids() == clean.ledger.chunk_ids() == set(resumed.store.ids())
    assert not resumed.incomplete_sources() and resumed.is_consistent()
    mine, theirs = vectors(chroma_server, "killed-ingest"), vectors(chroma_server, "clean-ingest")
    assert min(float(mine[cid] @ theirs[cid]) for cid in theirs) >= SAME_VECTOR_COSINE
    resumed.close()
    clean.close()
