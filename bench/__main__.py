"""``python -m bench NAME [options]``: run one benchmark and print its figures as JSON."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = (
    "ingest",
    "retrieval",
    "ablation",
    "answer",
    "calibrate",
    "faults",
    "factcheck",
    "time",
    "scale",
    "api",
)
# A benchmark whose module has another name (``bench.time`` would read as the stdlib's).
MODULES = {"time": "timeqa"}
USAGE = f"usage: python -m bench {{{','.join(BENCHMARKS)}}} [options]"


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help"}:
        print(USAGE)
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name not in BENCHMARKS:
        print(f"unknown benchmark {name!r}; {USAGE}", file=sys.stderr)
        return 2
    importlib.import_module(f"bench.{MODULES.get(name, name)}").run(rest)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
