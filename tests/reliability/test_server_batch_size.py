"""Issue 13, section 3: writes go to Chroma in parts no larger than the client's
``max_batch_size``, which a ``chroma run`` server (and the embedded store) refuses to exceed."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest
from chromadb.errors import InternalError

from retrieval.index.store import ChromaStore, Manifest, connect
from retrieval.types import Chunk

EXTRA = 7


def chunks(count: int) -> list[Chunk]:
    return [chunk(n) for n in range(count)]


def chunk(n: int) -> Chunk:
    return Chunk(
        chunk_id=f"batch-{n:05d}", article_id=f"a{n // 10}", source="/tmp/batch.md",
        title="批量写入", section="", text=f"第{n}段。", char_start=n, char_end=n + 1,
        index=n % 10, date="2024-05-01",
    )  # fmt: skip


@pytest.mark.parametrize("where", ["embedded", "server"])
def test_a_write_beyond_the_batch_limit_is_split_and_stored_whole(
    where: str, tmp_path: Path, chroma_server: tuple[str, int]
) -> None:
    host, port = chroma_server if where == "server" else (None, 8000)
    opener = functools.partial(connect, tmp_path, host, port)
    name = f"batch-limit-{where}"
    store = ChromaStore(opener, name, Manifest("batch-test", 8), where=where, index_id="b1")
    limit = store.batch_limit()
    client = opener()
    assert 0 < limit <= client.get_max_batch_size()
    written = chunks(client.get_max_batch_size() + EXTRA)
    vectors = np.random.default_rng(13).random((len(written), 8)).astype(np.float32)
    raw = client.get_collection(name)
    with pytest.raises((ValueError, InternalError), match=r"max(imum)? batch size"):
        raw.upsert(ids=[c.chunk_id for c in written], embeddings=vectors)  # what a split avoids

    store.upsert(written, vectors, "2024-05-02T00:00:00+00:00")
    store.set_dates([c.chunk_id for c in written], "2024-06-01")

    assert store.count() == len(written) and set(store.ids()) == {c.chunk_id for c in written}
    last = raw.get(ids=[written[-1].chunk_id], include=["metadatas", "embeddings"])
    assert (last["metadatas"] or [{}])[0]["date"] == "2024-06-01"
    assert np.allclose(np.asarray(last["embeddings"])[0], vectors[-1])
    store.close()
