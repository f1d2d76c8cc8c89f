"""Paths that cannot be read are skipped with a reason, never a traceback, never silently
(issue 10, item 12): dangling symbolic links, a link loop, and a folder the ingest may not
enter. We run as root, which reads everything, so the unreadable folder is made real by
running the ingest without the capabilities that let root ignore file permissions."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.ingest.test_cli import run_ingest
from tests.ingest.test_cli_processes import article

NO_OVERRIDE = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"]


def _skipped(stdout: str) -> dict[str, str]:
    return {Path(s["path"]).name: s["code"] for s in json.loads(stdout)["skipped"]}


def test_dangling_links_and_link_loops_are_reported_as_skipped(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "news.md").write_text(article("西岭", 3), encoding="utf-8")
    (corpus / "gone.md").symlink_to(tmp_path / "deleted.md")
    (corpus / "loop-a.md").symlink_to(corpus / "loop-b.md")
    (corpus / "loop-b.md").symlink_to(corpus / "loop-a.md")
    given = tmp_path / "given.txt"
    given.symlink_to(tmp_path / "also-deleted.txt")
    result = run_ingest(str(corpus), str(given), "--index", str(tmp_path / "index"), "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    assert _skipped(result.stdout) == {
        "gone.md": "missing",
        "loop-a.md": "unreadable",
        "loop-b.md": "unreadable",
        "given.txt": "missing",
    }
    reasons = {Path(s["path"]).name: s["reason"] for s in json.loads(result.stdout)["skipped"]}
    assert "dangling symbolic link" in reasons["gone.md"] and "loop" in reasons["loop-a.md"]
    assert json.loads(result.stdout)["articles"] == 1


def _capabilities_drop() -> bool:
    """Can we run a process that root's file permissions apply to? (setpriv, a real check)"""
    if shutil.which("setpriv") is None:
        return False
    probe = subprocess.run([*NO_OVERRIDE, "true"], capture_output=True, check=False)
    return probe.returncode == 0


@pytest.mark.skipif(not _capabilities_drop(), reason="setpriv cannot drop capabilities here")
def test_an_unreadable_folder_is_skipped_whether_given_or_met(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    secret = corpus / "secret"
    secret.mkdir(parents=True)
    (corpus / "news.md").write_text(article("西岭", 3), encoding="utf-8")
    (secret / "hidden.md").write_text(article("东湖", 3), encoding="utf-8")
    secret.chmod(0)
    try:
        run = subprocess.run(
            [*NO_OVERRIDE, sys.executable, "-m", "ingest", str(secret / "hidden.md"),
             str(corpus), "--index", str(tmp_path / "index"), "--json"],
            cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
    finally:
        secret.chmod(0o755)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr[-2000:]
    assert _skipped(run.stdout) == {"hidden.md": "permission", "secret": "permission"}
    assert json.loads(run.stdout)["articles"] == 1
