"""``python -m bench NAME [options]``: run one benchmark and print its figures as JSON."""

from __future__ import annotations

import sys

USAGE = "usage: python -m bench {ingest,retrieval} [options]"


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help"}:
        print(USAGE)
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name == "ingest":
        from bench import ingest

        ingest.run(rest)
        return 0
    if name == "retrieval":
        from bench import retrieval

        retrieval.run(rest)
        return 0
    print(f"unknown benchmark {name!r}; {USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
