"""``python -m retrieval ask`` as tools call it: JSON contract, batch mode, errors."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from retrieval.cli import INTERRUPTED, main
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.settings import Settings
from tests.conftest import REPO, SAMPLE

KEYS = {"answer", "refused", "citations", "flags", "mode", "seconds"}
CITATION_KEYS = {
    "n",
    "chunk_id",
    "article_id",
    "source",
    "title",
    "section",
    "char_start",
    "char_end",
    "quote",
}


def clean_env(**extra: str) -> dict[str, str]:
    prefixes = ("WENBAO_", "CHROMA_", "OPENAI_", "LLM_")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)} | extra


def run_ask(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "retrieval", "ask", *args],
        cwd=REPO, env=env or clean_env(), capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int = 2) -> str:
    assert result.returncode == code, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    return result.stderr


def test_json_answer_contract(sample_index_dir: Path) -> None:
    result = run_ask("科学城核心区2021年GDP增长多少?", "--index", str(sample_index_dir), "--json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert set(answer) >= KEYS and answer["mode"] == "extractive" and not answer["refused"]
    assert "12.9%" in answer["answer"] and "[1]" in answer["answer"]
    original = SAMPLE.read_text(encoding="utf-8")
    for citation in answer["citations"]:
        assert set(citation) >= CITATION_KEYS
        assert original[citation["char_start"] : citation["char_end"]] == citation["quote"]


def test_history_flag_resolves_follow_up(sample_index_dir: Path) -> None:
    result = run_ask("那它的营业收入呢?", "--history", "国核铀业2021年利润总额多少?",
                     "--index", str(sample_index_dir), "--json")  # fmt: skip
    assert "32亿元" in json.loads(result.stdout)["answer"]


def test_batch_writes_one_line_per_question(sample_index_dir: Path, tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    lines = [
        {"id": "a", "question": "科学城核心区2021年GDP增长多少?", "history": []},
        {"id": "b", "question": "科学城核心区2019年GDP增长多少?"},
        {"id": "c", "question": "那它的营业收入呢?", "history": ["国核铀业2021年利润总额多少?"]},
        {"id": "d", "history": []},
    ]
    questions.write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\nnot json\n",
        encoding="utf-8",
    )
    result = run_ask("--batch", str(questions), "--index", str(sample_index_dir))
    assert assert_one_line_error(result, 1) == "error: 2 of 5 questions failed\n"
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", "b", "c", "d", 5]
    assert "12.9%" in out[0]["answer"] and out[1]["refused"] and "32亿元" in out[2]["answer"]
    assert "question" in out[3]["error"] and "question" in out[4]["error"]


def test_a_batch_where_every_question_works_exits_0(sample_index_dir: Path, tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"id": "a", "question": "科学城核心区2021年GDP增长多少?"}\n', "utf-8")
    result = run_ask("--batch", str(questions), "--index", str(sample_index_dir))
    assert result.returncode == 0 and result.stderr == "" and "12.9%" in result.stdout


def test_empty_index_and_bad_arguments_are_one_line_errors(
    tmp_path: Path, embedder: WenBaoEmbeddings
) -> None:
    Index(Settings(index_dir=tmp_path / "empty"), embedder).close()
    empty = run_ask("GDP增长多少?", "--index", str(tmp_path / "empty"))
    assert empty.returncode == 2 and "is empty" in empty.stderr and "ingest" in empty.stderr
    neither = run_ask("--index", str(tmp_path / "empty"))
    assert neither.returncode == 2 and "--batch" in neither.stderr
    assert "Traceback" not in empty.stderr + neither.stderr


@pytest.mark.parametrize("through", ["--index", "WENBAO_INDEX"])
def test_a_missing_index_is_an_error_and_nothing_is_created(through: str, tmp_path: Path) -> None:
    missing = tmp_path / "no-index-here"
    if through == "--index":
        result = run_ask("GDP增长多少?", "--index", str(missing))
    else:
        result = run_ask("GDP增长多少?", env=clean_env(WENBAO_INDEX=str(missing)))
    assert assert_one_line_error(result) == (
        f"error: There is no index at {missing}: build one with "
        f"`python -m ingest FILES --index {missing}`.\n"
    )
    assert not missing.exists()


def test_a_damaged_ledger_is_a_one_line_error(sample_index_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(sample_index_dir, copy)
    (copy / "ledger.sqlite3").write_bytes(b"garbage " * 1000)
    for name in ("ledger.sqlite3-wal", "ledger.sqlite3-shm"):
        (copy / name).unlink(missing_ok=True)
    stderr = assert_one_line_error(run_ask("GDP增长多少?", "--index", str(copy)))
    assert "file is not a database" in stderr and "--reset" in stderr


def test_ctrl_c_in_a_batch_is_one_line_and_exit_130(sample_index_dir: Path, tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    line = json.dumps({"question": "科学城核心区2021年GDP增长多少?"}, ensure_ascii=False)
    questions.write_text((line + "\n") * 500, encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "retrieval", "ask", "--batch", str(questions),
         "--index", str(sample_index_dir)],
        cwd=REPO, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None and process.stdout.readline()  # answering by now
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130 and stderr == INTERRUPTED + "\n"
    assert len(stdout.splitlines()) < 499


def test_k_0_is_refused_before_any_model_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-index"
    assert main(["ask", "GDP?", "--index", str(missing), "--k", "0"], environ={}) == 2
    assert capsys.readouterr().err == "error: --k 0 is out of range: give 1 to 50 passages.\n"
    assert not missing.exists()
