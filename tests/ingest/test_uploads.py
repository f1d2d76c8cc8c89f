"""Uploads from the app: safe names, per-file failures, progress, and deleting a source."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.pipeline import IngestOptions, ingest_paths
from ingest.uploads import (
    UPLOAD_TYPES,
    describe,
    ingest_uploads,
    remove_source,
    safe_name,
    uploads_folder,
)
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.settings import Settings

GOOD = "# 高新区投资\n\n本报讯 今年1-10月,高新区合同投资额达到4.29亿元,同比增长12.9%。\n"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("新闻.txt", "新闻.txt"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\报道 (1).docx", "报道 (1).docx"),
        (".hidden.md", "hidden.md"),
        ("a<b>:c|d?.html", "a_b_c_d.html"),
        ("..", "upload"),
        ("", "upload"),
        ("名" * 300 + ".pdf", "名" * 116 + ".pdf"),
        ("no-extension", "no-extension"),
        ("e\u0301.txt", "é.txt"),
    ],
)
def test_upload_names_are_made_safe(name: str, expected: str) -> None:
    assert safe_name(name) == expected


def test_upload_types_are_the_loaders_formats() -> None:
    assert set(UPLOAD_TYPES) == {"txt", "md", "markdown", "html", "htm", "docx", "pdf", "jsonl"}


@pytest.fixture
def index(tmp_path: Path, embedder: WenBaoEmbeddings) -> Iterator[Index]:
    opened = Index(Settings(index_dir=tmp_path / "index"), embedder)
    yield opened
    opened.close()


def test_good_files_are_ingested_and_bad_ones_reported_by_name(
    index: Index, tmp_path: Path
) -> None:
    folder = uploads_folder(index.settings)
    calls: list[tuple[float, str]] = []
    summary = ingest_uploads(
        [
            ("投资.txt", GOOD.encode("gbk")),
            ("坏文件.txt", bytes(range(256)) * 4),
            ("空.md", b""),
            ("../逃逸.txt", GOOD.encode()),
        ],
        index,
        folder,
        IngestOptions(),
        progress=lambda done, name: calls.append((done, name)),
    )
    reasons = {Path(s.path).name: s.reason for s in summary.skipped}
    assert set(reasons) == {"坏文件.txt", "空.md"}
    assert "binary" in reasons["坏文件.txt"] and "empty" in reasons["空.md"]
    assert summary.files == 4 and summary.articles == 2 and summary.chunks_added >= 2
    assert sorted(p.name for p in folder.iterdir()) == ["投资.txt", "逃逸.txt"]
    assert {Path(s.source).name for s in index.sources()} == {"投资.txt", "逃逸.txt"}
    assert [c[0] for c in calls] == [0.0, 0.25, 0.5, 0.75, 1.0]
    report = describe(summary)
    assert (report.ingested, report.articles) == (2, 2)
    assert report.chunks_added == summary.chunks_added >= 2
    assert {(s.path, s.code) for s in report.skipped} == {
        ("坏文件.txt", "binary"),
        ("空.md", "empty"),
    }

    removed = remove_source(index, str(folder / "投资.txt"), folder)
    assert removed >= 1 and not (folder / "投资.txt").exists()
    assert {Path(s.source).name for s in index.sources()} == {"逃逸.txt"}


def test_a_file_outside_the_uploads_folder_is_only_removed_from_the_index(
    index: Index, tmp_path: Path
) -> None:
    outside = tmp_path / "own.txt"
    outside.write_text(GOOD, encoding="utf-8")
    folder = uploads_folder(index.settings)
    folder.mkdir(parents=True)
    ingest_paths([outside], index)
    assert remove_source(index, str(outside.resolve()), folder) >= 1
    assert outside.exists() and index.sources() == []


def test_only_failures_leave_nothing_ingested_and_no_success_line(index: Index) -> None:
    summary = ingest_uploads([("x.xyz", b"hello")], index, uploads_folder(index.settings))
    report = describe(summary)
    assert report.ingested == 0 and [s.code for s in report.skipped] == ["unsupported"]
    assert "unsupported file type" in report.skipped[0].reason  # the English line stays
    assert index.sources() == []


def test_an_upload_that_cannot_be_saved_is_skipped_not_fatal(index: Index, tmp_path: Path) -> None:
    folder = tmp_path / "uploads"
    name = "名" * 90 + ".txt"  # 274 bytes of UTF-8: over the file system's 255-byte limit
    summary = ingest_uploads([(name, GOOD.encode())], index, folder)
    [skipped] = describe(summary).skipped
    assert skipped.path == name and skipped.code == "unreadable"
    assert "cannot save the upload" in skipped.reason and index.sources() == []
    assert list(folder.iterdir()) == []
