"""``python -m api [--host H] [--port P] [--index DIR] [--no-auth] [--workers N]``: serve the API
with uvicorn; ``python -m api --new-key ROLE [--name NAME]``: make a key and its keys-file entry.

The one place in ``api`` that prints or reads the environment. Keys come from
``WENBAO_API_KEYS_FILE`` / ``WENBAO_API_KEYS`` (see ``retrieval.keys``); without any, the server
does not start unless auth is turned off explicitly (``--no-auth`` or ``WENBAO_AUTH=off``), and
that only on a loopback host. Every refusal is one line on stderr, exit code 2.

``--workers N`` serves from N processes (answering is mostly Python, so one process uses about
one core): each loads the model and opens the index; the settings reach them through the
environment (``worker_app``), and each keeps its own rate limits (a key may make N times the
rate when its requests spread over the processes).
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from retrieval.errors import ConfigError, WenBaoError
from retrieval.keys import ROLES, Keyring, load_keyring, new_key
from retrieval.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["DEFAULT_PORT", "access", "is_loopback", "main", "worker_app"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
EXIT_ERROR = 2
HOST_VARIABLE = "WENBAO_API_HOST"  # the host the parent checked, for worker processes
NO_KEYS = (
    "No API keys are set: put role:sha256 entries in a file named by WENBAO_API_KEYS_FILE (or in "
    "WENBAO_API_KEYS); `python -m api --new-key reader` makes a key and its entry. To try the "
    "API on this machine without keys, add --no-auth (loopback hosts only)."
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m api",
        description="Serve the WenBao HTTP API (OpenAPI page at /docs).",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"default {DEFAULT_HOST}")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    parser.add_argument(
        "--index", type=Path, help="index folder (default: $WENBAO_INDEX or ./index)"
    )
    parser.add_argument(
        "--no-auth",
        action="store_true",
        help="no API keys: every caller may ask, ingest and delete (loopback hosts only)",
    )
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )
    parser.add_argument(
        "--new-key", metavar="ROLE", choices=ROLES, help="print a new key and its keys-file entry"
    )
    parser.add_argument("--name", default="", help="a name for --new-key's entry (who holds it)")
    parser.add_argument(
        "--workers", type=int, default=1, help="server processes (default 1; see the README)"
    )
    return parser


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run the command; returns the exit code (0, or 2 after a one-line error)."""
    args = build_parser().parse_args(argv)
    try:
        if args.new_key:
            key, line = new_key(args.new_key, args.name)
            print(f"key (give it to its holder; it is stored nowhere): {key}")
            print(f"entry (add it to the keys file): {line}")
            return 0
        return _serve(args, os.environ if environ is None else environ)
    except WenBaoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR


def access(settings: Settings, host: str) -> Keyring | None:
    """The keys to check, or ``None`` when auth is explicitly off on a loopback host.

    Raises:
        ConfigError: auth is off on another host, or on with no keys (or malformed ones).
    """
    if settings.auth == "off":
        if not is_loopback(host):
            raise ConfigError(
                f"--no-auth (WENBAO_AUTH=off) is allowed only on a loopback host, not {host!r}: "
                "serve on 127.0.0.1, or set API keys (see `python -m api --help`)."
            )
        return None
    keyring = load_keyring(settings)
    if keyring.empty:
        raise ConfigError(NO_KEYS)
    return keyring


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _serve(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    settings = Settings.from_env(environ)
    if args.index is not None:
        settings = settings.replace(index_dir=args.index)
    if args.no_auth:
        settings = settings.replace(auth="off")
    if not 0 < args.port < 65536:
        raise ConfigError(f"--port {args.port} is out of range: use 1 to 65535.")
    if args.workers < 1:
        raise ConfigError(f"--workers {args.workers} is not a number of processes: use 1 or more.")
    keyring = access(settings, args.host)  # before any model loads
    import uvicorn

    if args.workers > 1:
        _export(settings, args.host)
        uvicorn.run(
            "api.cli:worker_app",
            factory=True,
            workers=args.workers,
            host=args.host,
            port=args.port,
            log_level=args.log_level,
        )
        return 0

    uvicorn.run(_app(settings, keyring), host=args.host, port=args.port, log_level=args.log_level)
    return 0


def worker_app() -> FastAPI:
    """The app of one ``--workers`` process, from the environment ``_export`` set (a host
    that was not checked counts as not loopback, so auth stays on)."""
    settings = Settings.from_env(os.environ)
    return _app(settings, access(settings, os.environ.get(HOST_VARIABLE, "")))


def _app(settings: Settings, keyring: Keyring | None) -> FastAPI:
    """The app, with the embedder loaded now (and a second one for uploads, on demand)."""
    from api.app import create_app
    from retrieval.index.embeddings import embeddings_for

    load = partial(embeddings_for, settings)
    return create_app(settings, load(), keyring, load)


def _export(settings: Settings, host: str) -> None:
    """What the worker processes must know beyond the environment: the flags."""
    os.environ["WENBAO_INDEX"] = str(settings.index_dir)
    os.environ["WENBAO_AUTH"] = settings.auth
    os.environ[HOST_VARIABLE] = host
