"""The scaled index of ``python -m bench scale``: a source index and copies of its articles.

The news articles are ingested once, normally, into a cached source index; the scaled index
then holds the source chunks and copies of them until it has the chunks asked for. Copy ``n``
of an article is a new article with its own text: every digit run raised by ``n``, a month,
day, hour or minute round its cycle so dates stay dates (2023年8月5日 is 2026年11月8日 in copy
3), the article's date changed alike, its id suffixed ``~c{n}``, new chunk ids, offsets
mapped into the new text, and its source recorded as ``<source>~c{n}``. Copies are not
embedded: each takes its source chunk's vector. They are written through the index's own
stores (Chroma upsert, ledger chunks and BM25 terms, articles and their periods, the source
marked done), so both stores hold one id space.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from bench.common import dir_mb
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.settings import Settings
from retrieval.types import ArticleText, Chunk

__all__ = [
    "Copy",
    "Corpus",
    "Shift",
    "copies",
    "copy_article",
    "read_corpus",
    "scaled_index",
    "shift_date",
    "shift_digits",
    "source_index",
    "source_tag",
    "write_copy",
]

READ_PAGE = 2000
MAX_WRITE = 5000
BUILD_KEY = "bench_scale_key"
BUILD_INFO = "bench_scale_build"
SCALE_VERSION = 2
_DIGIT_RUN = re.compile(r"[0-9]+")
MONTHS, DAYS, HOURS, MINUTES = (1, 12), (1, 28), (0, 24), (0, 60)
"""Cycles (first value, length) of date and clock parts; days go round 28 so every copy's
date exists."""
_CYCLES = {"月": MONTHS, "日": DAYS, "号": DAYS, "时": HOURS, "点": HOURS, ":": HOURS,
           "：": HOURS, "分": MINUTES}  # fmt: skip


# --- copies ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shift:
    """A text with its digit runs raised, and where each run moved:
    ``runs`` holds (old start, old end, new start, new end)."""

    text: str
    runs: tuple[tuple[int, int, int, int], ...]

    def moved(self, offset: int) -> int:
        """Where ``offset`` of the old text lies in the new one."""
        at = bisect.bisect_right(self.runs, offset, key=lambda run: run[0]) - 1
        if at < 0:
            return offset
        old_start, old_end, new_start, new_end = self.runs[at]
        if offset >= old_end:
            return offset + new_end - old_end
        return new_start + min(offset - old_start, new_end - new_start)


def shift_digits(text: str, n: int) -> Shift:
    """Every ASCII digit run of ``text`` raised by ``n`` (a zero-padded one keeps its width);
    a 1-2 digit month, day, hour or minute goes round its cycle, so dates stay dates."""
    pieces: list[str] = []
    runs: list[tuple[int, int, int, int]] = []
    last = grown = 0
    for match in _DIGIT_RUN.finditer(text):
        raw = match.group()
        new = str(_raised(int(raw), _cycle(text, match), n))
        new = new.zfill(len(raw)) if raw.startswith("0") else new
        pieces += [text[last : match.start()], new]
        start = match.start() + grown
        runs.append((match.start(), match.end(), start, start + len(new)))
        grown += len(new) - len(raw)
        last = match.end()
    pieces.append(text[last:])
    return Shift("".join(pieces), tuple(runs))


def _raised(value: int, cycle: tuple[int, int] | None, n: int) -> int:
    """``value + n``, or round its cycle (first value, length): months 1-12, days 1-28."""
    if cycle is None:
        return value + n
    first, length = cycle
    return (value - first + n) % length + first


def _cycle(text: str, match: re.Match[str]) -> tuple[int, int] | None:
    """The cycle of a date or clock part (8月, 5日, 12:30, 2023-08-16), else None."""
    if match.end() - match.start() > 2:
        return None
    after = text[match.end() : match.end() + 1]
    before = text[match.start() - 1 : match.start()] if match.start() else ""
    if after and after in _CYCLES:
        return _CYCLES[after]
    if before and before in ":：":
        return MINUTES
    if before and before in "-/":
        return MONTHS if after and after in "-/" else DAYS
    return None


def shift_date(date: str | None, n: int) -> str | None:
    """The date (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) as ``shift_digits`` changes it:
    the year raised by ``n``, month and day round their cycles."""
    parts = (date or "").split("-")
    if date is None or not all(p.isdigit() for p in parts):
        return date
    cycles = (None, MONTHS, DAYS)
    return "-".join(
        str(_raised(int(p), cycle, n)).zfill(len(p))
        for p, cycle in zip(parts, cycles, strict=False)
    )


def copy_article(
    article: ArticleText, chunks: Sequence[Chunk], n: int
) -> tuple[ArticleText, list[Chunk]]:
    """Copy ``n`` of an article and its chunks (copy 0 is the article itself)."""
    if n == 0:
        return article, list(chunks)
    text = shift_digits(article.text, n)
    copied = replace(
        article,
        article_id=f"{article.article_id}~c{n}",
        source=f"{article.source}~c{n}",
        title=shift_digits(article.title, n).text,
        date=shift_date(article.date, n),
        text=text.text,
    )
    return copied, [_copy_chunk(chunk, copied, text, n) for chunk in chunks]


def _copy_chunk(chunk: Chunk, article: ArticleText, text: Shift, n: int) -> Chunk:
    start, end = text.moved(chunk.char_start), text.moved(chunk.char_end)
    return replace(
        chunk,
        chunk_id=hashlib.sha256(f"{chunk.chunk_id}~c{n}".encode()).hexdigest()[:32],
        article_id=article.article_id,
        source=article.source,
        title=shift_digits(chunk.title, n).text,
        section=shift_digits(chunk.section, n).text,
        text=text.text[start:end],
        char_start=start,
        char_end=end,
        date=shift_date(chunk.date, n),
        embed_text=shift_digits(chunk.embed_text, n).text,
    )


@dataclass(frozen=True)
class Corpus:
    """The source index's articles, chunks (in article order), fingerprints and vectors."""

    articles: tuple[ArticleText, ...]
    chunks: tuple[Chunk, ...]
    fingerprints: dict[str, str]
    vectors: dict[str, np.ndarray[Any, Any]]

    def by_article(self) -> dict[str, list[Chunk]]:
        found: dict[str, list[Chunk]] = {a.article_id: [] for a in self.articles}
        for chunk in self.chunks:
            found[chunk.article_id].append(chunk)
        return found


@dataclass(frozen=True)
class Copy:
    """One source's copy ``n``: what ``write_copy`` records as one source of the index.
    ``origins`` names each chunk's source chunk (whose vector it takes)."""

    n: int
    source: str
    fingerprint: str
    articles: tuple[ArticleText, ...]
    chunks: tuple[Chunk, ...]
    origins: tuple[str, ...]


def copies(corpus: Corpus, target: int) -> Iterator[Copy]:
    """Copies 0, 1, 2… of every source until they hold ``target`` chunks in all (the last
    one cut short, after whole chunks of an article)."""
    if target < 1 or not corpus.chunks:
        return
    grouped = corpus.by_article()
    sources = [
        (fingerprint, [a for a in corpus.articles if a.source == source])
        for source, fingerprint in sorted(corpus.fingerprints.items())
    ]
    left, n = target, 0
    while left > 0:
        before = left
        for fingerprint, articles in sources:
            if not articles:
                continue
            made = _copy_source(articles, grouped, n, fingerprint, left)
            left -= len(made.chunks)
            yield made
            if left <= 0:
                return
        if left == before:
            return  # no article has a chunk
        n += 1


def _copy_source(
    articles: Sequence[ArticleText],
    grouped: dict[str, list[Chunk]],
    n: int,
    fingerprint: str,
    limit: int,
) -> Copy:
    kept: list[ArticleText] = []
    chunks: list[Chunk] = []
    origins: list[str] = []
    for article in articles:
        if len(chunks) >= limit:
            break
        originals = grouped[article.article_id][: limit - len(chunks)]
        copied, made = copy_article(article, originals, n)
        kept.append(copied)
        chunks += made
        origins += [c.chunk_id for c in originals]
    source = articles[0].source if n == 0 else f"{articles[0].source}~c{n}"
    suffix = "" if n == 0 else f"~c{n}"
    return Copy(n, source, fingerprint + suffix, tuple(kept), tuple(chunks), tuple(origins))


# --- the source index and the scaled one ----------------------------------------------------


def source_index(
    folder: Path, news: Path, limit: int | None, embeddings: WenBaoEmbeddings
) -> tuple[Index, dict[str, object]]:
    """The cached source index of ``news`` (its first ``limit`` articles), ingested normally
    (a no-op when it is unchanged)."""
    from ingest.pipeline import ingest_paths

    path = news if limit is None else _first_lines(news, folder / f"news-first{limit}.jsonl", limit)
    index = Index(Settings(index_dir=folder / f"source-{source_tag(limit)}"), embeddings)
    with tqdm(desc="scale: source chunks embedded", unit="chunk", file=sys.stderr) as bar:
        summary = ingest_paths([path], index, _options(bar.update))
    if summary.skipped:
        raise SystemExit(f"scale: ingest skipped {path}: {summary.skipped[0].reason}")
    return index, {
        "seconds": round(summary.seconds, 1),
        "chunks_embedded": summary.chunks_added,
        "disk_mb": round(dir_mb(index.settings.index_dir), 1),
    }


def _options(progress: Callable[[int], object]) -> Any:
    from ingest.pipeline import IngestOptions

    return IngestOptions(on_embedded=progress)


def _first_lines(news: Path, path: Path, limit: int) -> Path:
    """The first ``limit`` records of ``news`` in their own file (rewritten only when they
    changed, so the source's fingerprint stays)."""
    with news.open(encoding="utf-8") as lines:
        head = "".join(line for _, line in zip(range(limit), lines, strict=False))
    if not path.is_file() or path.read_text(encoding="utf-8") != head:
        path.write_text(head, encoding="utf-8")
    return path


def source_tag(limit: int | None) -> str:
    return "all" if limit is None else f"first{limit}"


def read_corpus(index: Index) -> Corpus:
    """Everything the copies need from the source index, vectors included."""
    articles = [index.article(found.article_id) for found in index.article_dates()]
    kept = tuple(a for a in articles if a is not None)
    order = {a.article_id: n for n, a in enumerate(kept)}
    chunks = index.ledger.get_chunks(sorted(index.ledger.chunk_ids()))
    ordered = sorted(
        (c for c in chunks.values() if c.article_id in order),
        key=lambda c: (order[c.article_id], c.index),
    )
    fingerprints = {s.source: index.fingerprint(s.source) or "" for s in index.sources()}
    return Corpus(kept, tuple(ordered), fingerprints, _vectors(index.settings, list(chunks)))


def _vectors(settings: Settings, ids: list[str]) -> dict[str, np.ndarray[Any, Any]]:
    from retrieval.index.store import close_client, connect

    client = connect(settings.index_dir, settings.chroma_host, settings.chroma_port)
    found: dict[str, np.ndarray[Any, Any]] = {}
    try:
        collection = client.get_collection(settings.collection)
        for start in range(0, len(ids), READ_PAGE):
            got = collection.get(ids=ids[start : start + READ_PAGE], include=["embeddings"])
            rows = np.asarray(got["embeddings"], dtype=np.float32)
            found.update(zip(got["ids"], rows, strict=True))
    finally:
        close_client(client)
    return found


def scaled_index(
    settings: Settings,
    corpus: Corpus,
    target: int,
    embeddings: WenBaoEmbeddings,
    *,
    rebuild: bool = False,
) -> tuple[Index, dict[str, object]]:
    """The index of ``target`` chunks (source and copies), reused when already built from
    the same source, else built afresh; returns it and its build figures."""
    key = json.dumps({"v": SCALE_VERSION, "chunks": target, "sources": corpus.fingerprints})
    index = Index(settings, embeddings)
    if not rebuild and _built(index, key, target):
        info = json.loads(index.ledger.get_meta(BUILD_INFO) or "{}")
        return index, {**info, "reused": True}
    index.close()
    index = Index(settings, embeddings, reset=True)
    info = _build(index, corpus, target)
    index.ledger.set_meta(BUILD_INFO, json.dumps(info))
    index.ledger.set_meta(BUILD_KEY, key)
    return index, {**info, "reused": False}


def _built(index: Index, key: str, target: int) -> bool:
    if index.ledger.get_meta(BUILD_KEY) != key:
        return False
    return index.ledger.counts()[2] == target == index.store.count()


def _build(index: Index, corpus: Corpus, target: int) -> dict[str, object]:
    started = time.perf_counter()
    batch = _write_batch(index.settings)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    copied = changed = 0
    with index.writing(), tqdm(total=target, desc="scale: chunks written", file=sys.stderr) as bar:
        for made in copies(corpus, target):
            write_copy(index, made, corpus.vectors, batch, now)
            copied = max(copied, made.n)
            changed += _changed(made, corpus)
            bar.update(len(made.chunks))
    index.refresh()
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "copies": copied,
        "copy_chunks_with_changed_text": changed,
        "write_batch": batch,
    }


def _changed(made: Copy, corpus: Corpus) -> int:
    if made.n == 0:
        return 0
    texts = {c.chunk_id: c.text for c in corpus.chunks}
    return sum(c.text != texts[o] for c, o in zip(made.chunks, made.origins, strict=True))


def _write_batch(settings: Settings) -> int:
    """Chunks per Chroma write: under the client's max batch size."""
    from retrieval.index.store import close_client, connect

    client = connect(settings.index_dir, settings.chroma_host, settings.chroma_port)
    try:
        return max(1, min(MAX_WRITE, int(client.get_max_batch_size())))
    finally:
        close_client(client)


def write_copy(
    index: Index, made: Copy, vectors: dict[str, np.ndarray[Any, Any]], batch: int, now: str
) -> None:
    """Write one copy as ``Index.write_source`` would, without embedding: the source marked
    pending, vectors then ledger chunks per batch, articles and periods, the source done."""
    from retrieval.index.redating import periods_by_article

    index.ledger.mark_pending(made.source)
    for start in range(0, len(made.chunks), batch):
        part = made.chunks[start : start + batch]
        rows = np.stack([vectors[o] for o in made.origins[start : start + batch]])
        index.store.upsert(part, rows, now)
        index.ledger.add_chunks(part, now)
    periods = periods_by_article(made.articles, made.chunks)
    index.ledger.put_articles(made.source, made.articles, periods)
    index.ledger.mark_done(made.source, made.fingerprint, len(made.articles), now)
