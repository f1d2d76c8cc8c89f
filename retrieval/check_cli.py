"""``python -m retrieval check "text" [--index DIR] [--json]`` and
``python -m retrieval check --batch CLAIMS.jsonl [--index DIR]``.

A draft checked against the indexed articles (``retrieval.check``): every claim sentence with
its verdict, and each fact's verdict, reason and evidence. ``--json`` prints
``retrieval.check.report_json``; ``--batch`` reads one ``{"id", "text"}`` per line and writes
one JSON line per input, with its ``id`` (or an ``error``). Exit codes as for ``ask``: 0 ok,
1 some batch lines failed, 2 error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from retrieval.answer.questions import clean_text
from retrieval.check import FactChecker, report_json
from retrieval.cli import (
    EXIT_FAILED_QUESTIONS,
    _batch_id,
    _read_batch,
    _settings,
    _warn_incomplete,
)
from retrieval.errors import RetrievalError, WenBaoError
from retrieval.index import Index
from retrieval.index.embeddings import embeddings_for
from retrieval.settings import Settings
from retrieval.types import CheckReport

__all__ = ["add_check_parser", "run_check"]


def add_check_parser(commands: Any) -> None:
    """Register the ``check`` subcommand on the ``python -m retrieval`` subparsers."""
    check = commands.add_parser("check", help="fact-check a draft against the indexed articles")
    check.add_argument("text", nargs="?", help="the text to check (omit with --batch)")
    check.add_argument("--batch", type=Path, help="JSONL file of {id, text}")
    check.add_argument(
        "--index", type=Path, help="index folder (default: $WENBAO_INDEX or ./index)"
    )
    check.add_argument("--json", action="store_true", help="print one JSON object")


def run_check(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    """Run ``check``; ``retrieval.cli.main`` turns its errors into one line on stderr."""
    if (args.text is None) == (args.batch is None):
        raise RetrievalError('Give either a text or --batch FILE, e.g. check "收入32亿元。"')
    return _run(args, _settings(args, environ))


def _run(args: argparse.Namespace, settings: Settings) -> int:
    index = Index(settings, embeddings_for(settings), create=False)
    try:
        checker = _checker(index, settings)
        _warn_incomplete(index.incomplete_sources())
        if args.batch is not None:
            return _batch(checker, args.batch, sys.stdout)
        report = checker.check(clean_text(args.text))
    finally:
        index.close()
    print(json.dumps(report_json(report), ensure_ascii=False) if args.json else _human(report))
    return 0


def _checker(index: Index, settings: Settings) -> FactChecker:
    if index.stats().chunks == 0:
        raise RetrievalError(
            f"The index at {settings.where} is empty: run `python -m ingest data` first."
        )
    if not index.is_consistent():
        raise RetrievalError(
            "The index is out of step after an interrupted ingest: run `python -m ingest PATH` "
            "again to repair it."
        )
    return FactChecker(index, settings)


def _batch(checker: FactChecker, path: Path, out: TextIO) -> int:
    """One JSON line per input line; exit 1 (and say how many on stderr) if any failed."""
    done = failed = 0
    for number, item in _read_batch(path):
        result = _batch_check(checker, number, item)
        done, failed = done + 1, failed + ("error" in result)
        out.write(json.dumps({"id": _batch_id(item, number), **result}, ensure_ascii=False) + "\n")
        out.flush()
    if failed:
        print(f"error: {failed} of {done} texts failed", file=sys.stderr)
        return EXIT_FAILED_QUESTIONS
    return 0


def _batch_check(
    checker: FactChecker, number: int, item: dict[str, Any] | RetrievalError
) -> dict[str, Any]:
    if isinstance(item, RetrievalError):
        return {"error": str(item)}
    text = item.get("text")
    try:
        if not isinstance(text, str):
            raise RetrievalError(f"line {number} is not a JSON object with a 'text' string")
        return report_json(checker.check(text))
    except WenBaoError as exc:
        return {"error": str(exc)}


def _human(report: CheckReport) -> str:
    lines = [f"{report.verdict}: {len(report.claims)} claim(s), {report.seconds:.1f} s"]
    for claim in report.claims:
        lines.append(f"[{claim.verdict}] {claim.text}")
        for fact in claim.facts:
            lines.append(f"  - {fact.kind} {fact.text}: {fact.verdict} — {fact.reason}")
            lines += [
                f"      [{c.n}] {c.title} · {Path(c.source).name} [{c.char_start}:{c.char_end}]"
                for c in fact.citations
            ]
    return "\n".join(lines)
