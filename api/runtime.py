"""What every request needs, kept on ``app.state``: settings, the service, keys and limits."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from api.limits import RateLimiter
from api.service import Service
from retrieval.keys import Keyring
from retrieval.settings import Settings

__all__ = ["Runtime", "runtime"]


@dataclass(frozen=True)
class Runtime:
    """``keyring`` is ``None`` when auth is off (``--no-auth``)."""

    settings: Settings
    service: Service
    keyring: Keyring | None
    limiter: RateLimiter


def runtime(request: Request) -> Runtime:
    """The runtime of the app serving ``request``."""
    found = request.app.state.wenbao
    assert isinstance(found, Runtime)
    return found
