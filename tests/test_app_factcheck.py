"""The 核查 tab, run headless by AppTest over a copy of the sample index with the real checker.

What is checked here is the wiring: the two tabs, the pasted text checked and shown with its
claims marked, the evidence figure marked, the report offered for download, errors as one
Chinese line, and the chat still answering in its own tab. The checker's verdicts themselves
are tested with the checker.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from retrieval.settings import MAX_CHECK_CHARS
from retrieval.types import CheckReport
from tests.conftest import SAMPLE
from tests.test_app import QUESTION, ask, button, captions, markdown, start
from ui.messages import APP

# Our own sentences about the sample page: a right figure, and a 亿 written as 万.
RIGHT = "西部(重庆)科学城核心区已引进招商项目317个，合同投资额3141.9亿元。"
WRONG = "国核铀业2021年的营业收入为32万元。"


@pytest.fixture
def sample_copy(tmp_path: Path, sample_index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "index"
    shutil.copytree(sample_index_dir, folder)
    monkeypatch.setenv("WENBAO_INDEX", str(folder))
    return folder


def check(app: AppTest, text: str) -> AppTest:
    app.text_area(key="check-text").input(text)
    button(app, APP.check_button).click()
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def shown_in(app: AppTest, tab: int) -> str:
    return "\n".join(m.value for m in app.tabs[tab].markdown)


def test_the_app_has_a_chat_tab_and_a_check_tab(sample_copy: Path) -> None:
    app = start()
    assert [tab.label for tab in app.tabs] == [APP.tab_chat, APP.tab_check] == ["问答", "核查"]
    area = app.text_area(key="check-text")
    assert area.label == APP.check_label and area.max_chars == MAX_CHECK_CHARS >= 3000
    assert APP.download_check not in [b.label for b in app.download_button]  # nothing yet
    assert len(app.tabs[0].chat_input) == 1 and not app.tabs[1].chat_input


def test_a_pasted_text_is_shown_with_its_claims_marked_and_the_evidence_figure(
    sample_copy: Path,
) -> None:
    app = check(start(), RIGHT + WRONG)
    report = app.session_state["check"]
    assert isinstance(report, CheckReport) and report.text == RIGHT + WRONG
    verdicts = {claim.text: claim.verdict for claim in report.claims}
    assert verdicts == {RIGHT: "supported", WRONG: verdicts[WRONG]}
    assert verdicts[WRONG] != "supported"
    shown = shown_in(app, 1)
    for number, claim in enumerate(report.claims, start=1):
        assert f'<details class="wb-claim wb-v-{claim.verdict}" id="wb-claim-{number}">' in shown
    summaries = re.findall(r"<summary[^>]*>(.*?)</summary>", shown)
    assert any("3141.9亿元</mark>" in s for s in summaries)  # the claim's figure, marked
    assert '<mark class="wb-fig">3141.9亿元</mark>' in shown  # the evidence figure, marked
    assert "支持" in shown and "张冠李戴" in shown  # the legend
    assert APP.download_check in [b.label for b in app.download_button]
    assert not app.error and "wb-check" not in shown_in(app, 0)


def test_the_chat_still_answers_in_its_own_tab_and_the_check_stays(sample_copy: Path) -> None:
    app = ask(check(start(), RIGHT), QUESTION)
    assert "12.9%" in shown_in(app, 0) and len(app.tabs[0].chat_message) == 2
    assert "wb-check" in shown_in(app, 1)  # the last check is still shown
    assert app.session_state["turns"][0].answer is not None


def test_an_empty_text_is_one_chinese_error_with_the_english_detail(sample_copy: Path) -> None:
    app = check(start(), "   ")
    [error] = [e.value for e in app.error]
    assert error.startswith("这段文字没能核查") and not error.isascii()
    assert any(c.startswith("错误详情（供技术支持）：") for c in captions(app))
    assert "wb-check" not in markdown(app)


@pytest.mark.slow
def test_a_whole_article_is_checked_and_every_claim_is_marked_in_place(
    sample_copy: Path,
) -> None:
    page = SAMPLE.read_text(encoding="utf-8")
    article = page[: page.index("\n", 3000)].strip()
    assert len(article) >= 3000
    app = check(start(), article)
    report = app.session_state["check"]
    assert isinstance(report, CheckReport) and len(report.claims) >= 10
    shown = shown_in(app, 1)
    assert shown.count('<details class="wb-claim') == len(report.claims)
    assert not app.error
