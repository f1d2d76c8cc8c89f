"""A JSONL line nested 200,000 deep: the line is skipped (and named), the file and the run go
on (issue 10, item 9). Real ``python -m ingest`` processes on real files."""

from __future__ import annotations

import json
from pathlib import Path

from tests.ingest.test_cli import run_ingest
from tests.ingest.test_cli_processes import article

DEEP = "[" * 200_000 + "]" * 200_000


def _record(city: str) -> str:
    return json.dumps(
        {"id": city, "title": f"{city}新区", "text": article(city, 3)}, ensure_ascii=False
    )


def test_a_deeply_nested_line_is_skipped_and_the_run_goes_on(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    lines = [_record("西岭"), DEEP, '{"text": ' + DEEP[:300_000] + "}", _record("东湖")]
    (corpus / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (corpus / "b.jsonl").write_text(DEEP + "\n", encoding="utf-8")  # nothing else in it
    (corpus / "c.md").write_text(article("南山", 3), encoding="utf-8")
    result = run_ingest(str(corpus), "--index", str(tmp_path / "index"), "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "RecursionError" not in result.stderr
    summary = json.loads(result.stdout)
    assert summary["files"] == 3 and summary["articles"] == 3
    assert [(Path(s["path"]).name, s["code"]) for s in summary["skipped"]] == [
        ("b.jsonl", "no_records")
    ]
    warnings = [line for line in result.stderr.splitlines() if "nested too deeply" in line]
    assert [line.split(": ")[1].rsplit("/", 1)[-1] for line in warnings] == [
        "a.jsonl:2",
        "a.jsonl:3",
        "b.jsonl:1",
    ]
