"""``python -m ingest`` against other processes and signals: a second writer with ``--reset``,
Ctrl-C in the middle of a run, and store faults, each answered with one line, no traceback."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from ingest.cli import INTERRUPTED
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.settings import Settings
from tests.conftest import REPO
from tests.ingest.test_cli import run_ingest

CITIES = ("西岭", "东湖", "南山", "北川", "临江", "青川")

# Process 1: ingests one file, then holds the writer lock until told to go on; then ingests a
# second file under the same lock and prints what the index holds.
HOLDER = """
import json, sys
from pathlib import Path
from ingest.pipeline import ingest_paths
from retrieval.index import Index
from retrieval.index.embeddings import load_embeddings
from retrieval.settings import Settings

index = Index(Settings(index_dir=Path(sys.argv[1])), load_embeddings())
first = ingest_paths([Path(sys.argv[2])], index)
with index.writing():
    print(json.dumps({"chunks": first.chunks_added}), flush=True)
    sys.stdin.readline()
    second = ingest_paths([Path(sys.argv[3])], index)
stats = index.stats()
print(json.dumps({"added": second.chunks_added, "chunks": stats.chunks,
                  "consistent": index.is_consistent()}), flush=True)
index.close()
"""


def article(city: str, sentences: int) -> str:
    """A news article of our own about ``city``: ``sentences`` sentences with figures."""
    lines = [f"# {city}新区经济运行情况", "", f"本报讯 {city}新区今年经济运行总体平稳。"]
    for n in range(sentences):
        lines.append(
            f"{city}新区第{n + 1}个重点项目总投资{n * 3 + 7}.{n % 10}亿元,"
            f"预计{2024 + n % 5}年建成,可新增就业岗位{120 + n * 11}个。"
        )
    return "\n".join(lines) + "\n"


def write_corpus(folder: Path, files: int, sentences: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for city in CITIES[:files]:
        path = folder / f"{city}.md"
        path.write_text(article(city, sentences), encoding="utf-8")
        paths.append(path)
    return paths


def open_index(folder: Path, embedder: WenBaoEmbeddings) -> Index:
    return Index(Settings(index_dir=folder), embedder, create=False)


def test_reset_is_refused_while_another_process_writes(
    tmp_path: Path, embedder: WenBaoEmbeddings
) -> None:
    first, second = write_corpus(tmp_path / "corpus", 2, 8)
    folder = tmp_path / "index"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder), str(first), str(second)],
        cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdin is not None and holder.stdout is not None
    try:
        written = json.loads(holder.stdout.readline())["chunks"]
        refused = run_ingest(str(second), "--reset", "--index", str(folder))
        assert refused.returncode == 2 and refused.stderr.count("\n") == 1
        assert refused.stderr.startswith("error: Another ingest is writing the index at ")
        reader = open_index(folder, embedder)
        assert reader.stats().chunks == written and reader.store.count() == written
        reader.close()
        holder.stdin.write("go on\n")
        holder.stdin.flush()
        result = json.loads(holder.stdout.readline())
    finally:
        holder.stdin.close()
        holder.wait(timeout=120)
    assert holder.returncode == 0 and result["consistent"]
    assert result["chunks"] == written + result["added"] and result["added"] > 0


def _done_files(ledger: Path) -> int:
    """How many sources the ledger records as done (read-only; 0 before it exists)."""
    try:
        with sqlite3.connect(f"file:{ledger}?mode=ro", uri=True) as conn:
            return int(conn.execute("SELECT count(*) FROM sources WHERE fingerprint != ''")
                       .fetchone()[0])  # fmt: skip
    except sqlite3.Error:
        return 0


def test_ctrl_c_mid_run_leaves_a_consistent_unlocked_index(
    tmp_path: Path, embedder: WenBaoEmbeddings
) -> None:
    paths = write_corpus(tmp_path / "corpus", 6, 40)
    folder = tmp_path / "index"
    args = [*map(str, paths), "--index", str(folder), "--chunk-tokens", "32", "--json"]
    process = subprocess.Popen(
        [sys.executable, "-m", "ingest", *args],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 240
    while _done_files(folder / "ledger.sqlite3") < 1 and process.poll() is None:
        assert time.monotonic() < deadline, "the first file was not ingested in time"
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130 and stderr == INTERRUPTED + "\n" and stdout == ""
    reader = open_index(folder, embedder)
    done = _done_files(folder / "ledger.sqlite3")
    assert 1 <= done < len(paths), "the run was not stopped in the middle"
    assert reader.is_consistent() and set(reader.store.ids()) == reader.ledger.chunk_ids()
    reader.close()
    again = run_ingest(*args)  # the lock was given back, and the rerun finishes
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert summary["chunks_added"] > 0 and not any(summary["repaired"].values())
    reader = open_index(folder, embedder)
    assert len(reader.sources()) == len(paths) == _done_files(folder / "ledger.sqlite3")
    assert (
        reader.is_consistent()
        and reader.stats().chunks == summary["chunks_added"] + summary["chunks_unchanged"]
    )
    reader.close()


def test_a_damaged_ledger_is_one_line_for_ingest(tmp_path: Path) -> None:
    (path,) = write_corpus(tmp_path / "corpus", 1, 3)
    folder = tmp_path / "index"
    assert run_ingest(str(path), "--index", str(folder)).returncode == 0
    ledger = folder / "ledger.sqlite3"
    data = bytearray(ledger.read_bytes())
    data[4096:] = bytes((i * 37) % 256 for i in range(len(data) - 4096))
    ledger.write_bytes(bytes(data))
    result = run_ingest(str(path), "--index", str(folder))
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: Could not ") and "Traceback" not in result.stderr
    assert "--reset" in result.stderr
    assert run_ingest(str(path), "--index", str(folder), "--reset").returncode == 0
