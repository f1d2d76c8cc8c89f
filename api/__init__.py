"""The HTTP API of WenBao: ``python -m api`` (FastAPI served by uvicorn).

Questions (``/v1/ask``, OpenAI-compatible ``/v1/chat/completions``), fact-checks
(``/v1/check``), the articles of the index, and uploads and deletes for editor keys; every
error is JSON with a one-line message. The only layer that imports fastapi, starlette and
uvicorn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from api.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name != "create_app":
        raise AttributeError(f"module 'api' has no attribute {name!r}")
    from api.app import create_app

    return create_app
