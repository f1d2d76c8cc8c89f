"""Huge files are refused by their type and size before a byte is read, and fingerprints are
hashed in blocks (issue 10, item 10): a real ingest process meets sparse 3 GB files and its
peak memory is measured."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from ingest.chunking import ChunkSettings
from ingest.segment import SEGMENTATION_VERSION
from retrieval.index import SCHEMA_VERSION
from tests.conftest import REPO
from tests.ingest.test_cli_processes import _done_files, article

HUGE = 3 * 2**30
PEAK_LIMIT_KB = 1_200_000  # a small ingest peaks near 0.5 GB (model, Chroma); 3 GB read is 3.5
# Runs the ingest CLI as a child and reports the child's peak memory (ru_maxrss, in KB).
MEASURE = """
import json, resource, subprocess, sys
run = subprocess.run([sys.executable, "-m", "ingest", *sys.argv[1:]], capture_output=True,
                     text=True, check=False)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"rc": run.returncode, "out": run.stdout, "err": run.stderr, "peak_kb": peak}))
"""


def _sparse(path: Path, size: int) -> Path:
    with path.open("wb") as file:
        file.truncate(size)  # takes no disk space, but reads back as `size` zero bytes
    return path


def _measured_ingest(*args: str) -> dict[str, object]:
    run = subprocess.run(
        [sys.executable, "-c", MEASURE, *args],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    result: dict[str, object] = json.loads(run.stdout)
    return result


def test_huge_files_are_skipped_without_being_read(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _sparse(corpus / "film.mp4", HUGE)
    _sparse(corpus / "dump.txt", HUGE)
    (corpus / "news.md").write_text(article("西岭", 4), encoding="utf-8")
    result = _measured_ingest(str(corpus), "--index", str(tmp_path / "index"), "--json")
    assert result["rc"] == 0, str(result["err"])[-2000:]
    summary = json.loads(str(result["out"]))
    assert {(Path(s["path"]).name, s["code"]) for s in summary["skipped"]} == {
        ("film.mp4", "unsupported"),
        ("dump.txt", "too_large"),
    }
    assert summary["articles"] == 1 and _done_files(tmp_path / "index" / "ledger.sqlite3") == 1
    assert int(str(result["peak_kb"])) < PEAK_LIMIT_KB, f"peak {result['peak_kb']} KB"


def test_the_streamed_fingerprint_is_the_digest_of_the_whole_file(tmp_path: Path) -> None:
    """Existing indexes keep their fingerprints: nothing is re-ingested after the change."""
    path = tmp_path / "news.md"
    path.write_text(article("东湖", 400), encoding="utf-8")  # over one read block
    index = tmp_path / "index"
    result = _measured_ingest(str(path), "--index", str(index), "--json")
    assert result["rc"] == 0, result["err"]
    chunking = ChunkSettings()
    rules = f"|{chunking.max_tokens}|{chunking.overlap_sentences}|{SCHEMA_VERSION}"
    expected = hashlib.sha256(path.read_bytes() + f"{rules}|rules{SEGMENTATION_VERSION}".encode())
    with sqlite3.connect(index / "ledger.sqlite3") as conn:
        [(stored,)] = conn.execute("SELECT fingerprint FROM sources").fetchall()
    assert stored == expected.hexdigest()
