"""Uploads under a name already taken: both are kept, a corrupt one never replaces a good one,
and the very same bytes are recognised as the same file (issue 10, item 3)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ingest.uploads import describe, ingest_uploads, uploads_folder
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.settings import Settings
from tests.test_app import button, start
from ui.messages import SKIP_REASONS, skipped_text

FIRST = "# 西岭新区投资\n\n本报讯 今年前十个月,西岭新区合同投资额达到4.29亿元,同比增长12.9%。\n"
SECOND = "# 东湖码头扩建\n\n本报讯 东湖码头扩建工程昨日开工,总投资7.6亿元,预计2026年完工。\n"


@pytest.fixture
def index(tmp_path: Path, embedder: WenBaoEmbeddings) -> Iterator[Index]:
    opened = Index(Settings(index_dir=tmp_path / "index"), embedder)
    yield opened
    opened.close()


def _names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def _found(index: Index, words: str) -> set[str]:
    """The file names of the chunks a keyword search for ``words`` finds."""
    return {Path(hit.chunk.source).name for hit in index.keyword_search(words, 5)}


def test_a_second_upload_with_the_same_name_is_kept_beside_the_first(index: Index) -> None:
    folder = uploads_folder(index.settings)
    ingest_uploads([("新闻.txt", FIRST.encode())], index, folder)
    summary = ingest_uploads([("新闻.txt", SECOND.encode())], index, folder)
    assert summary.skipped == () and summary.articles == 1
    assert _names(folder) == ["新闻 (2).txt", "新闻.txt"]
    assert (folder / "新闻.txt").read_text(encoding="utf-8") == FIRST
    assert {Path(s.source).name for s in index.sources()} == {"新闻.txt", "新闻 (2).txt"}
    assert _found(index, "西岭新区合同投资额") >= {"新闻.txt"}
    assert _found(index, "东湖码头扩建工程") >= {"新闻 (2).txt"}


def test_two_uploads_with_one_name_in_one_batch_are_both_kept(index: Index) -> None:
    folder = uploads_folder(index.settings)
    files = [("新闻.txt", FIRST.encode()), ("新闻.txt", SECOND.encode())]
    summary = ingest_uploads(files, index, folder)
    assert summary.skipped == () and _names(folder) == ["新闻 (2).txt", "新闻.txt"]
    assert len(index.sources()) == 2


def test_a_corrupt_upload_under_the_same_name_leaves_the_good_article(index: Index) -> None:
    folder = uploads_folder(index.settings)
    ingest_uploads([("新闻.txt", FIRST.encode())], index, folder)
    chunks = index.stats().chunks
    summary = ingest_uploads([("新闻.txt", bytes(range(256)) * 4)], index, folder)
    assert [(Path(s.path).name, s.code) for s in summary.skipped] == [("新闻 (2).txt", "binary")]
    assert _names(folder) == ["新闻.txt"]
    assert (folder / "新闻.txt").read_text(encoding="utf-8") == FIRST
    assert [Path(s.source).name for s in index.sources()] == ["新闻.txt"]
    assert index.stats().chunks == chunks and _found(index, "西岭新区合同投资额") == {"新闻.txt"}


def test_the_same_bytes_again_are_the_same_file_and_said_so(index: Index) -> None:
    folder = uploads_folder(index.settings)
    ingest_uploads([("新闻.txt", FIRST.encode())], index, folder)
    report = describe(ingest_uploads([("新闻.txt", FIRST.encode())], index, folder))
    assert _names(folder) == ["新闻.txt"] and len(index.sources()) == 1
    [skipped] = report.skipped
    assert (skipped.path, skipped.code) == ("新闻.txt", "duplicate")
    assert "same file" in skipped.reason and report.ingested == 0
    line = skipped_text(skipped.path, skipped.code, 50)
    assert line == f"新闻.txt 未导入：{SKIP_REASONS['duplicate']}。" and "同一个文件" in line


@pytest.fixture
def app_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder the app (started with ``start``) uses as its index; empty at first."""
    folder = tmp_path / "app-index"
    monkeypatch.setenv("WENBAO_INDEX", str(folder))
    monkeypatch.setenv("WENBAO_AUTH", "off")  # as `make run`: upload shows without a key
    return folder


def _upload(app: AppTest, name: str, data: bytes) -> AppTest:
    app.file_uploader[0].upload(name, data, "text/plain")
    app.run()
    button(app, "导入").click()
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_the_app_keeps_both_uploads_and_names_the_same_file_in_chinese(
    app_index: Path,
) -> None:
    app = _upload(start(), "新闻.txt", FIRST.encode())
    app = _upload(app, "新闻.txt", SECOND.encode())
    assert not app.error and app.success[0].value.startswith("已导入 1 个文件：")
    app = _upload(app, "新闻.txt", FIRST.encode())
    assert [e.value for e in app.error] == [f"新闻.txt 未导入：{SKIP_REASONS['duplicate']}。"]
    assert _names(app_index / "uploads") == ["新闻 (2).txt", "新闻.txt"]
    assert app.metric[0].value == "2"
