"""Who is calling: the API key (``Authorization: Bearer KEY`` or ``X-API-Key: KEY``), its role
and its rate limit, as FastAPI dependencies.

No key or an unknown key: 401. A reader's key on an editor's route: 403. Over the rate: 429
with ``Retry-After``. Keys are looked up through ``retrieval.keys`` (hashes, constant-time
comparison). With auth off (``--no-auth``, loopback only) every caller is an editor, limited
by its address.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Request

from api.errors import ApiError
from api.limits import retry_after
from api.runtime import runtime
from retrieval.keys import Role, permits

__all__ = ["Caller", "presented_key", "require"]

BEARER = "bearer "


@dataclass(frozen=True)
class Caller:
    """An authorised caller: ``ident`` keys its rate limit (never the key itself)."""

    ident: str
    role: Role
    name: str = ""


def presented_key(request: Request) -> str:
    """The key the request carries, or "" when it carries none."""
    header = request.headers.get("authorization", "")
    if header[: len(BEARER)].lower() == BEARER:
        return header[len(BEARER) :].strip()
    return request.headers.get("x-api-key", "").strip()


def require(needed: Role) -> Callable[[Request], Awaitable[Caller]]:
    """A dependency that lets through callers whose role permits ``needed``."""

    async def dependency(request: Request) -> Caller:
        caller = identify(request)
        wait = runtime(request).limiter.take(caller.ident)
        if wait > 0:
            raise ApiError(
                429,
                "rate_limited",
                f"Too many requests for this key: wait {retry_after(wait)} s (the limit is "
                f"{runtime(request).limiter.per_minute} a minute, WENBAO_API_RATE_PER_MINUTE).",
                {"Retry-After": retry_after(wait)},
            )
        if not permits(caller.role, needed):
            raise ApiError(
                403,
                "forbidden",
                f"This needs an {needed} key and yours is a {caller.role} key: ask for one "
                "with the editor role.",
            )
        return caller

    return dependency


def identify(request: Request) -> Caller:
    """The caller of ``request``: its key's entry, or every caller an editor with auth off."""
    keyring = runtime(request).keyring
    if keyring is None:
        host = request.client.host if request.client else "local"
        return Caller(f"host:{host}", "editor")
    key = presented_key(request)
    if not key:
        raise _unauthorized(
            "No API key: send the header Authorization: Bearer KEY (or X-API-Key: KEY)."
        )
    entry = keyring.match(key)
    if entry is None:
        raise _unauthorized("The API key is not known: check it, or ask for a new one.")
    return Caller(f"key:{entry.digest[:16]}", entry.role, entry.name)


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, {"WWW-Authenticate": "Bearer"})
