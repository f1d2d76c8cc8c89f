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
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import NoReturn

from tqdm import tqdm

from ingest.pipeline import IngestOptions, IngestProgress, IngestSummary, ingest_paths
from retrieval.errors import StoreError, WenBaoError
from retrieval.index import Index
from retrieval.index.embeddings import embeddings_for
from retrieval.index.index import EMBED_THREAD
from retrieval.index.vector_cache import CachedEmbeddings
from retrieval.settings import Settings, program_name

__all__ = ["main"]

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130
INTERRUPTED = "Interrupted: the index is consistent; run the same ingest command again to finish."
REFRESH_S = 0.5
"""The progress bar is redrawn at most this often."""
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
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
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
        _leave_if_embedding(EXIT_INTERRUPTED)
        return EXIT_INTERRUPTED
    if args.json:
        print(json.dumps(summary.as_json(), ensure_ascii=False))
    else:
        print(_human(summary))
    return 0


def _leave_if_embedding(code: int) -> None:
    """Exit at once, without the interpreter's shutdown, while an embedding call that Ctrl-C
    abandoned still runs in its thread: ONNX Runtime aborts the process (SIGABRT) when the
    shutdown stops that thread inside the call. The index is repaired and closed by now.
    (Its ``is_alive`` may already say False: a ``join`` that Ctrl-C interrupted leaves it so.)
    """
    if any(thread.name == EMBED_THREAD for thread in threading.enumerate()):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _settings(args: argparse.Namespace, environ: Mapping[str, str]) -> Settings:
    settings = Settings.from_env(environ)
    if args.index is not None:
        settings = settings.replace(index_dir=args.index)
    if args.chunk_tokens is not None:
        settings = settings.replace(chunk_max_tokens=args.chunk_tokens)
    return settings


def _run(args: argparse.Namespace, settings: Settings) -> IngestSummary:
    embeddings = embeddings_for(settings)
    if settings.embedding_cache is not None:
        embeddings = CachedEmbeddings(embeddings, settings.embedding_cache)
    index = Index(settings, embeddings, reset=args.reset)
    show = not (args.quiet or args.json) and sys.stderr.isatty()
    bar = tqdm(
        desc="ingest", unit="B", unit_scale=True, unit_divisor=1024, smoothing=0,
        disable=not show, file=sys.stderr,
    )  # fmt: skip
    options = IngestOptions.from_settings(
        settings, prune=args.prune, date=args.date, on_progress=_progress_bar(bar)
    )
    try:
        return ingest_paths(args.paths, index, options)
    finally:
        bar.close()
        index.close()
        if isinstance(embeddings, CachedEmbeddings):
            embeddings.close()


def _progress_bar(bar: tqdm[NoReturn]) -> Callable[[IngestProgress], None]:
    """Feed ``bar`` (bytes of the files to read, so its ETA is the run's) with the articles,
    chunks and embedding tokens/s so far, redrawn at most every ``REFRESH_S``."""
    drawn = [0.0]

    def show(progress: IngestProgress) -> None:
        bar.total = progress.bytes_total
        bar.set_postfix_str(_progress_text(progress), refresh=False)
        bar.update(progress.bytes_done - bar.n)
        if time.monotonic() - drawn[0] >= REFRESH_S:
            drawn[0] = time.monotonic()
            bar.refresh()

    return show


def _progress_text(progress: IngestProgress) -> str:
    rate = progress.tokens / progress.seconds if progress.seconds > 0 else 0.0
    return (
        f"{progress.files}/{progress.files_total} files, {progress.articles} articles, "
        f"{progress.chunks} chunks ({progress.chunks_added} new), {rate:,.0f} tokens/s"
    )


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
