"""``python -m ingest`` as a user runs it: JSON contract, one-line errors, server mode."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.settings import Settings
from tests.conftest import REPO, SAMPLE

JSON_KEYS = {
    "files",
    "articles",
    "chunks_added",
    "chunks_unchanged",
    "chunks_removed",
    "skipped",
    "seconds",
    "repaired",
    "instructions",
}
REPAIR_KEYS = ("orphan_vectors_deleted", "ledger_chunks_dropped", "sources_marked_pending")


def run_ingest(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("WENBAO_", "CHROMA_"))}
    return subprocess.run(
        [sys.executable, "-m", "ingest", *args],
        cwd=REPO,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(SAMPLE, folder / "page.txt")
    (folder / "empty.md").write_text("", encoding="utf-8")
    return folder


def test_json_summary_contract_and_rerun(corpus: Path, tmp_path: Path) -> None:
    index = str(tmp_path / "index")
    first = run_ingest(str(corpus), "--index", index, "--json")
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert set(summary) == JSON_KEYS
    assert summary["files"] == 2 and summary["articles"] == 3 and summary["chunks_added"] > 0
    assert summary["repaired"] == dict.fromkeys(REPAIR_KEYS, 0)
    assert summary["instructions"] == 0  # the sample page addresses no AI
    assert summary["skipped"] == [
        {
            "path": str(corpus / "empty.md"),
            "reason": summary["skipped"][0]["reason"],
            "code": "empty",
        }
    ]
    again = json.loads(run_ingest(str(corpus), "--index", index, "--json").stdout)
    assert again["chunks_added"] == 0 and again["chunks_unchanged"] == summary["chunks_added"]


def test_reset_and_prune_flags(corpus: Path, tmp_path: Path) -> None:
    index = str(tmp_path / "index")
    run_ingest(str(corpus), "--index", index, "--json")
    reset = json.loads(run_ingest(str(corpus), "--index", index, "--reset", "--json").stdout)
    assert reset["chunks_added"] > 0 and reset["chunks_unchanged"] == 0
    (corpus / "page.txt").unlink()
    pruned = json.loads(run_ingest(str(corpus), "--index", index, "--prune", "--json").stdout)
    assert pruned["chunks_removed"] == reset["chunks_added"]


def test_human_summary_names_skipped_files(corpus: Path, tmp_path: Path) -> None:
    result = run_ingest(str(corpus), "--index", str(tmp_path / "index"))
    assert result.returncode == 0
    assert (
        "articles: 3" in result.stdout
        and "skipped" in result.stdout
        and "empty.md" in result.stdout
    )


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["no/such/folder"], {}, "no/such/folder"),
        (["data"], {"WENBAO_CHUNK_TOKENS": "5"}, "WENBAO_CHUNK_TOKENS"),
        (["data"], {"CHROMA_PORT": "x"}, "CHROMA_PORT"),
        (["data"], {"WENBAO_EMBEDDING_MODEL": "/no/such/model"}, "WENBAO_EMBEDDING_MODEL"),
        (["data", "--date", "2022/10/20"], {}, "--date must be a date as YYYY-MM-DD"),
    ],
)
def test_errors_are_one_line_without_traceback(
    args: list[str], env: dict[str, str], message: str, tmp_path: Path
) -> None:
    result = run_ingest(*args, "--index", str(tmp_path / "index"), env=env)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def test_server_mode_through_the_environment(
    corpus: Path, tmp_path: Path, chroma_server: tuple[str, int]
) -> None:
    host, port = chroma_server
    env = {"CHROMA_HOST": host, "CHROMA_PORT": str(port), "WENBAO_COLLECTION": "cli-test"}
    result = run_ingest(str(corpus), "--index", str(tmp_path / "ledger"), "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["chunks_added"] > 0
    assert not (tmp_path / "ledger" / "chroma").exists()


def test_unreachable_server_is_a_clear_error(corpus: Path, tmp_path: Path) -> None:
    env = {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": "9"}
    result = run_ingest(str(corpus), "--index", str(tmp_path / "i"), env=env)
    assert result.returncode == 2 and "Chroma server" in result.stderr


def test_what_was_repaired_is_reported(
    corpus: Path, tmp_path: Path, embedder: WenBaoEmbeddings
) -> None:
    folder = tmp_path / "index"
    assert run_ingest(str(corpus), "--index", str(folder), "--json").returncode == 0
    index = Index(Settings(index_dir=folder), embedder)
    lost = sorted(index.ledger.chunk_ids())[0]
    index.store.delete([lost])  # a vector lost, as after a crash between the two stores
    index.close()
    repaired = json.loads(run_ingest(str(corpus), "--index", str(folder), "--json").stdout)
    assert repaired["repaired"] == dict(zip(REPAIR_KEYS, (0, 1, 1), strict=True))
    assert repaired["chunks_added"] == 1
    index = Index(Settings(index_dir=folder), embedder)
    index.store.delete([lost])
    index.close()
    human = run_ingest(str(corpus), "--index", str(folder))
    line = (
        "repaired after an interrupted run: 0 orphan vectors deleted, 1 ledger chunk without a "
        "vector dropped, 1 file marked to ingest again"
    )
    assert human.returncode == 0 and line in human.stdout.splitlines()
    assert "repaired after" not in run_ingest(str(corpus), "--index", str(folder)).stdout
