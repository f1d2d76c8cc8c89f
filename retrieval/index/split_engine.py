"""The default model on a CPU: batches through torch, questions through ONNX Runtime.

torch is the fastest engine here per token of a batch (``python -m bench ingest``), but one
short text costs it about four times what ONNX Runtime takes with the same float32 weights
(``python -m bench scale``), and a question is always one short text. So calls of at most
``SMALL_CALL`` texts (a question, an answer's sentence) run on ONNX Runtime, and larger ones
(ingest) on torch; an ingest's few last chunks stay on torch. Both run the same weights: their
vectors agree to a cosine of 0.99999, so this is one engine to the index's manifest
(``torch-cpu``). Each runtime is loaded on its first use: a process that only answers never
loads torch's copy of the model.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.index.embeddings import (
    BATCH_SIZES,
    OnnxEmbeddings,
    SentenceTransformerEmbeddings,
    WenBaoEmbeddings,
)
from retrieval.index.onnx_engine import load_tokenizer

__all__ = ["SMALL_CALL", "SplitCpuEmbeddings"]

SMALL_CALL = 8
"""Texts per call at most for ONNX Runtime; larger calls (ingest batches) go to torch."""
_Vectors = np.ndarray[Any, np.dtype[np.float32]]


class SplitCpuEmbeddings(WenBaoEmbeddings):
    """A mean-pooling sentence-transformers ``folder`` on the CPU, small calls on ONNX
    Runtime (float32) and batches on torch; ``name``: the model's name in the manifest."""

    def __init__(self, folder: Path, *, name: str) -> None:
        self.folder = folder
        self.model_name = name
        self.dimension = _dimension(folder)
        self.engine = "torch-cpu"
        self.batch_size = BATCH_SIZES["cpu"]
        self._prompts = _prompts(folder)
        self._tokenizer = load_tokenizer(folder)
        self._small: OnnxEmbeddings | None = None
        self._large: SentenceTransformerEmbeddings | None = None
        self._lock = threading.Lock()

    @property
    def runtimes(self) -> tuple[str, ...]:
        """The runtimes loaded so far (``onnx-fp32``, ``torch-cpu``)."""
        return tuple(e.engine for e in (self._small, self._large) if e is not None)

    def embed_passages(self, texts: list[str]) -> _Vectors:
        return self._for(len(texts)).embed_passages(texts)

    def embed_queries(self, texts: list[str]) -> _Vectors:
        return self._for(len(texts)).embed_queries(texts)

    def token_count(self, text: str) -> int:
        return len(self._tokenizer.encode(self._prompts.get("passage", "") + text).ids)

    def _for(self, count: int) -> WenBaoEmbeddings:
        """ONNX Runtime for a small call, unless torch alone is loaded (an ingest's last few
        chunks): a second copy of the model is loaded only where both kinds of call come."""
        with self._lock:
            if count <= SMALL_CALL and (self._small is not None or self._large is None):
                if self._small is None:
                    self._small = OnnxEmbeddings(
                        self.folder, name=self.model_name, precision="fp32"
                    )
                return self._small
            if self._large is None:
                self._large = SentenceTransformerEmbeddings(
                    str(self.folder), device="cpu", name=self.model_name
                )
            return self._large


def _dimension(folder: Path) -> int:
    config = json.loads((folder / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    return int(config["word_embedding_dimension"])


def _prompts(folder: Path) -> dict[str, str]:
    config = json.loads((folder / "config_sentence_transformers.json").read_text("utf-8"))
    return dict(config.get("prompts") or {})
