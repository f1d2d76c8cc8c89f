"""A full disk under the index: ingest and ask end with one line that says to free space,
exit non-zero, and the same ingest finishes once there is room (issue 10, item 13).

The disk is real: a small tmpfs mounted over a folder (root in this container may mount);
where mounting is not allowed the tests are skipped."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from retrieval.index.embeddings import WenBaoEmbeddings
from tests.conftest import REPO
from tests.ingest.test_cli import run_ingest
from tests.ingest.test_cli_processes import open_index, write_corpus


def _mount(folder: Path, size: str) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    run = ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)]
    return subprocess.run(run, capture_output=True, check=False).returncode == 0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1.5 MB disk: room to open an index, not to fill it with six articles."""
    folder = tmp_path / "disk"
    if not _mount(folder, "1500k"):
        pytest.skip("cannot mount a tmpfs here (not root, or no privilege)")
    yield folder
    subprocess.run(["umount", "--lazy", str(folder)], check=True)  # Chroma may hold files open


def _grow(folder: Path, size: str) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(folder)], check=True)


def _one_line_about_space(stderr: str) -> None:
    assert stderr.count("\n") == 1 and "Traceback" not in stderr, stderr[-2000:]
    assert stderr.startswith("error: ") and "free space" in stderr, stderr


def test_ingest_onto_a_full_disk_says_free_space_and_rerun(
    small_disk: Path, tmp_path: Path, embedder: WenBaoEmbeddings
) -> None:
    paths = write_corpus(tmp_path / "corpus", 6, 60)
    index = small_disk / "index"
    full = run_ingest(*map(str, paths), "--index", str(index), "--json")
    assert full.returncode == 2 and full.stdout == ""
    _one_line_about_space(full.stderr)
    assert "run the same command again" in full.stderr
    _grow(small_disk, "8m")
    again = run_ingest(*map(str, paths), "--index", str(index), "--json")
    assert again.returncode == 0, again.stderr[-2000:]
    assert json.loads(again.stdout)["files"] == len(paths)
    reader = open_index(index, embedder)
    assert len(reader.sources()) == len(paths) and reader.is_consistent()
    assert set(reader.store.ids()) == reader.ledger.chunk_ids()
    reader.close()


def test_ask_on_a_full_disk_is_one_line(small_disk: Path, tmp_path: Path) -> None:
    _grow(small_disk, "8m")
    index = small_disk / "index"
    [path] = write_corpus(tmp_path / "corpus", 1, 5)
    assert run_ingest(str(path), "--index", str(index)).returncode == 0
    filler = small_disk / "filler"
    with filler.open("wb") as file, pytest.raises(OSError):
        file.write(bytes(16 * 2**20))  # fills the disk to the last block
    ask = subprocess.run(
        [sys.executable, "-m", "retrieval", "ask", "西岭新区第3个重点项目总投资多少？",
         "--index", str(index)],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert ask.returncode != 0 and ask.stdout == ""
    _one_line_about_space(ask.stderr)
