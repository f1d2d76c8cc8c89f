"""Every failure as JSON ``{"error": {"type": ..., "message": one line}}``, never a traceback.

``ApiError`` carries the HTTP status and type of a problem the API itself finds (no key,
wrong role, too large, too many requests, not found). A ``WenBaoError`` from the library
keeps its one-line message and gets a status from its class; FastAPI's validation errors
become one line naming the first bad field; anything else is a 500 whose message says to
look at the server log (where the traceback goes).
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from retrieval.errors import (
    ConfigError,
    EmbeddingError,
    IndexMismatchError,
    IngestError,
    RetrievalError,
    StoreError,
    WenBaoError,
)

__all__ = ["ApiError", "error_body", "error_response", "install_handlers", "one_line"]

MAX_MESSAGE = 500

# Most specific first: IndexMismatchError is a StoreError.
_STATUS: tuple[tuple[type[WenBaoError], int, str], ...] = (
    (IndexMismatchError, 500, "index_mismatch"),
    (StoreError, 503, "store_unavailable"),
    (EmbeddingError, 503, "embedding_unavailable"),
    (RetrievalError, 400, "invalid_request"),
    (IngestError, 400, "ingest_failed"),
    (ConfigError, 400, "invalid_request"),
)
_HTTP_TYPES = {
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


class ApiError(Exception):
    """A problem the API reports itself, with its status, type and one-line message."""

    def __init__(
        self, status: int, kind: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.message = message
        self.headers = dict(headers or {})


def one_line(message: str) -> str:
    """``message`` on one line, cut to a readable length."""
    text = " ".join(str(message).split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def error_body(kind: str, message: str) -> dict[str, dict[str, str]]:
    return {"error": {"type": kind, "message": one_line(message)}}


def error_response(
    status: int, kind: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_body(kind, message), status_code=status, headers=dict(headers or {}))


def library_error(exc: WenBaoError) -> ApiError:
    """The status and type a library error is answered with."""
    for cls, status, kind in _STATUS:
        if isinstance(exc, cls):
            return ApiError(status, kind, str(exc))
    return ApiError(400, "invalid_request", str(exc))


def install_handlers(app: FastAPI) -> None:
    """Answer every exception with the JSON error body."""

    async def api_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return error_response(exc.status, exc.kind, exc.message, exc.headers)

    async def wenbao_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, WenBaoError)
        found = library_error(exc)
        return error_response(found.status, found.kind, found.message)

    async def invalid(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return error_response(422, "invalid_request", validation_message(exc))

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        kind = _HTTP_TYPES.get(exc.status_code, "http_error")
        message = str(exc.detail)
        if exc.status_code in {404, 405} and message in {"Not Found", "Method Not Allowed"}:
            route = f"{request.method} {request.url.path}"
            message = f"{message}: there is no {route}; see /docs for the endpoints."
        return error_response(exc.status_code, kind, message, exc.headers)

    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        # Starlette re-raises it after this answer, so the server logs the traceback once.
        message = f"Internal error ({exc.__class__.__name__}): see the server log, then retry."
        return error_response(500, "internal_error", message)

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(WenBaoError, wenbao_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)


def validation_message(exc: RequestValidationError) -> str:
    """The first problem FastAPI found, as "field: what is wrong"."""
    errors = exc.errors()
    if not errors:
        return "The request is not valid: check it against /docs."
    first = errors[0]
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
    message = str(first.get("msg", "invalid value"))
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where or 'body'}: {message}{more}; see /docs for the request format."
