"""Limits: a per-key rate limit (429 with ``Retry-After``) and a cap on request bodies (413).

The rate limit is a token bucket per caller: ``per_minute`` requests may come at once, then one
more each ``60 / per_minute`` seconds. Bodies are capped before any route reads them: an
upload at the ingest limit (``WENBAO_MAX_FILE_MB``, plus room for the multipart framing),
any other request at ``JSON_BODY_BYTES`` (enough for a 20,000-character fact-check).
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_body
from retrieval.settings import MB, Settings

__all__ = ["JSON_BODY_BYTES", "UPLOAD_PATH", "BodyLimit", "RateLimiter", "body_cap"]

JSON_BODY_BYTES = 256 * 1024
MULTIPART_SLACK = 64 * 1024
UPLOAD_PATH = "/v1/ingest"
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """A token bucket per caller; thread-safe."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._rate = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, caller: str) -> float:
        """Spend one request of ``caller``: 0.0 if allowed, else the seconds until it would be."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.setdefault(caller, _Bucket(float(self.per_minute), now))
            bucket.tokens = min(
                float(self.per_minute), bucket.tokens + (now - bucket.updated) * self._rate
            )
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self._rate


def retry_after(seconds: float) -> str:
    """``Retry-After`` in whole seconds, never 0."""
    return str(max(1, math.ceil(seconds)))


def body_cap(path: str, settings: Settings) -> int:
    """The largest body a request to ``path`` may send, in bytes."""
    return settings.max_bytes + MULTIPART_SLACK if path == UPLOAD_PATH else JSON_BODY_BYTES


class BodyLimit:
    """ASGI middleware: a body over its cap is answered 413 (JSON) before any route reads it.

    A declared ``Content-Length`` over the cap is refused at once; otherwise the body is read
    (counting) and handed on whole.
    """

    def __init__(self, app: ASGIApp, cap: Callable[[str], int]) -> None:
        self.app = app
        self.cap = cap

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        cap = self.cap(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > cap:
            await _too_large(send, cap)
            return
        body = await _read_body(receive, cap)
        if body is None:
            await _too_large(send, cap)
            return
        await self.app(scope, _replay(body, receive), send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _read_body(receive: Receive, cap: int) -> bytes | None:
    """The whole body, or ``None`` once it passes ``cap`` bytes."""
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(parts)  # the client went away; the route sees an empty body
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > cap:
            return None
        parts.append(chunk)
        if not message.get("more_body", False):
            return b"".join(parts)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


async def _too_large(send: Send, cap: int) -> None:
    mib = cap / MB
    size = f"{mib:.1f} MiB" if mib >= 1 else f"{cap // 1024} KiB"
    message = (
        f"The request body is larger than {size}: send a smaller body (uploads: one file of "
        "up to WENBAO_MAX_FILE_MB per request; questions and texts are short)."
    )
    body = error_body("payload_too_large", message)
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
