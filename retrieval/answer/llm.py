"""The LLM side of answering: a chat model on an OpenAI-compatible server, and two chains.

``stream_answer`` writes the answer from the numbered passages and streams it piece by
piece; ``condense_question`` rewrites a follow-up into a standalone question. Both are
LangChain runnables (prompt | model | parser) whose prompts live in ``prompts/*.md``.

The LLM is optional and may be a small model on a laptop, so every server failure becomes
a one-line ``RetrievalError`` (streaming) or a quiet fallback (condensing): the caller then
answers extractively instead of showing a traceback.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterator, Sequence
from urllib.parse import urlsplit

import httpx
import httpx2
import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from retrieval.answer.prompts import prompt_messages
from retrieval.errors import ConfigError, RetrievalError
from retrieval.settings import Settings
from retrieval.types import Chunk

__all__ = [
    "DEFAULT_MAX_TOKENS",
    "LLM_ERRORS",
    "answer_prompt",
    "condense_prompt",
    "condense_question",
    "format_passages",
    "make_chat_model",
    "stream_answer",
    "unreachable_message",
]

DEFAULT_MAX_TOKENS = 512
"""Answers are 1–3 sentences; the cap stops a rambling model from running to the timeout."""

LLM_ERRORS: tuple[type[Exception], ...] = (openai.APIError, httpx2.HTTPError, httpx.HTTPError)
"""What a failing server raises through ``ChatOpenAI``: connection, timeout, HTTP status.

openai>=3 talks HTTP through ``httpx2`` (openai<3 through ``httpx``); a connection that
breaks mid-stream raises the library's own error, unwrapped, so both are listed.
"""
_TIMEOUTS = (openai.APITimeoutError, httpx2.TimeoutException, httpx.TimeoutException)
_HTTP_STATUS = (httpx2.HTTPStatusError, httpx.HTTPStatusError)

MAX_CONDENSED_CHARS = 500
_REASON_CHARS = 160
_LABEL_RE = re.compile(r"^\s*(?:独立问题|问题|(?:standalone )?question)\s*[:：]\s*", re.I)
_NO_CHUNKS = "No generation chunks were returned"
_QUOTES = "\"'“”‘’「」『』`"
_FENCE_TAG = re.compile(r"<(\s*/?\s*passages?\b)", re.IGNORECASE)

_log = logging.getLogger(__name__)


def make_chat_model(
    settings: Settings, *, max_tokens: int | None = DEFAULT_MAX_TOKENS
) -> BaseChatModel | None:
    """A streaming chat model for the configured server, or None when no LLM is configured.

    Retries are off and the temperature is 0: a failed or slow server should fall back to
    the extractive answer at once, and the same question should get the same answer.
    """
    if not settings.llm_configured or settings.llm_model is None:
        return None
    return ChatOpenAI(
        base_url=settings.llm_base_url,
        api_key=SecretStr(settings.llm_api_key or "not-needed"),
        model=settings.llm_model,
        timeout=settings.llm_timeout,
        max_retries=0,
        temperature=0,
        streaming=True,
        max_completion_tokens=max_tokens,
        extra_body=_legacy_token_cap(settings.llm_base_url, max_tokens),
    )


def _legacy_token_cap(base_url: str | None, max_tokens: int | None) -> dict[str, int] | None:
    """``max_tokens`` as well, for servers that ignore the newer ``max_completion_tokens``.

    llama-cpp-python's server (and other older OpenAI-compatible servers) read only
    ``max_tokens`` and would otherwise write until the context is full; OpenAI's own API
    rejects ``max_tokens`` for newer models, so it is not sent there.
    """
    if max_tokens is None or urlsplit(base_url or "").hostname == "api.openai.com":
        return None
    return {"max_tokens": max_tokens}


def format_passages(passages: Sequence[tuple[int, Chunk]]) -> str:
    """The passages as the prompt shows them, each fenced as data between
    ``<passage n="N">`` and ``</passage>``: ``[n] 《title》 section`` then the text.

    The numbers are the ones the model must cite, so they are the caller's, not positions.
    Article text cannot close the fence early: a ``<passage``/``</passage`` in it loses its
    ``<``. The prompt tells the model that what is fenced is quoted material, never orders.
    """
    return "\n\n".join(_format_passage(n, chunk) for n, chunk in passages)


def _format_passage(n: int, chunk: Chunk) -> str:
    title = f"《{chunk.title.strip()}》" if chunk.title.strip() else ""
    heading = " ".join(part for part in (f"[{n}]", title, chunk.section.strip()) if part)
    body = _FENCE_TAG.sub(r"‹\1", f"{heading}\n{chunk.text.strip()}")
    return f'<passage n="{n}">\n{body}\n</passage>'


@functools.cache
def answer_prompt() -> ChatPromptTemplate:
    """The answer prompt from ``prompts/answer.md`` (variables ``passages``, ``question``).

    Raises:
        ConfigError: the prompt file is missing or malformed.
    """
    return _chat_prompt("answer", {"passages", "question"})


@functools.cache
def condense_prompt() -> ChatPromptTemplate:
    """The condense prompt from ``prompts/condense.md`` (variables ``history``, ``question``).

    Raises:
        ConfigError: the prompt file is missing or malformed.
    """
    return _chat_prompt("condense", {"history", "question"})


def _chat_prompt(name: str, variables: set[str]) -> ChatPromptTemplate:
    try:
        prompt = ChatPromptTemplate.from_messages(prompt_messages(name))
    except ValueError as exc:
        raise ConfigError(
            f"prompts/{name}.md is not a valid template ({_one_line(str(exc))}): "
            "write literal braces as {{ and }}."
        ) from None
    if set(prompt.input_variables) != variables:
        found = ", ".join(sorted(prompt.input_variables)) or "none"
        wanted = ", ".join(sorted(variables))
        raise ConfigError(
            f"prompts/{name}.md uses the variables {found}: it must use exactly {wanted}."
        )
    return prompt


def stream_answer(
    model: BaseChatModel, question: str, passages: Sequence[tuple[int, Chunk]]
) -> Iterator[str]:
    """The answer to ``question`` from ``passages``, as text pieces while the model writes.

    Errors surface from the iterator, possibly after some pieces, so a caller that has
    already shown text can still fall back to the extractive answer.

    Raises:
        RetrievalError: the server is unreachable, too slow or answers with an HTTP error.
        ConfigError: the prompt file is missing or malformed.
    """
    chain = answer_prompt() | model | StrOutputParser()
    inputs = {"passages": format_passages(passages), "question": question}
    try:
        for piece in _stream_text(chain, inputs):
            if piece:
                yield piece
    except LLM_ERRORS as exc:
        raise RetrievalError(unreachable_message(model, exc)) from exc


def condense_question(model: BaseChatModel, question: str, history: Sequence[str]) -> str:
    """``question`` rewritten to stand on its own, given the earlier questions ``history``.

    Only the first line of the output is read. Condensing only sharpens retrieval, so any
    failure (server down, empty or runaway output) keeps the original question instead of
    stopping the answer.

    Raises:
        ConfigError: the prompt file is missing or malformed.
    """
    earlier = [item.strip() for item in history if item.strip()]
    if not earlier:
        return question
    chain = condense_prompt() | model | StrOutputParser()
    inputs = {"history": "\n".join(f"- {item}" for item in earlier), "question": question}
    try:
        output = _first_line(_stream_text(chain, inputs))
    except LLM_ERRORS as exc:
        _log.warning("condensing failed, keeping the question: %s", unreachable_message(model, exc))
        return question
    return _clean_condensed(output) or question


def _stream_text(chain: Runnable[dict[str, str], str], inputs: dict[str, str]) -> Iterator[str]:
    """``chain.stream(inputs)``, where an empty reply is simply no pieces.

    LangChain raises ``ValueError`` when a model streams nothing at all; for the callers an
    empty reply is an ordinary outcome (a refusal, or keeping the question).
    """
    try:
        yield from chain.stream(inputs)
    except ValueError as exc:
        if str(exc) != _NO_CHUNKS:
            raise


def _first_line(pieces: Iterator[str]) -> str:
    """The streamed text up to the end of its first non-blank line.

    Only that line is used, so reading stops there: a small model that goes on writing
    after the question costs no more time (closing the stream ends the request).
    """
    text = ""
    for piece in pieces:
        text += piece
        if "\n" in text.lstrip():
            break
    return text


def _clean_condensed(output: str) -> str:
    """The first line of the model's output without a label or quotes; "" if unusable."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    if not lines:
        return ""
    text = _LABEL_RE.sub("", lines[0]).strip().strip(_QUOTES).strip()
    return text if len(text) <= MAX_CONDENSED_CHARS else ""


def unreachable_message(model: BaseChatModel, exc: BaseException) -> str:
    """The one-line message shown when the LLM server fails, naming the server and why."""
    url = getattr(model, "openai_api_base", None) or f"behind {type(model).__name__}"
    return (
        f"The LLM server at {url} is unreachable ({_reason(exc)}): "
        "check OPENAI_BASE_URL or unset it to use extractive answers."
    )


def _reason(exc: BaseException) -> str:
    if isinstance(exc, _TIMEOUTS):
        return "no response in time"
    if isinstance(exc, openai.APIStatusError):
        return _status_reason(exc.status_code, exc.body)
    if isinstance(exc, _HTTP_STATUS):
        return f"HTTP {exc.response.status_code}"
    if isinstance(exc, openai.APIConnectionError):
        root = _root_cause(exc)
        return _one_line(str(root)) if root is not exc else "connection failed"
    return _one_line(str(exc)) or type(exc).__name__


def _status_reason(status: int, body: object) -> str:
    """``HTTP 400: <the server's own message>``, the message only when it is short text."""
    message = body.get("message") if isinstance(body, dict) else None
    if isinstance(message, str) and message.strip():
        return f"HTTP {status}: {_one_line(message)}"
    return f"HTTP {status}"


def _root_cause(exc: BaseException) -> BaseException:
    seen: set[int] = set()
    while exc.__cause__ is not None and id(exc) not in seen:
        seen.add(id(exc))
        exc = exc.__cause__
    return exc


def _one_line(text: str) -> str:
    """Whitespace collapsed and cut short, so a message never spans lines."""
    flat = " ".join(text.split())
    return flat if len(flat) <= _REASON_CHARS else flat[: _REASON_CHARS - 1] + "…"
