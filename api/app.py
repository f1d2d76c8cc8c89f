"""The FastAPI app: routes, error handlers, the body cap, and the runtime on ``app.state``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from api import openai_compat, routes_ask, routes_index
from api.errors import install_handlers
from api.limits import BodyLimit, RateLimiter, body_cap
from api.runtime import Runtime
from api.service import Service
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.keys import Keyring
from retrieval.settings import Settings

__all__ = ["create_app"]

DESCRIPTION = (
    "Questions, fact-checks and the articles of a WenBao index. Send an API key as "
    "`Authorization: Bearer KEY` (or `X-API-Key`): a reader key asks, checks and reads, an "
    'editor key also ingests and deletes. Errors are `{"error": {"type", "message"}}`.'
)


def create_app(
    settings: Settings,
    embeddings: WenBaoEmbeddings,
    keyring: Keyring | None,
    load_embeddings: Callable[[], WenBaoEmbeddings] | None = None,
) -> FastAPI:
    """The API over the index of ``settings``; ``keyring=None`` turns auth off (the caller,
    ``python -m api --no-auth``, allows that on a loopback host only). ``load_embeddings``
    makes a second embedder for uploads, so that questions never wait for their embedding."""
    service = Service(settings, embeddings, load_embeddings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            service.close()

    app = FastAPI(title="WenBao API", version="1", description=DESCRIPTION, lifespan=lifespan)
    app.state.wenbao = Runtime(
        settings, service, keyring, RateLimiter(settings.api_rate_per_minute)
    )
    install_handlers(app)
    app.add_middleware(BodyLimit, cap=partial(body_cap, settings=settings))
    for module in (routes_ask, openai_compat, routes_index):
        app.include_router(module.router)
    app.add_api_route("/healthz", healthz, methods=["GET"], tags=["health"])
    return app


async def healthz() -> JSONResponse:
    """The server is up (no key needed)."""
    return JSONResponse({"status": "ok"})
