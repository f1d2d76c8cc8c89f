"""The default model on a CPU: questions through ONNX Runtime, ingest through torch.

torch is the fastest engine here per token of a batch (``python -m bench ingest``), but one
short text costs it about four times what ONNX Runtime takes with the same float32 weights
(``python -m bench scale``), and a question is one short text. So questions run on ONNX
Runtime, and passages on torch, unless ONNX Runtime alone is loaded (a process that answers:
the sentences of an answer, an upload). Both run the same weights: their vectors agree to a
cosine of 0.99999, so this is one engine to the index's manifest (``torch-cpu``). Each
runtime is loaded on its first use, so an ingest loads torch alone and a process that only
answers never loads torch's copy of the model.
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

__all__ = ["SplitCpuEmbeddings"]

_Vectors = np.ndarray[Any, np.dtype[np.float32]]


class SplitCpuEmbeddings(WenBaoEmbeddings):
    """A mean-pooling sentence-transformers ``folder`` on the CPU, questions on ONNX Runtime
    (float32) and passages on torch; ``name``: the model's name in the manifest."""

    def __init__(self, folder: Path, *, name: str) -> None:
        self.folder = folder
        self.model_name = name
        self.dimension = _dimension(folder)
        self.engine = "torch-cpu"
        self.batch_size = BATCH_SIZES["cpu"]
        self._small: OnnxEmbeddings | None = None
        self._large: SentenceTransformerEmbeddings | None = None
        self._lock = threading.Lock()

    @property
    def runtimes(self) -> tuple[str, ...]:
        """The runtimes loaded so far (``onnx-fp32``, ``torch-cpu``)."""
        return tuple(e.engine for e in (self._small, self._large) if e is not None)

    def embed_passages(self, texts: list[str]) -> _Vectors:
        return self._for(query=False).embed_passages(texts)

    def embed_queries(self, texts: list[str]) -> _Vectors:
        return self._for(query=True).embed_queries(texts)

    def token_count(self, text: str) -> int:
        """Counted by the runtime that would embed ``text`` as a passage (no third copy of
        the tokenizer, which holds about 0.3 GB)."""
        return self._for(query=False).token_count(text)

    def _for(self, *, query: bool) -> WenBaoEmbeddings:
        """ONNX Runtime for questions, and for passages while it is the only runtime loaded;
        torch for the passages of a process that has not answered (an ingest)."""
        with self._lock:
            if query or (self._small is not None and self._large is None):
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
