"""``python -m retrieval ask "问题" [--index DIR] [--history Q]... [--k N] [--as-of DAY] [--json]``
and ``python -m retrieval ask --batch QUESTIONS.jsonl [--index DIR]`` (a line's ``as_of`` is
the day that question is asked on); ``check`` (fact-check
a draft) lives in ``retrieval.check_cli``.

The only place in ``retrieval`` that prints, reads the environment or turns errors into
one-line messages. Batch mode loads the models once and writes one JSON line per question.
Exit codes: 0 ok, 1 some batch questions failed, 2 error, 130 interrupted (Ctrl-C).
The index is opened for reading only: a folder with no index is an error, never created.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from retrieval.answer.chain import Answerer, AskOptions
from retrieval.answer.citations import citation_json
from retrieval.answer.llm import make_chat_model
from retrieval.answer.questions import clean_text
from retrieval.answer.timing import check_as_of
from retrieval.errors import RetrievalError, WenBaoError
from retrieval.index import Index
from retrieval.index.embeddings import embeddings_for
from retrieval.settings import DEFAULT_K, K_RANGE, Settings, program_name
from retrieval.text.period_labels import period_notes
from retrieval.types import Answer

__all__ = ["answer_json", "main"]

EXIT_FAILED_QUESTIONS = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130
INTERRUPTED = "Interrupted: the index was not changed; ask again."


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=program_name("wenbao-ask", "python -m retrieval"))
    commands = parser.add_subparsers(dest="command", required=True)
    ask = commands.add_parser("ask", help="answer a question from the indexed articles")
    ask.add_argument("question", nargs="?", help="the question (omit with --batch)")
    ask.add_argument("--batch", type=Path, help="JSONL file of {id, question, history, as_of}")
    ask.add_argument("--index", type=Path, help="index folder (default: $WENBAO_INDEX or ./index)")
    ask.add_argument("--history", action="append", default=[], help="an earlier question")
    ask.add_argument("--k", type=int, help=f"passages given to the answerer (default {DEFAULT_K})")
    ask.add_argument("--mode", choices=["extractive", "llm"], help="default: llm if configured")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument(
        "--as-of",
        metavar="YYYY-MM-DD",
        help="the day the question is asked on, for 去年, 上月, 最近 (default: today)",
    )
    from retrieval.check_cli import add_check_parser  # here: check_cli imports this module

    add_check_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run the CLI; returns the exit code (see the module docstring). The one place where
    ``ask`` and ``check`` errors become one line on stderr."""
    args = build_parser().parse_args(argv)
    env = os.environ if environ is None else environ
    try:
        if args.command == "check":
            from retrieval.check_cli import run_check

            return run_check(args, env)
        return _ask(args, env)
    except WenBaoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return EXIT_INTERRUPTED


def _ask(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    if (args.question is None) == (args.batch is None):
        raise RetrievalError('Give either a question or --batch FILE, e.g. ask "GDP增长多少?"')
    _check_k(args.k)
    check_as_of(args.as_of, "--as-of")  # before any model loads
    return _run(args, _settings(args, environ))


def _run(args: argparse.Namespace, settings: Settings) -> int:
    index = Index(settings, embeddings_for(settings), create=False)
    try:
        answerer = _answerer(index, settings)
        _warn_incomplete(index.incomplete_sources())
        k = settings.k if args.k is None else args.k
        options = AskOptions(k=k, mode=args.mode, as_of=args.as_of)
        if args.batch is not None:
            return _batch(answerer, args.batch, options, sys.stdout)
        answer = answerer.ask(args.question, args.history, options)
    finally:
        index.close()
    print(json.dumps(answer_json(answer), ensure_ascii=False) if args.json else _human(answer))
    return 0


def _check_k(k: int | None) -> None:
    """``--k`` must be in ``K_RANGE``; 0 is an error, never "the default"."""
    if k is not None and not K_RANGE[0] <= k <= K_RANGE[1]:
        low, high = K_RANGE
        raise RetrievalError(f"--k {k} is out of range: give {low} to {high} passages.")


def answer_json(answer: Answer) -> dict[str, Any]:
    """The ``--json`` contract: answer, refused, citations, flags, mode, seconds, and the
    answerability model's ``confidence`` (0..1) with its ``reliability`` reading."""
    return {
        "answer": answer.text,
        "refused": answer.refused,
        "citations": [citation_json(c) for c in answer.citations],
        "flags": [
            {"kind": f.kind, "sentence": f.sentence, "item": f.item, "message": f.message}
            for f in answer.flags
        ],
        "mode": answer.mode,
        "seconds": round(answer.seconds, 3),
        "standalone_question": answer.standalone_question,
        "key_figures": list(answer.key_figures),
        "notice": answer.notice,
        "confidence": answer.confidence,
        "reliability": answer.reliability,
    }


def _settings(args: argparse.Namespace, environ: Mapping[str, str]) -> Settings:
    settings = Settings.from_env(environ)
    return settings.replace(index_dir=args.index) if args.index is not None else settings


def _answerer(index: Index, settings: Settings) -> Answerer:
    if index.stats().chunks == 0:
        raise RetrievalError(
            f"The index at {settings.where} is empty: run `python -m ingest data` first."
        )
    if not index.is_consistent():
        raise RetrievalError(
            "The index is out of step after an interrupted ingest: run `python -m ingest PATH` "
            "again to repair it."
        )
    return Answerer(index, chat_model=make_chat_model(settings))


def _warn_incomplete(sources: Sequence[str]) -> None:
    """One line on stderr naming the sources a stopped ingest left half written."""
    if not sources:
        return
    names = ", ".join(Path(s).name for s in sources[:5]) + (", ..." if len(sources) > 5 else "")
    print(
        f"warning: {len(sources)} source(s) were not fully ingested ({names}): answers may miss "
        "their passages; run `python -m ingest PATH` again to finish them.",
        file=sys.stderr,
    )


def _batch(answerer: Answerer, path: Path, options: AskOptions, out: TextIO) -> int:
    """One JSON line per question; exit 1 (and say how many on stderr) if any failed.

    A line that is not UTF-8 or not a JSON object gets an error line; the next goes on.
    """
    asked = failed = 0
    for number, item in _read_batch(path):
        result = _batch_answer(answerer, number, item, options)
        asked, failed = asked + 1, failed + ("error" in result)
        out.write(json.dumps({"id": _batch_id(item, number), **result}, ensure_ascii=False) + "\n")
        out.flush()
    if failed:
        print(f"error: {failed} of {asked} questions failed", file=sys.stderr)
        return EXIT_FAILED_QUESTIONS
    return 0


def _batch_id(item: dict[str, Any] | RetrievalError, number: int) -> object:
    found = item.get("id", number) if isinstance(item, dict) else number
    return clean_text(found) if isinstance(found, str) else found


def _batch_answer(
    answerer: Answerer, number: int, item: dict[str, Any] | RetrievalError, options: AskOptions
) -> dict[str, Any]:
    if isinstance(item, RetrievalError):
        return {"error": str(item)}
    question, history = item.get("question"), item.get("history") or []
    as_of = item.get("as_of", options.as_of)
    try:
        if not isinstance(question, str) or not isinstance(history, list):
            raise RetrievalError(
                f"line {number} is not a JSON object with a 'question' string "
                "(and optionally a 'history' list)"
            )
        if as_of is not None and not isinstance(as_of, str):
            raise RetrievalError(f"line {number}: 'as_of' must be a string such as \"2023-06-14\"")
        asked = dataclasses.replace(options, as_of=as_of)
        return answer_json(answerer.ask(question, [str(h) for h in history], asked))
    except WenBaoError as exc:
        return {"error": str(exc)}


def _read_batch(path: Path) -> Iterator[tuple[int, dict[str, Any] | RetrievalError]]:
    """Each non-blank line as a JSON object, or the error that line gets in its place."""
    try:
        lines = path.read_bytes().splitlines()
    except OSError as exc:
        raise RetrievalError(f"Cannot read {path} ({exc}): give a UTF-8 JSONL file.") from None
    for number, line in enumerate(lines, start=1):
        if line.strip():
            yield number, _batch_item(number, line)


def _batch_item(number: int, line: bytes) -> dict[str, Any] | RetrievalError:
    try:
        item = json.loads(line.decode("utf-8-sig" if number == 1 else "utf-8"))
    except UnicodeDecodeError:
        return RetrievalError(f"line {number} is not valid UTF-8: save the file as UTF-8")
    except json.JSONDecodeError:
        item = None
    return item if isinstance(item, dict) else {"question": None, "id": number}


def _human(answer: Answer) -> str:
    lines = [answer.text]
    if answer.reliability == "check" and answer.confidence is not None:
        lines.insert(0, f"(needs checking: confidence {answer.confidence:.2f})")
    if answer.notice:
        lines.append(f"({answer.notice})")
    for c in answer.citations:
        mark = " (incomplete source: re-run ingest)" if c.incomplete else ""
        lines.append(
            f"[{c.n}] {c.title} · {Path(c.source).name} [{c.char_start}:{c.char_end}]{mark}"
        )
        lines += [f"    ({note})" for note in period_notes(c.periods)]
    lines += [f"! {f.message}" for f in answer.flags]
    return "\n".join(lines)
