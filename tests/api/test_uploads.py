"""Uploads and deletes through the API (editor keys): names that try to leave the uploads
folder, bodies over the cap, and questions answered while an ingest runs."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from ingest.uploads import UPLOAD_FOLDER
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.keys import load_keyring
from tests.api.conftest import (
    EDITOR_KEY,
    QUESTION,
    client,
    index_copy,
    keyed_server,
    keyed_settings,
    serve_app,
)
from tests.api.test_cli import clean_env
from tests.api.test_endpoints import error_of
from tests.conftest import REPO

MAX_FILE_MB = 1
PARK = (
    "云溪湿地公园扩建完成\n\n"
    "云溪湿地公园扩建工程日前完工，新增水域面积85公顷，栽种乡土树木2.3万株。"
    "园区管理处主任韩晓岚介绍，扩建后公园每年可接待游客约40万人次。"
)


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, api_index_dir: Path, embedder: WenBaoEmbeddings
) -> Iterator[tuple[str, Path]]:
    folder = index_copy(tmp_path_factory, api_index_dir)
    with keyed_server(folder, embedder, max_file_mb=MAX_FILE_MB) as url:
        yield url, folder


@pytest.fixture
def editor(served: tuple[str, Path]) -> Iterator[httpx.Client]:
    with client(served[0], EDITOR_KEY, timeout=120) as found:
        yield found


def upload(editor: httpx.Client, name: str, data: bytes) -> dict[str, Any]:
    found = editor.post("/v1/ingest", files=[("files", (name, data, "text/plain"))])
    assert found.status_code == 200, found.text
    return dict(found.json())


def test_an_upload_is_ingested_answered_from_and_deleted(
    served: tuple[str, Path], editor: httpx.Client
) -> None:
    folder = served[1]
    report = upload(editor, "云溪湿地.txt", PARK.encode())
    assert report["ingested"] == 1 and report["skipped"] == []
    answer = editor.post("/v1/ask", json={"question": "云溪湿地公园新增水域面积多少？"}).json()
    assert "85公顷" in answer["answer"] and answer["citations"][0]["source"].endswith(
        "云溪湿地.txt"
    )

    again = upload(editor, "云溪湿地.txt", PARK.encode())
    assert [s["code"] for s in again["skipped"]] == ["duplicate"]

    sources = editor.get("/v1/sources").json()["sources"]
    park = next(s for s in sources if s["name"] == "云溪湿地.txt")
    removed = editor.delete(f"/v1/sources/{park['source_id']}").json()
    assert removed["chunks_removed"] >= 1 and removed["name"] == "云溪湿地.txt"
    assert not (folder / UPLOAD_FOLDER / "云溪湿地.txt").exists()
    assert park["source_id"] not in {
        s["source_id"] for s in editor.get("/v1/sources").json()["sources"]
    }
    assert error_of(editor.delete(f"/v1/sources/{park['source_id']}"), 404)["type"] == "not_found"


@pytest.mark.parametrize(
    "name",
    [
        "../../逃逸.txt",
        "/tmp/绝对路径.txt",
        "..\\..\\反斜杠.txt",
        "空\x00字节.txt",
        "../",
        ".hidden.txt",
    ],
)
def test_an_upload_name_never_leaves_the_uploads_folder(
    served: tuple[str, Path], editor: httpx.Client, name: str
) -> None:
    folder = served[1]
    uploads = folder / UPLOAD_FOLDER
    root = folder.parent
    before = set(root.rglob("*"))
    text = f"本报讯 {len(name)}号测试稿件：云溪湿地公园栽种乡土树木2.3万株，名称{name!r}。"
    found = editor.post("/v1/ingest", files=[("files", (name, text.encode(), "text/plain"))])
    assert found.status_code == 200, found.text
    created = {p for p in set(root.rglob("*")) - before if p.is_file()}
    outside = {p for p in created if p.parent != uploads and not p.is_relative_to(folder)}
    assert not outside, outside
    saved = {p for p in created if p.parent == uploads}
    assert all("/" not in p.name and "\\" not in p.name and "\x00" not in p.name for p in saved)
    assert all(not p.name.startswith(".") for p in saved)
    assert len(saved) == (1 if name.endswith(".txt") else 0), saved  # "../" has no type: skipped
    assert not (Path("/tmp") / "绝对路径.txt").exists()


def test_an_unsupported_upload_is_reported_and_not_kept(
    served: tuple[str, Path], editor: httpx.Client
) -> None:
    report = upload(editor, "程序.exe", b"MZ\x90\x00binary")
    assert [s["code"] for s in report["skipped"]] == ["unsupported"]
    assert not (served[1] / UPLOAD_FOLDER / "程序.exe").exists()


def test_a_body_over_the_cap_is_413_json(served: tuple[str, Path], editor: httpx.Client) -> None:
    big = b"a" * (MAX_FILE_MB * 1024 * 1024 + 200_000)
    found = editor.post("/v1/ingest", files=[("files", ("大.txt", big, "text/plain"))])
    assert "larger than" in error_of(found, 413)["message"]
    assert not (served[1] / UPLOAD_FOLDER / "大.txt").exists()
    long_text = {"text": "缆车" * 200_000}
    assert error_of(editor.post("/v1/check", json=long_text), 413)["type"] == "payload_too_large"


def test_a_chunked_body_over_the_cap_is_413_too(editor: httpx.Client) -> None:
    def pieces() -> Iterator[bytes]:
        for _ in range(40):
            yield b" " * 10_000

    found = editor.post("/v1/ask", content=pieces(), headers={"content-type": "application/json"})
    assert error_of(found, 413)["type"] == "payload_too_large"


def test_questions_are_answered_while_an_ingest_runs(
    served: tuple[str, Path], editor: httpx.Client
) -> None:
    url = served[0]
    paragraphs = [
        f"第{n}期简报：云溪湿地公园第{n}号观测点记录到候鸟{n * 7 + 3}只，"
        f"水质监测结果为{n % 3 + 2}类，管护人员{n % 5 + 2}名每日巡查。"
        for n in range(1, 70)
    ]
    big = ("云溪湿地观测简报汇编\n\n" + "\n\n".join(paragraphs)).encode()
    window: dict[str, float] = {}
    outcome: dict[str, object] = {}

    def ingest() -> None:
        window["start"] = time.monotonic()
        outcome["report"] = upload(editor, "观测简报.txt", big)
        window["end"] = time.monotonic()

    writer = threading.Thread(target=ingest)
    answered: list[tuple[float, int, bool]] = []

    def ask() -> None:
        with client(url) as reader:
            while "end" not in window:
                found = reader.post("/v1/ask", json={"question": QUESTION})
                ok = found.status_code == 200 and "3.6亿元" in found.json().get("answer", "")
                answered.append((time.monotonic(), found.status_code, ok))

    writer.start()
    while "start" not in window:
        time.sleep(0.01)
    askers = [threading.Thread(target=ask) for _ in range(3)]
    for asker in askers:
        asker.start()
    writer.join(timeout=300)
    for asker in askers:
        asker.join(timeout=120)
    report = outcome["report"]
    assert isinstance(report, dict) and report["ingested"] == 1 and report["chunks_added"] > 5
    during = [a for a in answered if window["start"] < a[0] < window["end"]]
    assert len(during) >= 3, (len(answered), window)
    assert all(status == 200 and ok for _, status, ok in answered)


@pytest.mark.slow
def test_articles_another_process_ingests_are_found_by_meaning_too(
    tmp_path_factory: pytest.TempPathFactory,
    api_index_dir: Path,
    embedder: WenBaoEmbeddings,
    tmp_path: Path,
) -> None:
    """The reader reopens its stores after another process's write, so the vectors it adds
    are searched, not only its keywords."""
    folder = index_copy(tmp_path_factory, api_index_dir)
    settings = keyed_settings(folder)
    app = create_app(settings, embedder, load_keyring(settings))
    with serve_app(app) as url, client(url) as reader:
        assert reader.post("/v1/ask", json={"question": QUESTION}).status_code == 200
        article = tmp_path / "海水淡化.txt"
        text = "东港区海水淡化厂开工\n\n东港区新建海水淡化厂，日处理能力5万吨，总投资7.2亿元。"
        article.write_text(text, "utf-8")
        command = [sys.executable, "-m", "ingest", str(article), "--index", str(folder)]
        subprocess.run(command, cwd=REPO, env=clean_env(), check=True, capture_output=True)
        answer = reader.post("/v1/ask", json={"question": "东港区海水淡化厂总投资多少？"}).json()
        assert "7.2亿元" in answer["answer"]
        index = app.state.wenbao.service.reader().index
        hits = index.dense_search("东港区海水淡化厂的日处理能力", 2)
        assert hits[0].chunk.source.endswith("海水淡化.txt")


def test_once_every_source_is_deleted_questions_get_503_until_an_upload(
    tmp_path_factory: pytest.TempPathFactory, api_index_dir: Path, embedder: WenBaoEmbeddings
) -> None:
    folder = index_copy(tmp_path_factory, api_index_dir)
    with keyed_server(folder, embedder) as url, client(url, EDITOR_KEY) as editor:
        assert editor.post("/v1/ask", json={"question": QUESTION}).status_code == 200
        for source in editor.get("/v1/sources").json()["sources"]:
            assert editor.delete(f"/v1/sources/{source['source_id']}").status_code == 200
        empty = editor.post("/v1/ask", json={"question": QUESTION})
        assert "POST /v1/ingest" in error_of(empty, 503)["message"]
        assert upload(editor, "云溪湿地.txt", PARK.encode())["ingested"] == 1
        asked = editor.post("/v1/ask", json={"question": "云溪湿地公园新增水域面积多少？"})
        assert "85公顷" in asked.json()["answer"]
