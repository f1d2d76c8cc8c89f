"""Item 5: a long-running reader (the app's ``Index``) and ingests by other processes.

Before, the reader never saw vectors another process added (the new article was found by
keywords only), and after a CLI ``--reset`` it failed until restarted. Now every committed
write or reset bumps a generation in the ledger, and a reader reopens its stores when it
changed.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from retrieval.answer.chain import Answerer
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.settings import Settings
from tests.conftest import REPO
from tests.reliability.common import QUESTIONS, ingest, server_env, write


def _sources(index: Index, question: str) -> list[str]:
    return [hit.chunk.source for hit in index.dense_search(question, 3)]


def test_a_reader_sees_another_process_ingest_and_reset(
    tmp_path: Path, embedder: WenBaoEmbeddings
) -> None:
    xiling, donghu, nanshan = write(tmp_path / "corpus", "xiling", "donghu", "nanshan")
    folder = tmp_path / "index"
    ingest(str(xiling), "--index", str(folder))
    reader = Index(Settings(index_dir=folder), embedder, create=False)
    answerer = Answerer(reader)
    assert str(donghu.resolve()) not in _sources(reader, QUESTIONS["donghu"])
    ingest(str(donghu), "--index", str(folder))  # another process adds an article
    assert _sources(reader, QUESTIONS["donghu"])[0] == str(donghu.resolve())
    assert reader.stats().files == 2
    ingest(str(nanshan), "--index", str(folder), "--reset")  # and then rebuilds the index
    assert set(_sources(reader, QUESTIONS["nanshan"])) == {str(nanshan.resolve())}
    answer = answerer.ask(QUESTIONS["nanshan"])
    assert not answer.refused and "85吨" in answer.text
    assert {c.source for c in answer.citations} == {str(nanshan.resolve())}
    assert reader.stats().files == 1 and reader.is_consistent()
    reader.close()


def test_a_reader_of_a_server_index_follows_a_reset_at_once(
    tmp_path: Path, embedder: WenBaoEmbeddings, chroma_server: tuple[str, int]
) -> None:
    xiling, nanshan = write(tmp_path / "corpus", "xiling", "nanshan")
    folder, name = tmp_path / "index", f"stale-{uuid.uuid4().hex[:8]}"
    env = server_env(chroma_server, name)
    ingest(str(xiling), "--index", str(folder), env=env)
    host, port = chroma_server
    settings = Settings(index_dir=folder, chroma_host=host, chroma_port=port, collection=name)
    reader = Index(settings, embedder, create=False)
    answerer = Answerer(reader)
    assert not answerer.ask(QUESTIONS["xiling"]).refused
    ingest(str(nanshan), "--index", str(folder), "--reset", env=env)
    answer = answerer.ask(QUESTIONS["nanshan"])  # the first question after the reset
    assert not answer.refused and {c.source for c in answer.citations} == {str(nanshan.resolve())}
    old = answerer.ask(QUESTIONS["xiling"])  # the old article is gone: never cited again
    assert all(c.source == str(nanshan.resolve()) for c in old.citations)
    reader.close()


def test_the_running_app_answers_after_a_cli_reset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    xiling, nanshan = write(tmp_path / "corpus", "xiling", "nanshan")
    folder = tmp_path / "index"
    ingest(str(xiling), "--index", str(folder))
    monkeypatch.setenv("WENBAO_INDEX", str(folder))
    app = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    app.run()
    assert not app.exception and not app.error
    ingest(str(nanshan), "--index", str(folder), "--reset")  # while the app runs
    app.chat_input[0].set_value(QUESTIONS["nanshan"]).run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    assert "85吨" in "\n".join(m.value for m in app.markdown)
