"""Server-sent events over ``Answerer.stream``: text pieces as they come, then the answer.

The first item is taken before the response starts, so a bad question still gets its error
status and JSON body; an error after that is sent as a last ``error`` event (the status line
is gone by then). Extractive answers have no pieces of their own: their text is sent as one
piece, so every stream reads the same way.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from itertools import chain
from typing import Any

from starlette.responses import StreamingResponse

from api.errors import error_body, library_error
from retrieval.errors import WenBaoError
from retrieval.types import Answer

__all__ = ["Item", "first_then_rest", "sse", "sse_response", "stream_errors", "with_draft"]

Item = str | Answer
LOG = logging.getLogger("wenbao.api")
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def sse(data: Any, event: str | None = None) -> str:
    """One event; ``data`` as compact JSON (or as is, for ``[DONE]``)."""
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {payload}\n\n"


def first_then_rest(items: Iterator[Item]) -> Iterator[Item]:
    """``items`` with its first item already taken (raising here, before any byte is sent)."""
    first = next(items, None)
    return chain([] if first is None else [first], items)


def with_draft(items: Iterator[Item]) -> Iterator[Item]:
    """``items``, with the answer's text sent as a piece first when no piece came before it."""
    streamed = False
    for item in items:
        if isinstance(item, Answer) and not streamed:
            yield item.text
        streamed = streamed or isinstance(item, str)
        yield item


def stream_errors(
    events: Iterator[str], on_error: Callable[[dict[str, Any]], str]
) -> Iterator[str]:
    """``events``, ending with ``on_error(body)`` instead of a traceback if one fails."""
    try:
        yield from events
    except WenBaoError as exc:
        found = library_error(exc)
        yield on_error(error_body(found.kind, found.message))
    except Exception as exc:
        LOG.exception("a stream failed")
        message = f"Internal error ({exc.__class__.__name__}): see the server log, then retry."
        yield on_error(error_body("internal_error", message))


def sse_response(events: Iterator[str]) -> StreamingResponse:
    return StreamingResponse(events, media_type="text/event-stream", headers=HEADERS)
