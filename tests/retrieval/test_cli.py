"""``python -m retrieval ask`` as tools call it: JSON contract, batch mode, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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


def run_ask(*args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("WENBAO_", "CHROMA_", "OPENAI_", "LLM_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "retrieval", "ask", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


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
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", "b", "c", "d", 5]
    assert "12.9%" in out[0]["answer"] and out[1]["refused"] and "32亿元" in out[2]["answer"]
    assert "question" in out[3]["error"] and "question" in out[4]["error"]


def test_empty_index_and_bad_arguments_are_one_line_errors(tmp_path: Path) -> None:
    empty = run_ask("GDP增长多少?", "--index", str(tmp_path / "empty"))
    assert empty.returncode == 2 and "is empty" in empty.stderr and "ingest" in empty.stderr
    neither = run_ask("--index", str(tmp_path / "empty"))
    assert neither.returncode == 2 and "--batch" in neither.stderr
    assert "Traceback" not in empty.stderr + neither.stderr
