"""The embedding cache returns the embedder's own vectors, computes only what it lacks, keeps
models apart, survives a torn entry, and makes a re-ingest after ``--reset`` embed nothing."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import chromadb
import numpy as np
import pytest

from retrieval.errors import StoreError
from retrieval.index.embeddings import BATCH_COSINE, WenBaoEmbeddings
from retrieval.index.vector_cache import CachedEmbeddings

TEXTS = [
    "青禾县今年前十个月新签约项目41个,合同投资额达到86.5亿元。",
    "青禾县2025年地区生产总值同比增长6.8%。",
    "县里新建的图书馆将于明年春天开放。",
]


class Counting(WenBaoEmbeddings):
    """The real default embedder, counting the passages it is asked to embed."""

    def __init__(self, inner: WenBaoEmbeddings, name: str | None = None) -> None:
        self.inner, self.passages = inner, 0
        self.model_name = name or inner.model_name
        self.dimension = inner.dimension

    def embed_passages(self, texts: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        self.passages += len(texts)
        return self.inner.embed_passages(texts)

    def embed_queries(self, texts: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        return self.inner.embed_queries(texts)


def test_cached_vectors_are_the_embedders_own(tmp_path: Path, embedder: WenBaoEmbeddings) -> None:
    counting = Counting(embedder)
    cached = CachedEmbeddings(counting, tmp_path / "v.sqlite3")
    first = cached.embed_passages(TEXTS[:2])
    again = cached.embed_passages(TEXTS)
    assert counting.passages == 3  # the two known ones were read, only the third embedded
    assert np.sum(again * embedder.embed_passages(TEXTS), axis=1).min() >= BATCH_COSINE
    assert np.array_equal(first, again[:2])
    cached.close()


def test_a_new_process_reads_what_another_kept(tmp_path: Path, embedder: WenBaoEmbeddings) -> None:
    CachedEmbeddings(Counting(embedder), tmp_path / "v.sqlite3").embed_passages(TEXTS)
    counting = Counting(embedder)
    CachedEmbeddings(counting, tmp_path / "v.sqlite3").embed_passages(TEXTS)
    assert counting.passages == 0


def test_two_models_never_share_a_vector(tmp_path: Path, embedder: WenBaoEmbeddings) -> None:
    CachedEmbeddings(Counting(embedder), tmp_path / "v.sqlite3").embed_passages(TEXTS)
    other = Counting(embedder, name="another-model")
    CachedEmbeddings(other, tmp_path / "v.sqlite3").embed_passages(TEXTS)
    assert other.passages == len(TEXTS)


def test_a_torn_vector_is_computed_again(tmp_path: Path, embedder: WenBaoEmbeddings) -> None:
    path = tmp_path / "v.sqlite3"
    CachedEmbeddings(Counting(embedder), path).embed_passages(TEXTS)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE vectors SET vector = substr(vector, 1, 100)")
    counting = Counting(embedder)
    vectors = CachedEmbeddings(counting, path).embed_passages(TEXTS)
    assert counting.passages == len(TEXTS)
    assert np.allclose(vectors, embedder.embed_passages(TEXTS), atol=1e-6)


def test_an_unusable_cache_path_is_one_line(tmp_path: Path, embedder: WenBaoEmbeddings) -> None:
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(StoreError, match="WENBAO_EMBEDDING_CACHE") as raised:
        CachedEmbeddings(embedder, tmp_path / "file" / "v.sqlite3")
    assert "\n" not in str(raised.value)


def test_a_reingest_after_reset_takes_its_vectors_from_the_cache(tmp_path: Path) -> None:
    """Every cached vector is replaced by a marker; the re-ingest's stored vectors are the
    marker, so none was computed again."""
    article = tmp_path / "articles" / "qinghe.txt"
    article.parent.mkdir()
    article.write_text("# 青禾县经济\n\n" + "\n".join(TEXTS * 3), encoding="utf-8")
    cache = tmp_path / "v.sqlite3"
    env = {**os.environ, "WENBAO_EMBEDDING_CACHE": str(cache)}
    ingest = [sys.executable, "-m", "ingest", str(article.parent), "--index", str(tmp_path / "i")]
    subprocess.run([*ingest, "--json"], env=env, check=True, capture_output=True)
    with sqlite3.connect(cache) as db:
        dimension = len(db.execute("SELECT vector FROM vectors").fetchone()[0]) // 4
        marker = np.eye(dimension, dtype=np.float32)[0]
        db.execute("UPDATE vectors SET vector = ?", (marker.tobytes(),))
    again = subprocess.run(
        [*ingest, "--reset", "--json"], env=env, capture_output=True, text=True, check=True
    )
    assert json.loads(again.stdout)["chunks_added"] > 0
    stored = chromadb.PersistentClient(path=str(tmp_path / "i" / "chroma"))
    (collection,) = stored.list_collections()
    vectors = np.asarray(collection.get(include=["embeddings"])["embeddings"], dtype=np.float32)
    assert len(vectors) > 0 and np.allclose(vectors, marker)
