"""``POST /v1/chat/completions`` and ``GET /v1/models``: OpenAI-compatible, so any OpenAI client
library works unchanged, and no citation is lost on the way.

The answer text keeps its ``[n]`` markers. Two extra top-level fields carry the rest:
``citations`` (each as ``python -m retrieval ask --json`` gives it: ``n``, source, offsets,
exact ``quote``, periods) and ``wenbao`` (the whole ``ask --json`` object: refused, flags,
confidence, reliability...). A stream sends the text as ``delta.content`` pieces and puts both
fields on its final chunk (the one with ``finish_reason``), whose ``wenbao.answer`` is the
checked text: in LLM mode it replaces the streamed draft (markers renumbered, unsupported
ones removed); in extractive mode the two are the same.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from itertools import chain
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from api.auth import require
from api.errors import ApiError
from api.options import ask_options
from api.runtime import runtime
from api.schemas import ChatMessage, ChatRequest
from api.streaming import Item, first_then_rest, sse, sse_response, stream_errors, with_draft
from retrieval.answer.citations import citation_json
from retrieval.cli import answer_json
from retrieval.text.tokens import count_tokens
from retrieval.types import Answer

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["openai"])
READER = Depends(require("reader"))
MODEL = "wenbao"


@router.get("/models", dependencies=[READER])
def models() -> JSONResponse:
    """The one model this server offers (for clients that list models first)."""
    card = {"id": MODEL, "object": "model", "created": 0, "owned_by": "wenbao"}
    return JSONResponse({"object": "list", "data": [card]})


@router.post("/chat/completions", dependencies=[READER])
def chat_completions(body: ChatRequest, request: Request) -> Response:
    """The last user message answered from the articles; earlier user messages are its
    history. Citations in the extra ``citations`` field (and ``wenbao``: the ask JSON)."""
    question, history = conversation(body.messages)
    service = runtime(request).service
    answerer = service.ready().answerer
    options = ask_options(service, body.k, body.mode, body.filters, body.as_of)
    head = _Head(f"chatcmpl-{uuid.uuid4().hex}", int(time.time()), body.model)
    if not body.stream:
        answer = answerer.ask(question, history, options)
        return JSONResponse(head.completion(answer))
    items = first_then_rest(answerer.stream(question, history, options))
    events = stream_errors(head.chunks(items), sse)
    return sse_response(chain(events, [sse("[DONE]")]))


def conversation(messages: list[ChatMessage]) -> tuple[str, list[str]]:
    """The question (the last user message) and its history (the user messages before it)."""
    asked = [_text(m) for m in messages if m.role == "user"]
    if not asked:
        raise ApiError(
            400,
            "invalid_request",
            "messages: there is no user message: send the question as a message with role user.",
        )
    return asked[-1], asked[:-1]


def _text(message: ChatMessage) -> str:
    content = message.content
    if content is None or isinstance(content, str):
        return content or ""
    return "".join(str(p.get("text", "")) for p in content if p.get("type") == "text")


class _Head:
    """What every object of one completion repeats: id, time, model."""

    def __init__(self, ident: str, created: int, model: str) -> None:
        self.ident, self.created, self.model = ident, created, model

    def _base(self, kind: str) -> dict[str, Any]:
        return {"id": self.ident, "object": kind, "created": self.created, "model": self.model}

    def completion(self, answer: Answer) -> dict[str, Any]:
        message = {"role": "assistant", "content": answer.text}
        prompt, written = count_tokens(answer.question), count_tokens(answer.text)
        return self._base("chat.completion") | {
            "choices": [
                {"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}
            ],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": written,
                "total_tokens": prompt + written,
            },
            **extras(answer),
        }

    def chunks(self, items: Iterator[Item]) -> Iterator[str]:
        yield sse(self._chunk({"role": "assistant", "content": ""}))
        for item in with_draft(items):
            if isinstance(item, Answer):
                yield sse(self._chunk({}, finish="stop") | extras(item))
            else:
                yield sse(self._chunk({"content": item}))

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
        return self._base("chat.completion.chunk") | {"choices": [choice]}


def extras(answer: Answer) -> dict[str, Any]:
    """The fields OpenAI's format has no place for: every citation, and the whole ask JSON."""
    return {
        "citations": [citation_json(c) for c in answer.citations],
        "wenbao": answer_json(answer),
    }
