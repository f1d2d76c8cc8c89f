"""Item 6: a source left half-ingested by a kill is named, and its citations are marked.

A kill during an ingest leaves the source marked pending in the ledger with only some of its
chunks written (both stores agree, so the count check passes). Answers from it must say so.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ingest.pipeline import ingest_paths
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.settings import Settings
from tests.conftest import REPO
from tests.reliability.common import QUESTIONS, clean_env, run_ask, write
from ui.messages import APP
from ui.present import md_escape


def _half_ingested(folder: Path, source: Path, embedder: WenBaoEmbeddings) -> None:
    """The state ``kill -9`` leaves half way through ``source``: pending, some chunks kept."""
    index = Index(Settings(index_dir=folder), embedder)
    ingest_paths([source.parent], index)
    key = str(source.resolve())
    ids = sorted(index.ledger.chunk_ids(key))
    index.store.delete(ids[1:])
    index.ledger.delete_chunks(ids[1:])
    index.close()
    with sqlite3.connect(folder / "ledger.sqlite3") as conn:
        conn.execute("UPDATE sources SET fingerprint = '' WHERE source = ?", (key,))


def test_answers_from_a_half_ingested_source_say_so(
    tmp_path: Path, embedder: WenBaoEmbeddings
) -> None:
    (source, _) = write(tmp_path / "corpus", "donghu", "xiling")
    folder = tmp_path / "index"
    _half_ingested(folder, source, embedder)
    index = Index(Settings(index_dir=folder), embedder, create=False)
    assert index.incomplete_sources() == [str(source.resolve())]
    assert index.is_consistent()
    index.close()
    asked = run_ask(QUESTIONS["donghu"], "--index", str(folder), "--json", env=clean_env())
    assert asked.returncode == 0, asked.stderr
    assert asked.stderr.count("\n") == 1 and asked.stderr.startswith("warning: ")
    assert "donghu.md" in asked.stderr and "python -m ingest" in asked.stderr
    citations = json.loads(asked.stdout)["citations"]
    assert citations and all(c["incomplete"] for c in citations if "donghu" in c["source"])
    clean = run_ask(QUESTIONS["xiling"], "--index", str(folder), "--json", env=clean_env())
    cited = json.loads(clean.stdout)["citations"]
    assert cited and not any(c["incomplete"] for c in cited if "xiling" in c["source"])
    human = run_ask(QUESTIONS["donghu"], "--index", str(folder), env=clean_env())
    assert human.returncode == 0 and "incomplete" in human.stdout


def test_a_finished_rerun_clears_the_warning(tmp_path: Path, embedder: WenBaoEmbeddings) -> None:
    (source,) = write(tmp_path / "corpus", "donghu")
    folder = tmp_path / "index"
    _half_ingested(folder, source, embedder)
    index = Index(Settings(index_dir=folder), embedder)
    ingest_paths([source], index)
    assert index.incomplete_sources() == []
    index.close()
    asked = run_ask(QUESTIONS["donghu"], "--index", str(folder), env=clean_env())
    assert asked.returncode == 0 and asked.stderr == ""


def test_the_app_names_incomplete_sources_and_marks_their_passages(
    tmp_path: Path, embedder: WenBaoEmbeddings, monkeypatch: pytest.MonkeyPatch
) -> None:
    (source, _) = write(tmp_path / "corpus", "donghu", "xiling")
    folder = tmp_path / "index"
    _half_ingested(folder, source, embedder)
    monkeypatch.setenv("WENBAO_INDEX", str(folder))
    app = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    notice = md_escape(APP.incomplete_sources.format("donghu.md"))
    assert [w.value for w in app.warning].count(notice) == 1
    app.chat_input[0].set_value(QUESTIONS["donghu"]).run()
    assert not app.exception, [e.value for e in app.exception]
    marked = md_escape(APP.incomplete_citation.format("donghu.md"))
    assert marked in [w.value for w in app.warning]
