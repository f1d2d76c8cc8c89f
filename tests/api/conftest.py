"""Fixtures for the HTTP API: a small real index of our own articles, and real uvicorn servers
on free loopback ports (one per test module, in a thread, sharing the session's embedder)."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from api.app import create_app
from ingest.pipeline import ingest_paths
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings, load_embeddings
from retrieval.keys import Keyring, hash_key, load_keyring
from retrieval.settings import Settings

READER_KEY = "wb_test-reader-key-0001"
EDITOR_KEY = "wb_test-editor-key-0002"
KEYS = f"reader:{hash_key(READER_KEY)}:cms\neditor:{hash_key(EDITOR_KEY)}:desk"

# Our own short articles (dates from the file names).
ARTICLES = {
    "2023-05-12_缆车.txt": (
        "临江市首条跨江缆车正式开通\n\n"
        "临江市首条跨江缆车于本月十日正式开通，全长1600米，单程用时约8分钟。"
        "缆车项目总投资3.6亿元，每小时可运送乘客2400人次。\n\n"
        "市交通局负责人表示，缆车开通后，两岸居民通勤时间将缩短一半以上。"
    ),
    "2022-11-03_茶叶.txt": (
        "青石县茶叶产业稳步发展\n\n"
        "2022年前三季度，青石县茶叶产量达到1.8万吨，同比增长6.5%。"
        "县农业农村局局长周海峰说，明年将新建标准化茶园3000亩。"
    ),
    "图书馆.txt": (
        "北湖区图书馆新馆开放\n\n"
        "北湖区图书馆新馆建筑面积4.2万平方米，藏书120万册，设有阅览座位1500个。"
        "新馆每周开放六天，周一闭馆。"
    ),
}
QUESTION = "临江市跨江缆车项目总投资多少？"


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def api_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("api-corpus")
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, "utf-8")
    return folder


@pytest.fixture(scope="session")
def api_index_dir(
    tmp_path_factory: pytest.TempPathFactory, api_corpus: Path, embedder: WenBaoEmbeddings
) -> Path:
    """The index of ``ARTICLES``, built once; modules serve copies of it."""
    folder = tmp_path_factory.mktemp("api-index") / "index"
    index = Index(Settings(index_dir=folder), embedder)
    try:
        ingest_paths([api_corpus], index)
    finally:
        index.close()
    return folder


def index_copy(tmp_path_factory: pytest.TempPathFactory, source: Path) -> Path:
    folder = tmp_path_factory.mktemp("api-served") / "index"
    shutil.copytree(source, folder)
    return folder


@contextmanager
def serve(settings: Settings, embedder: WenBaoEmbeddings, keyring: Keyring | None) -> Iterator[str]:
    """A real uvicorn server of the app on a free loopback port; yields its base URL."""
    with serve_app(create_app(settings, embedder, keyring, load_embeddings)) as url:
        yield url


@contextmanager
def serve_app(app: FastAPI) -> Iterator[str]:
    """A real uvicorn server of ``app`` on a free loopback port; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="api-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the API server did not start on port {port}")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@contextmanager
def keyed_server(folder: Path, embedder: WenBaoEmbeddings, **settings: object) -> Iterator[str]:
    """A server with the test keys over ``folder``; ``settings`` override the rest."""
    chosen = keyed_settings(folder, **settings)
    with serve(chosen, embedder, load_keyring(chosen)) as url:
        yield url


def keyed_settings(folder: Path, **settings: object) -> Settings:
    chosen = Settings(index_dir=folder, api_keys=KEYS, api_rate_per_minute=100_000)
    return chosen.replace(**settings)


def client(url: str, key: str | None = READER_KEY, timeout: float = 60.0) -> httpx.Client:
    return httpx.Client(base_url=url, headers=auth(key) if key else {}, timeout=timeout)
