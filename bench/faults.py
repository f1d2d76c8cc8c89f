"""``python -m bench faults [--runs N] [--articles M] [--seed S] [--no-cache]``: kill -9 probes.

The first M articles of ``news_sample/news_2000.jsonl`` are split into JSONL files of
``ARTICLES_PER_FILE`` articles in a temporary folder (never in the repository), and ingested
once cleanly. Then, N times: a fresh ingest of the same files is killed with SIGKILL at a random
point of its run, the same ingest is run again to the end, and the index is compared with the
clean one: the chunk ids of the ledger and of Chroma must both be exactly the clean chunk ids
(none lost, none extra), and every file must be marked done. Prints the counts as JSON.

Every ingest keeps its passage vectors in one embedding cache (``WENBAO_EMBEDDING_CACHE``,
``retrieval/index/vector_cache.py``) filled by the clean ingest, so a probe costs seconds of
embedding instead of a whole clean ingest's, and kills land all over the write path (ledger,
Chroma, the cache file itself) rather than mostly inside the embedder. ``--no-cache`` embeds
everything in every run, as a user without the cache does.

The kill point is drawn as a share of the work, not a time: the ingest is killed once its
ledger holds that share of the clean ingest's chunks (share 0: as soon as it runs), so every
probe lands mid-run however loaded the machine is, from start-up to the last batch.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.common import REPO, emit, require_eval
from retrieval.index.index import LEDGER_FILE

__all__ = ["KillRun", "kill_probe", "run", "write_corpus"]

ARTICLES_PER_FILE = 10
POLL_S = 0.2
# Prints the chunk ids of the ledger and of Chroma, and the sources marked done.
READ_IDS = """
import json, sys
from pathlib import Path
from retrieval.index import Index
from retrieval.index.embeddings import load_embeddings
from retrieval.settings import Settings

index = Index(Settings(index_dir=Path(sys.argv[1])), load_embeddings(), create=False)
done = [s.source for s in index.sources() if index.fingerprint(s.source)]
print(json.dumps({"ledger": sorted(index.ledger.chunk_ids()), "store": sorted(index.store.ids()),
                  "done": sorted(done)}))
index.close()
"""


@dataclass(frozen=True)
class KillRun:
    """One probe: when the kill landed, whether the run was still going, and what was left."""

    kill_share: float
    kill_at_s: float
    killed_mid_run: bool
    rerun_exit: int
    lost: int
    extra: int
    store_lost: int
    store_extra: int
    files_not_done: int

    @property
    def exact(self) -> bool:
        counts = (self.lost, self.extra, self.store_lost, self.store_extra, self.files_not_done)
        return self.rerun_exit == 0 and not any(counts)


def write_corpus(source: Path, articles: int, folder: Path) -> list[Path]:
    """The first ``articles`` lines of ``source`` as JSONL files of ``ARTICLES_PER_FILE``."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = source.read_text(encoding="utf-8").splitlines()[:articles]
    paths = []
    for start in range(0, len(lines), ARTICLES_PER_FILE):
        path = folder / f"part_{start // ARTICLES_PER_FILE:03d}.jsonl"
        path.write_text("\n".join(lines[start : start + ARTICLES_PER_FILE]) + "\n", "utf-8")
        paths.append(path)
    return paths


def _ingest(corpus: Path, index: Path, cache: Path | None) -> subprocess.Popen[bytes]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("WENBAO_", "CHROMA_"))}
    if cache is not None:
        clean["WENBAO_EMBEDDING_CACHE"] = str(cache)
    command = [sys.executable, "-m", "ingest", str(corpus), "--index", str(index), "--quiet"]
    return subprocess.Popen(
        command, cwd=REPO, env=clean, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _note(message: str) -> None:
    """Progress on stderr, one line per probe, so a long run shows how it goes."""
    print(message, file=sys.stderr, flush=True)


def _contents(index: Path) -> dict[str, list[str]]:
    run = subprocess.run(
        [sys.executable, "-c", READ_IDS, str(index)],
        cwd=REPO, capture_output=True, text=True, check=True, timeout=600,
    )  # fmt: skip
    contents: dict[str, list[str]] = json.loads(run.stdout)
    return contents


def _clean(corpus: Path, index: Path, cache: Path | None) -> tuple[set[str], float]:
    """The chunk ids of a clean ingest, and how long that ingest took."""
    started = time.monotonic()
    if _ingest(corpus, index, cache).wait() != 0:
        raise SystemExit("the clean ingest failed; run `python -m ingest` on the corpus to see why")
    return set(_contents(index)["ledger"]), time.monotonic() - started


def _written(index: Path) -> int:
    """Chunks the ledger of a running ingest holds now (0 before it exists)."""
    path = index / LEDGER_FILE
    if not path.exists():
        return 0
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as ledger:
            return int(ledger.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])
    except sqlite3.Error:
        return 0  # not created yet, or locked for a moment: look again


def _run_until(process: subprocess.Popen[bytes], index: Path, chunks: int) -> float:
    """Wait until the ingest has written ``chunks`` chunks or ended; the seconds it ran."""
    started = time.monotonic()
    time.sleep(POLL_S)
    while process.poll() is None and _written(index) < chunks:
        time.sleep(POLL_S)
    return time.monotonic() - started


def _probe(corpus: Path, index: Path, share: float, clean: set[str], cache: Path | None) -> KillRun:
    files = len(list(corpus.glob("*")))
    process = _ingest(corpus, index, cache)
    kill_at = _run_until(process, index, int(share * len(clean)))
    mid_run = process.poll() is None
    if mid_run:
        process.send_signal(signal.SIGKILL)
    process.wait()
    rerun = _ingest(corpus, index, cache).wait()
    got = _contents(index)
    ledger, store = set(got["ledger"]), set(got["store"])
    return KillRun(
        kill_share=round(share, 3),
        kill_at_s=round(kill_at, 2),
        killed_mid_run=mid_run,
        rerun_exit=rerun,
        lost=len(clean - ledger),
        extra=len(ledger - clean),
        store_lost=len(clean - store),
        store_extra=len(store - clean),
        files_not_done=files - len(got["done"]),
    )


def kill_probe(
    corpus: Path, work: Path, runs: int, seed: int = 0, cache: Path | None = None
) -> dict[str, object]:
    """Kill ``runs`` ingests of ``corpus`` at random points and check each re-run (see above);
    with ``cache``, every ingest keeps and reuses passage vectors in that file."""
    files = len(list(corpus.glob("*")))
    clean, seconds = _clean(corpus, work / "clean", cache)
    _note(f"clean ingest: {len(clean)} chunks in {seconds:.0f} s")
    draw = random.Random(seed)
    probes = []
    for n in range(runs):
        probe = _probe(corpus, work / f"run_{n:03d}", draw.random(), clean, cache)
        _note(f"probe {n + 1}/{runs}: {json.dumps(asdict(probe))}")
        probes.append(probe)
    return {
        "runs": runs,
        "files": files,
        "embedding_cache": cache is not None,
        "clean_chunks": len(clean),
        "clean_seconds": round(seconds, 1),
        "killed_mid_run": sum(p.killed_mid_run for p in probes),
        "exact": sum(p.exact for p in probes),
        "lost": sum(p.lost + p.store_lost for p in probes),
        "extra": sum(p.extra + p.store_extra for p in probes),
        "probes": [asdict(p) for p in probes],
    }


def run(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench faults")
    parser.add_argument("--runs", type=int, default=20, help="kill -9 probes (default 20)")
    parser.add_argument("--articles", type=int, default=300, help="news articles (default 300)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="embed every chunk in every run (slow: about one clean ingest per probe)",
    )
    args = parser.parse_args(argv)
    source = require_eval("news_sample/news_2000.jsonl")
    with tempfile.TemporaryDirectory(prefix="wenbao-faults-") as temp:
        corpus = Path(temp) / "corpus"
        write_corpus(source, args.articles, corpus)
        cache = None if args.no_cache else Path(temp) / "vectors.sqlite3"
        result = kill_probe(corpus, Path(temp), args.runs, args.seed, cache)
    emit({"corpus": f"news_2000.jsonl (first {args.articles} lines)", **result})
    if result["exact"] != args.runs:
        raise SystemExit(1)
