"""The Streamlit app, run headless by AppTest over a copy of the sample index.

The app reads the environment on every run, so each test points ``WENBAO_INDEX`` at its own
folder; cached resources are keyed by the settings, so the embedder is loaded only once.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from retrieval.answer.refusal import REFUSAL_EN, REFUSAL_ZH
from tests.conftest import REPO
from tests.llm_server import closed_port_url
from ui.present import LABELS_ZH

QUESTION = "科学城核心区2021年GDP增长多少?"


@pytest.fixture
def sample_copy(tmp_path: Path, sample_index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "index"
    shutil.copytree(sample_index_dir, folder)
    monkeypatch.setenv("WENBAO_INDEX", str(folder))
    return folder


@pytest.fixture
def empty_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "empty"
    monkeypatch.setenv("WENBAO_INDEX", str(folder))
    return folder


LLM_REPLY = "2021年,西部(重庆)科学城核心区GDP同比增长12.9%。[1]"


class _ScriptedChat(BaseHTTPRequestHandler):
    """An OpenAI-compatible endpoint that streams ``LLM_REPLY`` a few characters at a time.

    The app builds its chat model from the environment, so a fake model cannot be passed
    in; a scripted server exercises the real streaming path in milliseconds.
    """

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        pieces = [LLM_REPLY[i : i + 6] for i in range(0, len(LLM_REPLY), 6)]
        for piece in pieces:
            delta = {"role": "assistant", "content": piece}
            chunk = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m"}
            chunk["choices"] = [{"index": 0, "delta": delta, "finish_reason": None}]
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def scripted_llm() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ScriptedChat)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def start() -> AppTest:
    app = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def ask(app: AppTest, question: str) -> AppTest:
    app.chat_input[0].set_value(question).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def markdown(app: AppTest) -> str:
    return "\n".join(m.value for m in app.markdown)


def test_answer_links_its_citation_and_follow_ups_carry_the_history(sample_copy: Path) -> None:
    app = ask(start(), QUESTION)
    shown = markdown(app)
    assert "12.9%" in shown and not app.error
    turn = app.session_state["turns"][0]
    link = f'href="#src-{turn.msg_id}-1"'
    assert link in shown and f'id="src-{turn.msg_id}-1"' in shown
    assert "000_3df2ea797cd76329.txt" in shown and '<mark class="wb-fig">12.9%</mark>' in shown
    assert "wb-context" in shown  # the context view is rendered inside its expander
    assert [b.label for b in app.download_button] == ["下载 Markdown"]

    captions = [c.value for c in app.caption]
    assert any(c.startswith("摘录原文 · 可信度：") for c in captions), captions

    ask(app, "那增速排名呢?")
    follow_up = app.session_state["turns"][1].answer
    assert "科学城核心区" in follow_up.standalone_question
    assert follow_up.standalone_question != "那增速排名呢?"
    assert any(c.value.startswith("按此理解：") for c in app.caption)
    assert len(app.chat_message) == 4

    next(b for b in app.button if b.label == "新对话").click()
    app.run()
    assert len(app.chat_message) == 0 and app.session_state["turns"] == []


@pytest.mark.parametrize(
    ("question", "refusal"),
    [("上海2022年GDP是多少?", REFUSAL_ZH), ("What phone did Apple launch?", REFUSAL_EN)],
)
def test_refusal_is_shown_as_information_not_an_error(
    sample_copy: Path, question: str, refusal: str
) -> None:
    app = ask(start(), question)
    [info] = [i.value for i in app.info]
    assert info.startswith(refusal)
    assert not app.error and not app.warning
    assert any(c.value.startswith(("未找到答案", "no answer found")) for c in app.caption)


def test_unreachable_llm_falls_back_with_a_notice(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", closed_port_url())
    monkeypatch.setenv("LLM_MODEL", "absent-model")
    app = start()
    assert app.radio[0].options == ["LLM 生成", "摘录原文"] and app.radio[0].value == "llm"
    ask(app, QUESTION)
    assert "12.9%" in markdown(app) and not app.error
    assert any("unreachable" in w.value for w in app.warning)


def test_llm_answer_is_streamed_then_shown_checked(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch, scripted_llm: str
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", scripted_llm)
    monkeypatch.setenv("LLM_MODEL", "scripted")
    app = ask(start(), QUESTION)
    answer = app.session_state["turns"][0].answer
    assert answer.mode == "llm" and answer.notice is None and not answer.refused
    assert answer.text == LLM_REPLY and answer.citations[0].n == 1
    assert "12.9%" in markdown(app) and 'class="wb-src"' in markdown(app)
    assert not app.error
    # The only warning allowed is the answerability model's "check this" lead.
    assert all(w.value == LABELS_ZH.check_lead for w in app.warning)
    assert (answer.reliability == "check") == bool(app.warning)


def test_date_filter_limits_the_search(sample_copy: Path) -> None:
    app = start()
    app.toggle[0].set_value(True).run()
    app.date_input[0].set_value(date(2023, 1, 1)).run()
    ask(app, QUESTION)  # the sample page has no publish date, so nothing is left to cite
    assert [i.value for i in app.info] == [REFUSAL_ZH]


def test_empty_index_says_what_to_do_first(empty_index: Path) -> None:
    app = start()
    assert "python -m ingest data" in app.info[0].value and "上传" in app.info[0].value
    assert not app.chat_input and not app.error


def test_bad_upload_names_the_file_and_why(empty_index: Path) -> None:
    app = start()
    app.file_uploader[0].upload("坏文件.txt", bytes(range(256)) * 4, "text/plain")
    app.run()
    next(b for b in app.button if b.label == "导入").click()
    app.run()
    assert not app.exception
    errors = [e.value for e in app.error]
    assert len(errors) == 1 and errors[0].startswith("坏文件.txt 未导入:binary")
    assert "python -m ingest data" in app.info[0].value
    assert not (empty_index / "uploads" / "坏文件.txt").exists()


def test_deleting_the_only_source_empties_the_knowledge_base(sample_copy: Path) -> None:
    app = start()
    next(b for b in app.button if (b.key or "").startswith("delete-")).click()
    app.run()
    assert not app.exception and "python -m ingest data" in app.info[0].value
    assert [m.value for m in app.metric] == ["0", "0", "0"]


def test_a_bad_setting_is_one_error_line_not_a_traceback(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WENBAO_K", "many")
    app = start()
    assert [e.value for e in app.error] == [
        "WENBAO_K='many' is not a whole number: set it to e.g. 6."
    ]
