"""``python -m bench api [--seconds 30] [--levels 1,4,16] [--dataset rgb]``: the HTTP API
under concurrent load.

A warm ``python -m api`` server (a subprocess, ``--no-auth`` on loopback, no rate limit) over
the cached RGB index of ``bench retrieval`` (built here when missing; ``--dataset`` picks another
eval set). At each level, N client threads (httpx) ask its questions (``POST /v1/ask``,
extractive) back to back for the whole duration. Reported per level: questions/s, p50/p95/p99
latency and errors (non-200 answers and failed requests); then the targets: p95 at 4 clients
at most 3x the single-client p95, and no error at 16 clients.
"""

from __future__ import annotations

import argparse
import itertools
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.common import REPO, cache_lock, emit, require_eval
from bench.evaldata import percentile
from bench.retrieval import FOLDERS, load_evalset, wenbao_index

DEFAULT_SECONDS = 30.0
DEFAULT_LEVELS = "1,4,16"
WARMUP_QUESTIONS = 10
TARGET_P95_RATIO = 3.0
START_TIMEOUT = 180.0
REQUEST_TIMEOUT = 120.0


@dataclass
class Tally:
    """What the clients of one level saw (appended under a lock)."""

    seconds: list[float] = field(default_factory=list)
    errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float, ok: bool) -> None:
        with self.lock:
            if ok:
                self.seconds.append(seconds)
            else:
                self.errors += 1


def run(argv: list[str]) -> None:
    args = _parse(argv)
    levels = [int(n) for n in args.levels.split(",") if n.strip()]
    data = load_evalset(args.dataset, require_eval(FOLDERS[args.dataset]), None)
    questions = [text for _, text in data.questions]
    with cache_lock(args.dataset):
        folder = _index_folder(data)
        with _server(folder, args.workers) as url:
            _warm(url, questions)
            results = {str(n): _level(url, questions, n, args.seconds) for n in levels}
    emit(_report(results, args.seconds, args.dataset, len(questions)) | {"workers": args.workers})


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench api")
    parser.add_argument("--seconds", type=float, default=DEFAULT_SECONDS, help="per level")
    parser.add_argument("--levels", default=DEFAULT_LEVELS, help="concurrent clients per level")
    parser.add_argument(
        "--dataset", choices=sorted(FOLDERS), default="rgb", help="whose questions and index"
    )
    parser.add_argument("--workers", type=int, default=1, help="server processes (--workers)")
    return parser.parse_args(argv)


def _index_folder(data: Any) -> Path:
    """The cached RGB index (ingested when missing or stale), closed again for the server."""
    from retrieval.index.embeddings import load_embeddings

    index, _ = wenbao_index(data, load_embeddings())
    folder = Path(index.settings.index_dir)
    index.close()
    return folder


@contextmanager
def _server(folder: Path, workers: int) -> Iterator[str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WENBAO_", "OPENAI_", "LLM_"))}
    env["WENBAO_API_RATE_PER_MINUTE"] = "1000000"  # every client is 127.0.0.1: one bucket
    command = [sys.executable, "-m", "api", "--no-auth", "--port", str(port)]
    command += ["--index", str(folder), "--log-level", "warning", "--workers", str(workers)]
    process = subprocess.Popen(command, cwd=REPO, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the API server exited with code {process.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.3)
    raise SystemExit(f"the API server did not answer within {START_TIMEOUT:.0f} s")


def _warm(url: str, questions: list[str]) -> None:
    """Load every lazy part (index, calibration, jieba) before anything is timed."""
    with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT) as client:
        for question in questions[:WARMUP_QUESTIONS]:
            client.post("/v1/ask", json=_body(question)).raise_for_status()


def _body(question: str) -> dict[str, object]:
    return {"question": question, "mode": "extractive"}


def _level(url: str, questions: list[str], clients: int, seconds: float) -> dict[str, Any]:
    tally = Tally()
    cursor = itertools.cycle(questions)
    cursor_lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def next_question() -> str:
        with cursor_lock:
            return next(cursor)

    def client() -> None:
        with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT) as http:
            while time.monotonic() < stop_at:
                began = time.perf_counter()
                try:
                    ok = http.post("/v1/ask", json=_body(next_question())).status_code == 200
                except httpx.HTTPError:
                    ok = False
                tally.add(time.perf_counter() - began, ok)

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return _summary(tally, time.monotonic() - started)


def _summary(tally: Tally, elapsed: float) -> dict[str, Any]:
    ms = [s * 1000 for s in tally.seconds]
    return {
        "questions": len(ms),
        "questions_per_s": round(len(ms) / elapsed, 2),
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "errors": tally.errors,
    }


def _report(
    results: dict[str, dict[str, Any]], seconds: float, dataset: str, questions: int
) -> dict[str, Any]:
    report: dict[str, Any] = {
        "benchmark": "api",
        "dataset": dataset,
        "seconds_per_level": seconds,
        "questions_in_set": questions,
        "cpus": os.cpu_count(),
        "levels": results,
    }
    if "1" in results and "4" in results:
        ratio = results["4"]["p95_ms"] / results["1"]["p95_ms"]
        report["p95_at_4_over_p95_at_1"] = round(ratio, 2)
        report["target_p95_ratio_met"] = ratio <= TARGET_P95_RATIO
    if "16" in results:
        report["errors_at_16"] = results["16"]["errors"]
        report["target_no_errors_at_16_met"] = results["16"]["errors"] == 0
    report["load_avg_1m_at_end"] = round(os.getloadavg()[0], 2)
    return report
