"""Helpers shared by the benchmarks: where the eval data is, memory, sizes, JSON output."""

from __future__ import annotations

import json
import resource
import sys
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
