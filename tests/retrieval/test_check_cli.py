"""``python -m retrieval check`` as tools call it: JSON contract, batch mode, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from retrieval.settings import MAX_CHECK_CHARS
from tests.conftest import REPO, SAMPLE
from tests.retrieval.test_cli import CITATION_KEYS, assert_one_line_error, clean_env

CLAIM = "国核铀业2021年实现营业收入32亿元，利润总额3.3万元。"


def run_check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "retrieval", "check", *args],
        cwd=REPO, env=clean_env(), capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_json_report_contract(sample_index_dir: Path) -> None:
    result = run_check(CLAIM, "--index", str(sample_index_dir), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {"text", "verdict", "claims", "seconds"}
    assert report["text"] == CLAIM and report["verdict"] == "contradicted"
    (claim,) = report["claims"]
    assert {"text", "start", "end", "verdict", "facts"} <= set(claim)
    assert CLAIM[claim["start"] : claim["end"]] == claim["text"]
    verdicts = {f["text"]: f["verdict"] for f in claim["facts"]}
    assert verdicts == {"2021年": "supported", "32亿元": "supported", "3.3万元": "contradicted"}
    original = SAMPLE.read_text(encoding="utf-8")
    for fact in claim["facts"]:
        assert {"kind", "text", "verdict", "reason", "citations"} <= set(fact)
        for citation in fact["citations"]:
            assert set(citation) >= CITATION_KEYS
            assert original[citation["char_start"] : citation["char_end"]] == citation["quote"]


def test_human_output_names_verdicts_and_reasons(sample_index_dir: Path) -> None:
    result = run_check(CLAIM, "--index", str(sample_index_dir))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("contradicted:")
    assert "文章为3.3亿元，声称为3.3万元" in result.stdout


def test_batch_writes_one_line_per_input(sample_index_dir: Path, tmp_path: Path) -> None:
    claims = tmp_path / "claims.jsonl"
    lines = [
        {"id": "ok", "text": "2021年，西部(重庆)科学城核心区GDP同比增长12.9%。"},
        {"id": "empty", "text": "  "},
        {"id": "no-text"},
    ]
    claims.write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\nnot json\n", "utf-8"
    )
    result = run_check("--batch", str(claims), "--index", str(sample_index_dir))
    assert assert_one_line_error(result, 1) == "error: 3 of 4 texts failed\n"
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["ok", "empty", "no-text", 4]
    assert out[0]["verdict"] == "supported" and out[0]["claims"]
    assert "Nothing to check" in out[1]["error"] and "'text'" in out[2]["error"]


def test_bad_input_is_a_one_line_error(sample_index_dir: Path) -> None:
    empty = run_check("", "--index", str(sample_index_dir))
    assert "Nothing to check" in assert_one_line_error(empty)
    too_long = run_check("测" * (MAX_CHECK_CHARS + 1), "--index", str(sample_index_dir))
    assert str(MAX_CHECK_CHARS) in assert_one_line_error(too_long)
    neither = run_check("--index", str(sample_index_dir))
    assert "--batch" in assert_one_line_error(neither)
    missing = run_check(CLAIM, "--index", str(sample_index_dir / "nothing-here"))
    assert "There is no index" in assert_one_line_error(missing)
