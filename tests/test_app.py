"""The Streamlit app, run headless by AppTest over a copy of the sample index.

The app reads the environment on every run, so each test points ``WENBAO_INDEX`` at its own
folder; cached resources are keyed by the settings, so the embedder is loaded only once.
Every word the app shows is Chinese (English only for an English question's labels and in
the small "error detail" captions).
"""

from __future__ import annotations

import json
import shutil
import threading
import tomllib
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button

from retrieval.answer.refusal import REFUSAL_EN, REFUSAL_ZH
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.settings import DEFAULT_MAX_FILE_MB, Settings
from tests.conftest import REPO
from tests.llm_server import closed_port_url
from ui.messages import APP, LABELS_ZH, SKIP_REASONS

QUESTION = "科学城核心区2021年GDP增长多少?"


@pytest.fixture(autouse=True)
def _editing_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """As ``make run``: auth explicitly off, so upload, delete and date corrections show."""
    monkeypatch.setenv("WENBAO_AUTH", "off")


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
    """An OpenAI-compatible endpoint that streams ``reply`` a few characters at a time.

    The app builds its chat model from the environment, so a fake model cannot be passed
    in; a scripted server exercises the real streaming path in milliseconds.
    """

    reply = LLM_REPLY

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        reply = self.reply
        pieces = [reply[i : i + 6] for i in range(0, len(reply), 6)]
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
    yield from _serve(_ScriptedChat)


class _RefusingChat(_ScriptedChat):
    reply = REFUSAL_ZH


@pytest.fixture
def refusing_llm() -> Iterator[str]:
    yield from _serve(_RefusingChat)


def _serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
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


def captions(app: AppTest) -> list[str]:
    return [c.value for c in app.caption]


def button(app: AppTest, label: str) -> Button:
    return next(b for b in app.button if b.label == label)


def delete_button(app: AppTest) -> Button:
    return next(b for b in app.button if (b.key or "").startswith("delete-"))


def test_answer_links_its_citation_and_follow_ups_carry_the_history(sample_copy: Path) -> None:
    app = ask(start(), QUESTION)
    shown = markdown(app)
    assert "12.9%" in shown and not app.error
    turn = app.session_state["turns"][0]
    link = f'href="#src-{turn.msg_id}-1"'
    assert link in shown and f'id="src-{turn.msg_id}-1"' in shown
    assert "000_3df2ea797cd76329.txt" in shown and '<mark class="wb-fig">12.9%</mark>' in shown
    assert "wb-context" in shown  # the context view is rendered inside its expander
    assert sorted(b.label for b in app.download_button) == ["下载 Markdown", APP.download_chat]
    assert any(c.startswith("摘录原文 · 可信度：") for c in captions(app)), captions(app)

    ask(app, "那增速排名呢?")
    follow_up = app.session_state["turns"][1].answer
    assert "科学城核心区" in follow_up.standalone_question
    assert follow_up.standalone_question != "那增速排名呢?"
    assert any(c.startswith("按此理解：") for c in captions(app))
    assert len(app.chat_message) == 4
    assert [b.label for b in app.download_button].count(APP.download_chat) == 1

    button(app, "新对话").click()
    app.run()
    assert len(app.chat_message) == 0 and app.session_state["turns"] == []
    assert APP.download_chat not in [b.label for b in app.download_button]


def test_context_view_shows_headings_without_markdown_markers(sample_copy: Path) -> None:
    app = ask(start(), QUESTION)
    contexts = [m.value for m in app.markdown if "wb-context" in m.value]
    assert contexts and all("#" not in c.replace("&#", "") for c in contexts)
    assert any('<strong class="wb-h">' in c for c in contexts)  # the title, set in bold


def test_the_record_names_files_relative_to_the_index_never_by_absolute_path(
    sample_copy: Path, tmp_path: Path
) -> None:
    app = ask(start(), QUESTION)
    [record] = [c.value for c in app.code]
    assert "路径: `000_3df2ea797cd76329.txt`" in record
    assert str(tmp_path) not in record and str(REPO) not in record


def test_the_source_panel_shows_the_articles_byline(
    sample_copy: Path, embedder: WenBaoEmbeddings
) -> None:
    app = ask(start(), QUESTION)
    [citation, *_] = app.session_state["turns"][0].answer.citations
    index = Index(Settings(index_dir=sample_copy), embedder, create=False)
    try:
        article = index.article(citation.article_id)
    finally:
        index.close()
    assert article is not None and article.byline  # the sample page names its reporter
    sources = [m.value for m in app.markdown if 'class="wb-src"' in m.value]
    assert any(article.byline in s and "wb-meta" in s for s in sources)


@pytest.mark.parametrize(
    ("question", "refusal", "cites"),
    [
        ("上海2022年GDP是多少?", REFUSAL_ZH, None),
        ("What phone did Apple launch?", REFUSAL_EN, None),
        ("焦作高新区2021年GDP增长多少?", REFUSAL_ZH, True),  # quotes what it found instead
    ],
)
def test_refusal_is_shown_as_information_not_an_error(
    sample_copy: Path, question: str, refusal: str, cites: bool | None
) -> None:
    app = ask(start(), question)
    [info] = [i.value for i in app.info]
    assert info.startswith(refusal)
    assert not app.error and not app.warning
    assert_labelled_as_refusal(app)
    assert cites is None or ('class="wb-src"' in markdown(app)) is cites


def assert_labelled_as_refusal(app: AppTest) -> None:
    """A refusal is labelled 未找到答案, in the caption and the record, never 摘录原文."""
    answer = app.session_state["turns"][-1].answer
    assert answer.refused
    label = "no answer found" if answer.question.isascii() else "未找到答案"
    assert any(c.startswith(label) for c in captions(app)), captions(app)
    [record] = [c.value for c in app.code]
    assert f": {label} · " in record
    shown = [*captions(app), record, markdown(app), *(i.value for i in app.info)]
    assert not any("摘录原文" in s or "quoted from the articles" in s for s in shown)


def test_an_llm_refusal_is_labelled_as_a_refusal(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch, refusing_llm: str
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", refusing_llm)
    monkeypatch.setenv("LLM_MODEL", "scripted")
    app = ask(start(), QUESTION)
    assert app.session_state["turns"][0].answer.mode == "llm"
    assert [i.value for i in app.info] == [REFUSAL_ZH]
    assert_labelled_as_refusal(app)


def test_unreachable_llm_falls_back_with_a_chinese_notice(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", closed_port_url())
    monkeypatch.setenv("LLM_MODEL", "absent-model")
    app = start()
    assert app.radio[0].options == ["LLM 生成", "摘录原文"] and app.radio[0].value == "llm"
    ask(app, QUESTION)
    assert "12.9%" in markdown(app) and not app.error
    assert LABELS_ZH.notice in [w.value for w in app.warning]
    assert not any("unreachable" in w.value for w in app.warning)  # English only as detail
    assert any(c.startswith("错误详情") and "unreachable" in c for c in captions(app))


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
    next(d for d in app.date_input if d.label == APP.date_from).set_value(date(2023, 1, 1)).run()
    ask(app, QUESTION)  # the sample page has only an inferred year: nothing is left to cite
    assert [i.value for i in app.info] == [REFUSAL_ZH]
    assert_labelled_as_refusal(app)


def test_no_index_says_what_to_do_first_and_creates_nothing(empty_index: Path) -> None:
    app = start()
    assert "python -m ingest data" in app.info[0].value and "上传" in app.info[0].value
    assert not app.chat_input and not app.error
    assert not empty_index.exists()  # opening the app does not create an index


def test_the_uploader_states_the_real_limit_in_chinese(
    empty_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WENBAO_MAX_FILE_MB", "7")
    [uploader] = start().file_uploader
    assert uploader.label == "上传文章（每个文件不超过 7 MB）"
    assert uploader.proto.max_upload_size_mb == 7  # Streamlit's own check uses the same limit
    assert "7 MB" in uploader.help and "200" not in uploader.help


def test_streamlit_config_matches_the_settings_and_runs_without_a_watcher() -> None:
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    server = config["server"]
    assert server["maxUploadSize"] == DEFAULT_MAX_FILE_MB == Settings().max_file_mb
    assert server["fileWatcherType"] == "none" and server["runOnSave"] is False
    assert server["headless"] is True and config["browser"]["gatherUsageStats"] is False


def test_bad_upload_names_the_file_and_why_in_chinese(empty_index: Path) -> None:
    app = start()
    app.file_uploader[0].upload("坏文件.txt", bytes(range(256)) * 4, "text/plain")
    app.run()
    button(app, "导入").click()
    app.run()
    assert not app.exception
    errors = [e.value for e in app.error]
    assert errors == [f"坏文件.txt 未导入：{SKIP_REASONS['binary']}。"]
    assert "python -m ingest data" in app.info[0].value
    assert not (empty_index / "uploads" / "坏文件.txt").exists()


def test_a_good_upload_creates_the_index_and_can_be_asked_about(empty_index: Path) -> None:
    app = start()
    text = "# 高新区投资\n\n本报讯 今年1-10月,高新区合同投资额达到4.29亿元,同比增长12.9%。\n"
    app.file_uploader[0].upload("投资.txt", text.encode(), "text/plain")
    app.run()
    button(app, "导入").click()
    app.run()
    assert not app.exception and not app.error
    assert app.success[0].value.startswith("已导入 1 个文件：")
    assert app.metric[0].value == "1" and app.chat_input
    ask(app, "高新区合同投资额达到多少?")
    [record] = [c.value for c in app.code]
    assert "路径: `uploads/投资.txt`" in record and str(empty_index) not in record


def test_delete_asks_first_and_old_answers_say_their_source_is_gone(sample_copy: Path) -> None:
    app = ask(start(), QUESTION)
    before = [m.value for m in app.metric]
    delete_button(app).click()
    app.run()
    assert [m.value for m in app.metric] == before and before[0] == "1"  # nothing deleted
    assert any(w.value.startswith("确定要从知识库删除") for w in app.warning)

    button(app, APP.delete_cancel).click()
    app.run()
    assert [m.value for m in app.metric] == before
    assert not any(w.value.startswith("确定要") for w in app.warning)

    delete_button(app).click()
    app.run()
    button(app, APP.delete_confirm).click()
    app.run()
    assert not app.exception and "python -m ingest data" in app.info[0].value
    assert [m.value for m in app.metric] == ["0", "0", "0"]
    gone = [w.value for w in app.warning if w.value.startswith("来源已删除")]
    assert gone and gone[0] == "来源已删除：000\\_3df2ea797cd76329.txt"
    assert len(app.chat_message) == 2  # the old answer is still shown, with the notice


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("WENBAO_K", "many", "设置有误"),
        ("WENBAO_EMBEDDING_MODEL", "/no/such/model", "嵌入模型"),
    ],
)
def test_an_error_is_one_chinese_line_with_the_english_detail_below(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, says: str
) -> None:
    monkeypatch.setenv(variable, value)
    app = start()
    [error] = [e.value for e in app.error]
    assert says in error and not error.isascii()
    assert any(c.startswith("错误详情（供技术支持）：") for c in captions(app))


def test_the_panel_shows_each_articles_date_and_corrects_one_without_reingesting(
    sample_copy: Path, embedder: WenBaoEmbeddings
) -> None:
    app = start()
    captions = [c.value for c in app.caption]
    assert any("《" in c and "推断" in c for c in captions), captions
    counts = [m.value for m in app.metric]
    new_day = next(d for d in app.date_input if (d.key or "").startswith("date-new-"))
    new_day.set_value(date(2022, 10, 20)).run()
    next(b for b in app.button if (b.key or "").startswith("date-save-")).click().run()
    assert not app.exception and not app.error
    saved = [s.value for s in app.success if s.value.startswith("已更正")]
    assert saved and "2022-10-20 · 人工指定" in saved[0], saved
    assert [m.value for m in app.metric] == counts  # nothing re-ingested
    index = Index(Settings(index_dir=sample_copy), embedder, create=False)
    try:
        found = [(d.date, d.date_origin) for d in index.article_dates()]
        assert found.count(("2022-10-20", "given")) == 1 and len(found) > 1, found
    finally:
        index.close()
