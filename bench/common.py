"""Helpers shared by the benchmarks: where the eval data is, memory, sizes, JSON output."""

from __future__ import annotations

import fcntl
import json
import resource
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_EVAL = REPO.parent / "shared" / "eval"
CACHE = REPO / "bench" / "cache"


def require_eval(relative: str) -> Path:
    """The eval file or folder, or exit 0 with a clear message when the data is absent."""
    path = SHARED_EVAL / relative
    if not path.exists():
        print(
            f"skipped: {path} is not here (the eval data lives in ../shared/eval)", file=sys.stderr
        )
        raise SystemExit(0)
    return path


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def dir_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1024 / 1024


def emit(result: dict[str, object]) -> None:
    print(json.dumps(result, ensure_ascii=False, indent=2))


@contextmanager
def cache_lock(dataset: str) -> Iterator[Path]:
    """Hold ``bench/cache/<dataset>/.lock`` while a benchmark uses that dataset's cached index.

    Two processes writing one embedded Chroma folder at once leave records whose embeddings
    can no longer be read back, so a second benchmark on the same cache does not wait: it stops.
    """
    folder = CACHE / dataset
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SystemExit(
                f"another benchmark is using {folder}: wait for it to finish"
            ) from None
        yield folder
