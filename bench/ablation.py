"""``python -m bench ablation [--dataset cmrc] [--limit-queries N]``: what the title prefix and
the sentence overlap cost in embedded tokens, and what they give retrieval.

Each variant is a fresh index of the eval corpus (nothing cached): as built (the title heads
each chunk's text, consecutive chunks share ``DEFAULT_CHUNK_OVERLAP`` sentences), with every
title blank (ingest then heads chunks with the record's first sentence, its title for an
untitled record: so this measures the real title against that stand-in, not the absence of a
prefix), without overlap (``chunk_overlap_sentences = 0``), and both. Each is searched by
the dense retriever alone (what the embedded text changes), BM25 alone and the product's
re-ranked hybrid search. CMRC is the dev set to decide on (its passages carry Wikipedia
titles); DRCD, in Traditional script, the test set to report on.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from bench.common import emit, require_eval
from bench.ingest import ledger_texts
from bench.retrieval import (
    FOLDERS,
    EvalSet,
    evaluate,
    index_systems,
    load_evalset,
    resolve_hybrid,
)
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings

VARIANTS = {
    "as built": {"titles": True, "overlap": True},
    "first sentence for title": {"titles": False, "overlap": True},
    "no overlap": {"titles": True, "overlap": False},
    "first sentence, no overlap": {"titles": False, "overlap": False},
}
SYSTEMS = ("dense", "bm25", "wenbao")


def run(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench ablation")
    parser.add_argument("--dataset", choices=["cmrc", "drcd"], default="cmrc")
    parser.add_argument("--limit-queries", type=int, help="only the first N queries")
    args = parser.parse_args(argv)
    from retrieval.index.embeddings import load_embeddings

    data = load_evalset(args.dataset, require_eval(FOLDERS[args.dataset]), args.limit_queries)
    embeddings = load_embeddings()
    with tempfile.TemporaryDirectory() as tmp:
        results = {
            name: _variant(data, embeddings, Path(tmp) / str(n), **flags)
            for n, (name, flags) in enumerate(VARIANTS.items())
        }
    emit({"benchmark": "ablation", "dataset": args.dataset, "engine": embeddings.engine,
          "queries": len(data.questions), "passages": len(data.corpus), "cpus": os.cpu_count(),
          "variants": results})  # fmt: skip


def _variant(
    data: EvalSet, embeddings: WenBaoEmbeddings, folder: Path, *, titles: bool, overlap: bool
) -> dict[str, Any]:
    from ingest.pipeline import IngestOptions, ingest_paths
    from retrieval.settings import DEFAULT_CHUNK_OVERLAP, Settings

    folder.mkdir(parents=True)
    data = data if titles else _untitled(data, folder)
    settings = Settings(
        index_dir=folder / "index", chunk_overlap_sentences=DEFAULT_CHUNK_OVERLAP if overlap else 0
    )
    index = Index(settings, embeddings)
    summary = ingest_paths([data.corpus_file], index, IngestOptions.from_settings(settings))
    systems = index_systems(index, resolve_hybrid(["wenbao"], []))
    figures = {name: evaluate(f"{data.name} {name}", systems[name], data, 10) for name in SYSTEMS}
    index.close()
    texts = [row[0] for row in ledger_texts(str(settings.index_dir))]
    return {"chunks": summary.chunks_added, "embedded_tokens": _tokens(embeddings, texts),
            "ingest_seconds": round(summary.seconds, 1), "systems": figures}  # fmt: skip


def _untitled(data: EvalSet, folder: Path) -> EvalSet:
    """The eval set with its corpus rewritten, every title blank (same passage ids)."""
    with (folder / "corpus.jsonl").open("w", encoding="utf-8") as out:
        for passage_id, passage in data.corpus.items():
            row = {"_id": passage_id, "title": "", "text": passage["text"]}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return dataclasses.replace(data, folder=folder)


def _tokens(embeddings: WenBaoEmbeddings, texts: list[str]) -> int:
    return sum(embeddings.token_count(text) for text in texts)
