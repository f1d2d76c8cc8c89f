"""Item 11: undecodable bytes or lone surrogates in a question never crash the embedder;
in batch mode a bad line gets its own error line and the questions after it are answered."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from retrieval.answer.chain import Answerer
from tests.conftest import REPO
from tests.retrieval.test_cli import clean_env

GOOD = "科学城核心区2021年GDP增长多少?"


def ask(*args: str | bytes, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "retrieval", "ask", *args],
        cwd=REPO, env=clean_env(), capture_output=True, text=True, errors="replace",
        timeout=timeout, check=False,
    )  # fmt: skip


def test_a_batch_goes_on_past_undecodable_bytes_and_lone_surrogates(
    tmp_path: Path, sample_index_dir: Path
) -> None:
    batch = tmp_path / "questions.jsonl"
    batch.write_bytes(
        b"\n".join(
            [
                json.dumps({"id": "a", "question": GOOD}, ensure_ascii=False).encode(),
                b'{"id": "b", "question": "\xe7\xa7\x91\xff\xfe GDP\xc3"}',
                b'{"id": "c\\udc00", "question": "\\u79d1\\u5b66\\u57ce\\ud800GDP\\u589e\\u957f'
                b'\\u591a\\u5c11?", "history": ["\\udfff"]}',
                b"\xff\xfe\xfd",
                json.dumps({"id": "d", "question": "国核铀业2021年营业收入多少?"}).encode(),
            ]
        )
    )
    result = ask("--batch", str(batch), "--index", str(sample_index_dir))
    assert "Traceback" not in result.stderr
    assert result.returncode == 1 and result.stderr == "error: 2 of 5 questions failed\n"
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["a", 2, "c\ufffd", 4, "d"]
    assert "12.9%" in lines[0]["answer"] and "32亿元" in lines[4]["answer"]
    for bad in (lines[1], lines[3]):
        assert set(bad) == {"id", "error"} and "not valid UTF-8" in bad["error"]
        assert "\n" not in bad["error"]
    assert "error" not in lines[2] and "\ufffd" in lines[2]["standalone_question"]


def test_a_question_argument_with_undecodable_bytes_is_answered(sample_index_dir: Path) -> None:
    question = "科学城核心区2021年GDP增长多少".encode() + b"\xff\xfe?"
    result = ask(question, "--index", str(sample_index_dir).encode(), "--json")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    answer = json.loads(result.stdout)
    assert "12.9%" in answer["answer"] and "\ufffd" in answer["standalone_question"]


def test_a_lone_surrogate_in_a_question_or_its_history_is_cleaned(answerer: Answerer) -> None:
    answer = answerer.ask("科学城核心区2021年GDP\ud800增长多少?", ["\udc80国核铀业"])
    assert not answer.refused and "12.9%" in answer.text
    assert answer.question == "科学城核心区2021年GDP\ufffd增长多少?"
    answer.question.encode("utf-8")  # printable: no lone surrogate left anywhere
    answer.standalone_question.encode("utf-8")
