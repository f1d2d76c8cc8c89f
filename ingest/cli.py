"""``python -m ingest PATH... [--index DIR] [--reset] [--prune] [--date YYYY-MM-DD] [--json]``.

The only place in ``ingest`` that prints, reads the environment or turns errors into
one-line messages.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from tqdm import tqdm

from ingest.pipeline import IngestOptions, IngestSummary, ingest_paths
from retrieval.errors import StoreError, WenBaoError
from retrieval.index import Index
from retrieval.index.embeddings import load_embeddings
from retrieval.index.vector_cache import CachedEmbeddings
from retrieval.settings import Settings, program_name

__all__ = ["main"]

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130
INTERRUPTED = "Interrupted: the index is consistent; run the same ingest command again to finish."
LOW_DISK_BYTES = 16 * 1024 * 1024
"""Under this much free space on the index's disk, a store error is put down to a full disk."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=program_name("wenbao-ingest", "python -m ingest"),
        description="Ingest news articles (txt, md, html, docx, pdf, jsonl) into the WenBao index.",
    )
    parser.add_argument("paths", nargs="+", type=Path, help="files or folders (folders recurse)")
    parser.add_argument(
        "--index", type=Path, help="index folder (default: $WENBAO_INDEX or ./index)"
    )
    parser.add_argument("--reset", action="store_true", help="empty the index first")
    parser.add_argument("--prune", action="store_true", help="remove chunks of files that are gone")
    parser.add_argument(
        "--date",
        metavar="YYYY-MM-DD",
        help="publication date of every article in these files (kept for later ingests)",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    parser.add_argument(
        "--chunk-tokens", type=int, help="chunk size budget in tokens (default 300)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    return parser


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 2 error, 130 interrupted)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    folder: Path | None = args.index
    try:
        settings = _settings(args, os.environ if environ is None else environ)
        folder = settings.index_dir
        IngestOptions(date=args.date)  # a bad --date is refused before any model loads
        summary = _run(args, settings)
    except WenBaoError as exc:
        print(f"error: {_explain(exc, folder)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return EXIT_INTERRUPTED
    if args.json:
        print(json.dumps(summary.as_json(), ensure_ascii=False))
    else:
        print(_human(summary))
    return 0


def _settings(args: argparse.Namespace, environ: Mapping[str, str]) -> Settings:
    settings = Settings.from_env(environ)
    if args.index is not None:
        settings = settings.replace(index_dir=args.index)
    if args.chunk_tokens is not None:
        settings = settings.replace(chunk_max_tokens=args.chunk_tokens)
    return settings


def _run(args: argparse.Namespace, settings: Settings) -> IngestSummary:
    embeddings = load_embeddings(settings.embedding_model)
    if settings.embedding_cache is not None:
        embeddings = CachedEmbeddings(embeddings, settings.embedding_cache)
    index = Index(settings, embeddings, reset=args.reset)
    show = not (args.quiet or args.json) and sys.stderr.isatty()
    files_bar = tqdm(desc="files", unit="file", disable=not show, position=0)
    chunks_bar = tqdm(desc="embedded", unit="chunk", disable=not show, position=1)
    options = IngestOptions.from_settings(
        settings,
        prune=args.prune,
        date=args.date,
        on_file=lambda _path: files_bar.update(1),
        on_embedded=chunks_bar.update,
    )
    try:
        return ingest_paths(args.paths, index, options)
    finally:
        files_bar.close()
        chunks_bar.close()
        index.close()
        if isinstance(embeddings, CachedEmbeddings):
            embeddings.close()


def _explain(exc: WenBaoError, folder: Path | None) -> str:
    """The error's one line, led by what to do when the index's disk is (nearly) full."""
    free = _free_bytes(folder) if isinstance(exc, StoreError) and folder else None
    if free is None or free >= LOW_DISK_BYTES:
        return str(exc)
    return (
        f"the disk holding the index at {folder} is full ({free:,} bytes free): free space, "
        f"then run the same command again ({exc})"
    )


def _free_bytes(folder: Path) -> int | None:
    """Free space on the disk of ``folder`` (or of its nearest existing parent)."""
    for place in (folder, *folder.absolute().parents):
        if place.is_dir():
            return shutil.disk_usage(place).free
    return None


def _human(summary: IngestSummary) -> str:
    lines = [
        f"files: {summary.files}  articles: {summary.articles}",
        f"chunks: {summary.chunks_added} added, {summary.chunks_unchanged} unchanged, "
        f"{summary.chunks_removed} removed",
    ]
    if summary.repaired.changed:
        lines.append(_repaired(summary))
    lines += [f"skipped {s.path}: {s.reason}" for s in summary.skipped]
    if summary.instructions:
        lines.append(
            f"warning: {_n(summary.instructions, 'sentence')} addressing an AI with instructions "
            "(e.g. 'ignore previous instructions'): kept, but never quoted as answers"
        )
    lines.append(f"seconds: {summary.seconds:.1f}")
    return "\n".join(lines)


def _repaired(summary: IngestSummary) -> str:
    report = summary.repaired
    return (
        f"repaired after an interrupted run: {_n(report.orphan_vectors, 'orphan vector')} "
        f"deleted, {_n(report.missing_vectors, 'ledger chunk')} without a vector dropped, "
        f"{_n(len(report.sources_reset), 'file')} marked to ingest again"
    )


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
