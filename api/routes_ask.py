"""``POST /v1/ask`` (JSON or server-sent events) and ``POST /v1/check``: reader keys.

The JSON is the CLI's own: ``retrieval.cli.answer_json`` and ``retrieval.check.report_json``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from api.auth import require
from api.options import ask_options, search_filter
from api.runtime import runtime
from api.schemas import AskRequest, CheckRequest
from api.streaming import Item, first_then_rest, sse, sse_response, stream_errors, with_draft
from retrieval.check import report_json
from retrieval.cli import answer_json
from retrieval.types import Answer

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["answers"])
READER = Depends(require("reader"))

ASK_STREAM: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "JSON (as `python -m retrieval ask --json`), or with `stream: true` "
        "server-sent events: `piece` ({text}) events, then one `answer` event (the same JSON; "
        "its text replaces the pieces), or an `error` event.",
        "content": {"application/json": {}, "text/event-stream": {}},
    }
}


@router.post("/ask", responses=ASK_STREAM, dependencies=[READER])
def ask(body: AskRequest, request: Request) -> Response:
    """Answer a question from the indexed articles, with its citations and flags."""
    service = runtime(request).service
    answerer = service.ready().answerer
    options = ask_options(service, body.k, body.mode, body.filters, body.as_of)
    if not body.stream:
        answer = answerer.ask(body.question, body.history, options)
        return JSONResponse(answer_json(answer))
    items = first_then_rest(answerer.stream(body.question, body.history, options))
    return sse_response(stream_errors(_ask_events(items), lambda e: sse(e, "error")))


def _ask_events(items: Iterator[Item]) -> Iterator[str]:
    for item in with_draft(items):
        if isinstance(item, Answer):
            yield sse(answer_json(item), "answer")
        else:
            yield sse({"text": item}, "piece")


@router.post("/check", dependencies=[READER])
def check(body: CheckRequest, request: Request) -> JSONResponse:
    """Fact-check a draft: every claim with its verdict, facts, reasons and evidence."""
    service = runtime(request).service
    checker = service.ready().checker
    report = checker.check(body.text, search=search_filter(service, body.filters))
    return JSONResponse(report_json(report))
