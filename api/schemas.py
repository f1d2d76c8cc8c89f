"""Request bodies, as pydantic models (they also document the API at ``/docs``).

Only shapes are checked here; the values (question length, ``k``, ``as_of``, dates) are checked
by the library, with the same one-line messages as the CLI.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from retrieval.types import AnswerMode

__all__ = ["AskRequest", "ChatMessage", "ChatRequest", "CheckRequest", "Filters"]

MAX_HISTORY = 50
MAX_LIST = 200


class Filters(BaseModel):
    """Limits on the search: sources (ids from ``GET /v1/sources``, or recorded paths),
    articles, and publication dates (inclusive ``YYYY-MM-DD``; undated articles are left out)."""

    model_config = ConfigDict(extra="forbid")

    sources: list[str] = Field(default_factory=list, max_length=MAX_LIST)
    article_ids: list[str] = Field(default_factory=list, max_length=MAX_LIST)
    date_from: str | None = None
    date_to: str | None = None


class AskRequest(BaseModel):
    """A question, as ``python -m retrieval ask`` takes it."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(description="the question (at most 1000 characters)")
    history: list[str] = Field(
        default_factory=list, max_length=MAX_HISTORY, description="earlier questions"
    )
    k: int | None = Field(None, description="passages given to the answerer (1-50)")
    mode: AnswerMode | None = Field(None, description="default: llm when configured")
    filters: Filters | None = None
    as_of: str | None = Field(None, description="the day asked on, YYYY-MM-DD (default today)")
    stream: bool = Field(False, description="server-sent events: pieces, then the answer")


class CheckRequest(BaseModel):
    """A draft to fact-check, as ``python -m retrieval check`` takes it."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="the text to check (at most 20,000 characters)")
    filters: Filters | None = None


class ChatMessage(BaseModel):
    """An OpenAI chat message; ``content`` is text or a list of ``{"type": "text"}`` parts."""

    model_config = ConfigDict(extra="allow")

    role: str
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    """An OpenAI chat completion request. The last user message is the question and the
    earlier user messages its history; sampling fields are accepted and ignored. WenBao's own
    options may be sent beside them (``extra_body`` in the openai client)."""

    model_config = ConfigDict(extra="allow")

    model: str = "wenbao"
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    k: int | None = None
    mode: AnswerMode | None = None
    filters: Filters | None = None
    as_of: str | None = None
