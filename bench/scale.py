"""``python -m bench scale --chunks 100000 [--server] [--queries N]``: latency at scale.

Retrieval and end-to-end answer latency (p50/p95) on an index of ``--chunks`` chunks, built
from the news_2000 articles (../shared/eval/news_sample) by ``bench.scaleindex``: a cached
source index, then copies of its articles with distinct text and ids whose vectors are
copied from their source chunks (``"vectors": "copied from source chunks"``).

Questions (seeded) are made from the source articles: ``<title>的情况如何？`` and figure
questions (a sentence with its first amount, count or percentage replaced by 多少). Each is
timed, warm, through: ``dense`` (``Index.dense_search``), ``bm25`` (``Index.keyword_search``),
``hybrid`` (``hybrid_search``), ``retrieval`` (``reranked_search``: fused search and the
answer chain's re-ranking, the system ``bench retrieval`` calls ``wenbao``) and
``end_to_end`` (``Answerer.ask``, extractive, no LLM), system after system. Then BM25's
postings budget against exact BM25 (``bench.scalebm25``). Every timed call
embeds its question afresh (the embedder's recent-query memory is cleared first). Targets
(p95): retrieval <= 150 ms, end-to-end <= 300 ms, BM25 <= 50 ms.

Stores: the embedded Chroma folder, and with ``--server`` also a ``chroma run`` server on a
free loopback port whose data folder lives beside the scaled index's ledger. Scaled indexes
are cached under ``bench/cache/scale/`` per source, size and store; ``--rebuild`` builds them
again. ``--source-limit N`` uses the first N articles only (a quick check: embedding all
2,000 takes 20 minutes or more). ``--profile N`` adds a cProfile of N questions of the
systems with targets (where the time goes).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from tqdm import tqdm

from bench.common import REPO, cache_lock, dir_mb, emit, peak_rss_mb, require_eval
from bench.evaldata import percentile
from bench.scalebm25 import bm25_budget_report
from bench.scaleindex import Corpus, read_corpus, scaled_index, source_index, source_tag
from retrieval.errors import WenBaoError
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.settings import Settings
from retrieval.types import ArticleText

__all__ = [
    "TARGETS_MS",
    "Options",
    "Question",
    "make_questions",
    "measure",
    "run",
    "scale_report",
    "store_report",
    "targets_met",
]

NEWS = "news_sample/news_2000.jsonl"
TARGETS_MS = {"retrieval": 150.0, "end_to_end": 300.0, "bm25": 50.0}
"""p95 targets of issue 13, in milliseconds."""
VECTORS = "copied from source chunks"
WARMUP = 5
PROFILED = ("bm25", "retrieval", "end_to_end")
_FIGURE_KINDS = frozenset({"percent", "money", "count", "points"})

Store = Literal["embedded", "server"]


# --- questions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    """A timed question and how it was made (from a title, or from a figure sentence)."""

    text: str
    kind: Literal["title", "figure"]


def make_questions(corpus: Corpus, count: int, seed: int) -> list[Question]:
    """Up to ``count`` distinct questions from the source articles in a seeded order: each
    article's title question, then its figure question."""
    articles = list(corpus.articles)
    random.Random(seed).shuffle(articles)
    spans = _spans(corpus)
    made: dict[str, Question] = {}
    for article in articles:
        for found in (_title_question(article), _figure_question(article, spans)):
            if found is not None and len(made) < count:
                made.setdefault(found.text, found)
    return list(made.values())


def _spans(corpus: Corpus) -> dict[str, tuple[int, int]]:
    """Each article's stretch of its text, from its chunks (a file may hold several)."""
    spans: dict[str, tuple[int, int]] = {}
    for c in corpus.chunks:
        start, end = spans.get(c.article_id, (c.char_start, c.char_end))
        spans[c.article_id] = (min(start, c.char_start), max(end, c.char_end))
    return spans


def _title_question(article: ArticleText) -> Question | None:
    title = article.title.strip().rstrip("。！!，,；;：:")
    if len(title) < 4:
        return None
    if title.endswith(("？", "?")):
        return Question(title, "title")
    return Question(f"{title[:30]}的情况如何？", "title")


def _figure_question(article: ArticleText, spans: dict[str, tuple[int, int]]) -> Question | None:
    """A sentence of the article with its first amount, count or percentage asked for."""
    from retrieval.text.figures import find_figures
    from retrieval.text.sentences import split_sentences

    span = spans.get(article.article_id)
    for start, end in split_sentences(article.text, *span) if span else ():
        sentence = article.text[start:end]
        figures = [f for f in find_figures(sentence) if f.kind in _FIGURE_KINDS]
        if figures and 10 <= len(sentence) <= 80:
            first = figures[0]
            asked = f"{sentence[: first.start]}多少{sentence[first.end :]}"
            return Question(asked.rstrip("。！？!?；;，, ") + "？", "figure")
    return None


# --- measuring ------------------------------------------------------------------------------

Search = Callable[[str], object]


def systems(index: Index, k: int) -> dict[str, Search]:
    """What is timed, by name, in the order timed."""
    from retrieval.answer.chain import Answerer, AskOptions
    from retrieval.answer.rerank import reranked_search
    from retrieval.search.hybrid import hybrid_search

    answerer = Answerer(index)
    extractive = AskOptions(mode="extractive")
    return {
        "dense": lambda q: index.dense_search(q, k),
        "bm25": lambda q: index.keyword_search(q, k),
        "hybrid": lambda q: hybrid_search(index, q, k),
        "retrieval": lambda q: reranked_search(index, q, k),
        "end_to_end": lambda q: answerer.ask(q, (), extractive),
    }


def measure(index: Index, questions: Sequence[str], k: int, profile: int = 0) -> dict[str, Any]:
    """p50/p95 per system after ``WARMUP`` untimed questions, whether each target is met,
    and (``profile`` > 0) where the time of the slow systems goes."""
    searches = systems(index, k)
    warm, timed = list(questions[:WARMUP]), list(questions[WARMUP:]) or list(questions)
    for question in warm:
        for search in searches.values():
            _call(search, question, index.embeddings)
    latency = {
        name: _latency(name, search, timed, index.embeddings) for name, search in searches.items()
    }
    report: dict[str, Any] = {"latency_ms": latency, "targets_met": targets_met(latency)}
    if profile:
        report["profile"] = {
            name: _profile(searches[name], timed[:profile], index.embeddings) for name in PROFILED
        }
    return report


def targets_met(latency: dict[str, dict[str, float]]) -> dict[str, bool]:
    return {f"{name}_p95": latency[name]["p95_ms"] <= ms for name, ms in TARGETS_MS.items()}


def _latency(
    name: str, search: Search, questions: Sequence[str], embeddings: WenBaoEmbeddings
) -> dict[str, float]:
    millis: list[float] = []
    errors = 0
    for question in tqdm(questions, desc=f"scale {name}", file=sys.stderr, leave=False):
        started = time.perf_counter()
        errors += not _call(search, question, embeddings)
        millis.append((time.perf_counter() - started) * 1000)
    return {
        "p50_ms": round(percentile(millis, 50), 1),
        "p95_ms": round(percentile(millis, 95), 1),
        "mean_ms": round(sum(millis) / len(millis), 1),
        "max_ms": round(max(millis), 1),
        "errors": errors,
    }


def _call(search: Search, question: str, embeddings: WenBaoEmbeddings) -> bool:
    """One search; False when it raised a WenBao error. The embedder's memory of recent
    questions is cleared first, so every timed call embeds its question."""
    embeddings.__dict__.pop("_recent_queries", None)
    try:
        search(question)
    except WenBaoError:
        return False
    return True


def _profile(
    search: Search, questions: Sequence[str], embeddings: WenBaoEmbeddings, top: int = 15
) -> dict[str, list[str]]:
    """The functions taking most time per question: by cumulative and by own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    for question in questions:
        _call(search, question, embeddings)
    profiler.disable()
    rows: dict[Any, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    per = 1000 / max(len(questions), 1)

    def listed(column: int) -> list[str]:
        ranked = sorted(rows.items(), key=lambda item: -item[1][column])[:top]
        return [
            f"{ct * per:.1f} ms cum, {tt * per:.1f} ms own: {_where(func)}"
            for func, (_cc, _nc, tt, ct, _callers) in ranked
        ]

    return {"cumulative": listed(3), "own": listed(2)}


def _where(func: tuple[str, int, str]) -> str:
    path, line, name = func
    if "site-packages/" in path:
        path = path.split("site-packages/", 1)[1]
    elif path.startswith(str(REPO)):
        path = path[len(str(REPO)) + 1 :]
    return f"{path}:{line} {name}" if path != "~" else name


# --- stores ---------------------------------------------------------------------------------


@contextmanager
def store_settings(store: Store, index_dir: Path) -> Iterator[Settings]:
    """Settings of the scaled index on ``store``: its folder, or a server of its own whose
    data lives in that folder."""
    if store == "embedded":
        yield Settings(index_dir=index_dir)
        return
    with chroma_server(index_dir / "server-db") as (host, port):
        yield Settings(index_dir=index_dir, chroma_host=host, chroma_port=port)


@contextmanager
def chroma_server(data: Path) -> Iterator[tuple[str, int]]:
    """A ``chroma run`` server on a free loopback port with ``data`` as its folder."""
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if chroma is None:
        raise SystemExit("scale: the `chroma` command is missing: run `make install`")
    data.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    command = [chroma, "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)]
    with (data.parent / "server.log").open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_for(port, process)
            yield "127.0.0.1", port
        finally:
            _stop(process)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(port: int, process: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"scale: chroma run exited early with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"scale: chroma run did not listen on port {port} within {timeout:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- the run --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """The command line: index size, questions, stores, cache and profiling choices."""

    chunks: int = 100_000
    queries: int = 200
    seed: int = 13
    k: int = 10
    server: bool = False
    rebuild: bool = False
    profile: int = 0
    source_limit: int | None = None

    @property
    def stores(self) -> tuple[Store, ...]:
        return ("embedded", "server") if self.server else ("embedded",)


def run(argv: list[str]) -> None:
    options = _parse(argv)
    news = require_eval(NEWS)
    from retrieval.index.embeddings import load_embeddings

    embeddings = load_embeddings()
    with cache_lock("scale") as folder:
        report = scale_report(folder, news, options, embeddings)
    emit(report)


def _parse(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench scale")
    parser.add_argument("--chunks", type=int, default=Options.chunks, help="index size")
    parser.add_argument("--queries", type=int, default=Options.queries, help="timed questions")
    parser.add_argument("--seed", type=int, default=Options.seed, help="question order")
    parser.add_argument("--k", type=int, default=Options.k, help="chunks per search")
    parser.add_argument("--server", action="store_true", help="also on a `chroma run` server")
    parser.add_argument("--rebuild", action="store_true", help="build the scaled index again")
    parser.add_argument("--profile", type=int, default=0, help="cProfile N questions")
    parser.add_argument("--source-limit", type=int, help="only the first N news articles")
    args = parser.parse_args(argv)
    if args.chunks < 1 or args.queries < 1 or args.k < 1:
        parser.error("--chunks, --queries and --k must be at least 1")
    if args.source_limit is not None and args.source_limit < 1:
        parser.error("--source-limit must be at least 1")
    return Options(**vars(args))


def scale_report(
    folder: Path, news: Path, options: Options, embeddings: WenBaoEmbeddings
) -> dict[str, Any]:
    """The whole benchmark: source index, questions, each store's scaled index and times."""
    index, source_build = source_index(folder, news, options.source_limit, embeddings)
    try:
        corpus = read_corpus(index)
    finally:
        index.close()
    questions = make_questions(corpus, options.queries + WARMUP, options.seed)
    tag = f"scaled-{source_tag(options.source_limit)}-{options.chunks}"
    stores = {
        store: store_report(
            store, folder / f"{tag}-{store}", corpus, questions, options, embeddings=embeddings
        )
        for store in options.stores
    }
    return {
        "benchmark": "scale",
        "nproc": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "chunks_requested": options.chunks,
        "vectors": VECTORS,
        "source": {
            "file": news.name,
            "limit": options.source_limit,
            "articles": len(corpus.articles),
            "chunks": len(corpus.chunks),
            "build": source_build,
        },
        "questions": _question_counts(questions, options),
        "targets_p95_ms": TARGETS_MS,
        "stores": stores,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "load_avg_1m_at_end": round(os.getloadavg()[0], 2),
    }


def store_report(
    store: Store,
    index_dir: Path,
    corpus: Corpus,
    questions: Sequence[Question],
    options: Options,
    *,
    embeddings: WenBaoEmbeddings,
) -> dict[str, Any]:
    """Build (or reuse) the scaled index on ``store`` and time the questions on it."""
    with store_settings(store, index_dir) as settings:
        index, build = scaled_index(
            settings, corpus, options.chunks, embeddings, rebuild=options.rebuild
        )
        try:
            files, articles, chunks = index.ledger.counts()
            vectors = index.store.count()
            timed = measure(index, [q.text for q in questions], options.k, options.profile)
            budgets = bm25_budget_report(index, [q.text for q in questions], options.k)
        finally:
            index.close()
    _note_targets(store, timed["latency_ms"])
    return {
        "chunks": chunks,
        "chroma_vectors": vectors,
        "consistent": chunks == vectors,
        "articles": articles,
        "sources": files,
        "build": build,
        "disk_mb": round(dir_mb(index_dir), 1),
        **timed,
        "bm25_postings_budget": budgets,
    }


def _question_counts(questions: Sequence[Question], options: Options) -> dict[str, object]:
    timed = questions[WARMUP:] or questions
    return {
        "timed": len(timed),
        "warmup": len(questions) - len(timed),
        "title": sum(q.kind == "title" for q in timed),
        "figure": sum(q.kind == "figure" for q in timed),
        "seed": options.seed,
        "k": options.k,
    }


def _note_targets(store: str, latency: dict[str, dict[str, float]]) -> None:
    for name, ms in TARGETS_MS.items():
        p95 = latency[name]["p95_ms"]
        verdict = "met" if p95 <= ms else "MISSED"
        print(
            f"scale {store}: {name} p95 {p95} ms (target <= {ms:.0f} ms: {verdict})",
            file=sys.stderr,
        )
