"""Markdown records of an answer or a conversation: full citations, no server paths."""

from __future__ import annotations

from dataclasses import replace
from pathlib import PurePath

import pytest

from retrieval.answer.refusal import REFUSAL_EN, REFUSAL_ZH
from retrieval.text.periods import resolve_periods
from retrieval.types import Answer, Citation, Flag
from ui.export import answer_markdown, conversation_markdown, escape_text
from ui.present import Turn

PAGE = "导语。\n2021年,核心区GDP同比增长12.9%,增速第一;\n前三季度持续领跑。"
SENTENCE = "2021年,核心区GDP同比增长12.9%,增速第一;"


def citation(n: int = 1, section: str = "经济", date: str | None = "2022-11-01") -> Citation:
    start = PAGE.index(SENTENCE)
    return Citation(
        n=n,
        chunk_id="c",
        article_id="a",
        source="/srv/wenbao/index/uploads/page.txt",
        title="科学城建产业创新引领区",
        section=section,
        char_start=start,
        char_end=len(PAGE),
        quote=PAGE[start:],
        date=date,
        highlights=((start, start + len(SENTENCE)), (0, 2)),
    )


def answer(question: str = "核心区GDP增长多少?", **changes: object) -> Answer:
    fields: dict[str, object] = {
        "question": question,
        "standalone_question": question,
        "text": "2021年,核心区GDP同比增长12.9%,增速第一;[1]",
        "refused": False,
        "citations": (citation(),),
        "flags": (),
        "mode": "extractive",
        "seconds": 1.25,
        **changes,
    }
    return Answer(**fields)  # type: ignore[arg-type]


def test_record_holds_question_answer_and_full_citation() -> None:
    start = PAGE.index(SENTENCE)
    record = answer_markdown(
        answer(), asked_at="2026-11-26T08:00:00", roots=(PurePath("/srv/wenbao/index"),)
    )
    for piece in (
        "# 问题: 核心区GDP增长多少?",
        "- 提问时间: 2026-11-26T08:00:00",
        "- 回答方式: 摘录原文 · 用时 1.2 秒",
        "## 回答",
        "12.9%,增速第一;[1]",
        "## 来源",
        "### [1] 科学城建产业创新引领区",
        "文件: `page.txt`",
        "栏目: 经济",
        f"字符 {start}–{len(PAGE)}",
        "发布日期: 2022-11-01",
        "路径: `uploads/page.txt`",
        f"> {SENTENCE}",
        "> 前三季度持续领跑。",
        f"- 字符 {start}–{start + len(SENTENCE)}: 「{SENTENCE}」",
    ):
        assert piece in record, piece
    assert "导语" not in record  # a highlight outside the passage is not quoted
    assert "/srv" not in record  # never the server's absolute path
    assert record.endswith("\n") and not record.endswith("\n\n")


def test_english_question_gets_an_english_record() -> None:
    record = answer_markdown(answer("How much did GDP grow?"))
    for piece in ("# Question: How much did GDP grow?", "## Sources", "File: `page.txt`"):
        assert piece in record
    assert "提问时间" not in record and "Asked" not in record


@pytest.mark.parametrize(
    ("question", "refusal"), [("上海GDP多少?", REFUSAL_ZH), ("Apple?", REFUSAL_EN)]
)
def test_refusals_are_recorded_as_such_without_sources(question: str, refusal: str) -> None:
    record = answer_markdown(answer(question, text=refusal, refused=True, citations=()))
    assert refusal in record and ("未找到答案" in record or "no answer found" in record)
    assert "## 来源" not in record and "## Sources" not in record


def test_notice_flags_and_missing_metadata_are_recorded() -> None:
    flag = Flag(
        "unsupported_figure", "2021年,核心区GDP同比增长13%,增速第一;", "13%", "13% is not in [1]"
    )
    record = answer_markdown(
        answer(
            text="2021年,核心区GDP同比增长13%,增速第一;[1]",
            citations=(citation(section="", date=None),),
            flags=(flag,),
            notice="LLM server unreachable; answered extractively",
        )
    )
    assert "> 提示：LLM 服务出错，已改为摘录原文回答。" in record
    assert "> 错误详情（供技术支持）：LLM server unreachable; answered extractively" in record
    assert "## 核对提示" in record and "数字在引用的段落中找不到 (13%)" in record
    assert "发布日期: 日期不详" in record and "栏目" not in record
    assert "路径: `page.txt`" in record  # outside every root: the file name alone


def test_a_conversation_is_one_record_with_every_answer_and_its_sources() -> None:
    refusal = answer("上海GDP多少?", text=REFUSAL_ZH, refused=True, citations=())
    turns = [
        Turn("a1", "核心区GDP增长多少?", "2026-11-26 08:00:00", answer=answer()),
        Turn(
            "a2",
            "太长的问题",
            "2026-11-26 08:01:00",
            error="这个问题没能回答。",
            error_detail="too long",
        ),
        Turn("a3", "上海GDP多少?", "2026-11-26 08:02:00", answer=refusal),
        Turn("a4", "How much did GDP grow?", "2026-11-26 08:03:00", answer=answer("How much?")),
    ]
    record = conversation_markdown(
        turns, roots=(PurePath("/srv/wenbao/index"),), exported_at="2026-11-26 08:05"
    )
    assert record.startswith("# 问报对话记录\n\n- 导出时间: 2026-11-26 08:05\n")
    headings = [line for line in record.splitlines() if line.startswith("## ")]
    assert headings == ["## 第 1 问", "## 第 2 问", "## 第 3 问", "## 第 4 问"]
    for piece in (
        "### 问题: 核心区GDP增长多少?",
        "- 提问时间: 2026-11-26 08:00:00",
        "#### 回答",
        "#### 来源",
        "##### [1] 科学城建产业创新引领区",
        "路径: `uploads/page.txt`",
        f"- 字符 {PAGE.index(SENTENCE)}–{PAGE.index(SENTENCE) + len(SENTENCE)}: 「{SENTENCE}」",
        "> 出错: 这个问题没能回答。 (too long)",
        f"{REFUSAL_ZH} (未找到答案)",
        "- 回答方式: 未找到答案 · 用时 1.2 秒",
        "### Question: How much?",
        "#### Sources",
    ):
        assert piece in record, piece
    assert record.count("##### [1]") == 2  # two answers with a source; the refusal has none
    assert "/srv" not in record and record.endswith("\n") and not record.endswith("\n\n")


def test_article_html_and_links_are_escaped_but_markers_stay_readable() -> None:
    assert escape_text("增长<b>6%</b>[1] [x](javascript:a()) &amp; R&D") == (
        "增长&lt;b&gt;6%&lt;/b&gt;[1] [x]\\(javascript:a()) &amp;amp; R&D"
    )
    record = answer_markdown(
        answer(text="增长12.9%<script>x</script>[1]", citations=(citation(),)),
        roots=(PurePath("/srv/wenbao/index"),),
    )
    assert "增长12.9%&lt;script&gt;x&lt;/script&gt;[1]" in record and "<script>" not in record


def test_a_backtick_in_a_file_name_cannot_close_its_code_span() -> None:
    evil = replace(citation(), source="/srv/wenbao/index/a`<img src=x onerror=y>`.txt")
    record = answer_markdown(answer(citations=(evil,)), roots=(PurePath("/srv/wenbao/index"),))
    assert "文件: ``a`<img src=x onerror=y>`.txt``" in record


def dated(cited: Citation, base: str = "2022-10-20") -> Citation:
    """``cited`` with the periods the real resolver finds in its quote against ``base``."""
    periods = resolve_periods(PAGE, base, cited.char_start, cited.char_end)
    return replace(cited, periods=periods)


def test_the_record_lists_what_the_quotes_relative_time_means_under_the_quote() -> None:
    record = answer_markdown(answer(citations=(dated(citation()),)))
    lines = record.splitlines()
    heading = lines.index("文中时间（按发布日期推算）:")
    assert lines[heading + 2] == "- 前三季度 = 2022年1月—9月"
    assert lines.index("> 前三季度持续领跑。") < heading  # under the passage, not inside it
    assert not any(line.startswith(">") and "= 2022" in line for line in lines)
    english = answer_markdown(answer("How much?", citations=(dated(citation()),)))
    assert "Time expressions (from the article's date):\n\n- 前三季度 = 2022-01/2022-09" in english
    assert "文中时间" not in answer_markdown(answer())  # a quote without periods lists none
