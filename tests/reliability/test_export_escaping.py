"""Item 8: HTML in articles, questions or server messages never becomes a live tag in the
Markdown export, whichever field it arrives in; rendered by a real Markdown renderer."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path, PurePath

import pytest
from markdown_it import MarkdownIt

from ingest.pipeline import ingest_paths
from retrieval.answer.chain import Answerer
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.settings import Settings
from retrieval.types import Answer, Citation, Flag
from ui.export import answer_markdown, conversation_markdown
from ui.present import Turn

SCRIPT = "<script>alert('x')</script>"
IMG = '<img src=x onerror="alert(1)">'
LINK = "[点这里](javascript:alert(1))"
PIXEL = "![t](http://127.0.0.1:9/track.png)"
EVIL = f"{SCRIPT}{IMG}{LINK}{PIXEL}<iframe src=//x></iframe>"
ALLOWED = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "li", "blockquote", "code"}
ALLOWED |= {"em", "strong", "br", "hr", "pre"}
PAGE = f"导语。\n星河市GDP增长6.1%{IMG}。\n{SCRIPT}前三季度持续领跑{LINK}。"


class Tags(HTMLParser):
    """Every element and attribute a browser would build from the rendered HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def live_tags(markdown: str) -> list[str]:
    """Elements outside the plain-document set, event handlers and script URLs."""
    parser = Tags()
    lax = MarkdownIt("commonmark")
    lax.validateLink = lambda url: True  # type: ignore[method-assign]  # like python-markdown
    for renderer in (MarkdownIt("commonmark"), lax):
        parser.feed(renderer.render(markdown))
    bad = [tag for tag, _ in parser.tags if tag not in ALLOWED]
    for tag, attrs in parser.tags:
        bad += [f"{tag} {k}={v}" for k, v in attrs if k.startswith("on") or "javascript" in str(v)]
    return bad


def evil_citation() -> Citation:
    start = PAGE.index("星河")
    return Citation(
        n=1, chunk_id="c", article_id="a", source=f"/srv/index/up`loads/{IMG}`.txt",
        title=f"标题{EVIL}", section=f"栏目{SCRIPT}", char_start=start, char_end=len(PAGE),
        quote=PAGE[start:], date=f"2024-01-01{IMG}", highlights=((start, len(PAGE)),),
    )  # fmt: skip


def evil_answer(question: str = f"星河市GDP增长多少{EVIL}?") -> Answer:
    flag = Flag("unsupported_figure", f"句子{SCRIPT}", f"9%{IMG}", "9% is not in [1]")
    return Answer(
        question=question, standalone_question=f"改写{EVIL}", text=f"增长6.1%{EVIL}[1]",
        refused=False, citations=(evil_citation(),), flags=(flag,), mode="extractive",
        seconds=1.0, notice=f"server said {SCRIPT}{IMG}",
    )  # fmt: skip


def test_the_renderer_would_make_live_tags_from_raw_text() -> None:
    assert live_tags(EVIL)  # the check itself can fail


@pytest.mark.parametrize("question", [f"星河市GDP增长多少{EVIL}?", f"How much{EVIL}?"])
def test_no_field_of_an_answer_record_carries_live_html(question: str) -> None:
    record = answer_markdown(
        evil_answer(question), asked_at=f"now{SCRIPT}", roots=(PurePath("/srv/index"),)
    )
    assert live_tags(record) == []
    assert "&lt;script&gt;" in record and "[1]" in record  # readable, markers intact


def test_no_field_of_a_conversation_record_carries_live_html() -> None:
    turns = [
        Turn("a1", f"问{EVIL}", f"t{IMG}", answer=evil_answer()),
        Turn("a2", f"问{EVIL}", "t", error=f"出错{SCRIPT}", error_detail=f"detail{IMG}{LINK}"),
    ]
    record = conversation_markdown(turns, exported_at=f"t{SCRIPT}")
    assert live_tags(record) == []


def test_an_answer_from_a_real_index_exports_without_live_html(
    tmp_path: Path, embedder: WenBaoEmbeddings
) -> None:
    article = tmp_path / f"星河{IMG}.txt"
    article.write_text(f"# 星河市经济{SCRIPT}\n\n{PAGE}\n", encoding="utf-8")
    index = Index(Settings(index_dir=tmp_path / "index"), embedder)
    try:
        ingest_paths([article], index)
        answer = Answerer(index).ask(f"星河市GDP增长多少{SCRIPT}?")
    finally:
        index.close()
    assert not answer.refused and "6.1%" in answer.text
    assert any("onerror" in c.quote for c in answer.citations)  # the article's HTML is cited
    record = answer_markdown(answer, roots=(tmp_path,))
    assert live_tags(record) == [] and "6.1%" in record
