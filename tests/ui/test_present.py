"""The HTML an answer is checked by: escaping, linked markers, marked sentences and figures."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from html.parser import HTMLParser
from pathlib import PurePath

import pytest

from retrieval.text.periods import periods_within, resolve_periods
from retrieval.types import Answer, Citation, Flag, SearchFilter
from ui.messages import LABELS_EN, LABELS_ZH, labels_for
from ui.present import (
    AnswerStream,
    Turn,
    anchor_id,
    answer_figures,
    answer_html,
    context_window,
    date_filter,
    flag_sentences,
    flag_text,
    history,
    notice_detail,
    notice_text,
    passage_html,
    period_notes_html,
    plain_html,
    source_html,
    source_path,
)

PAGE = (
    "# 标题\n\n导语。\n\n"
    "2021年,科学城核心区GDP同比增长12.9%,增速第一;前三季度持续领跑。"
    "该项目总投资约105亿元,分为两期。\n\n后记。"
)
SENTENCE = "2021年,科学城核心区GDP同比增长12.9%,增速第一;"
PASSAGE_START = PAGE.index(SENTENCE)
PASSAGE_END = PAGE.index("\n\n后记")


class _Marks(HTMLParser):
    """Visible text of an HTML fragment, and the runs of it inside elements of one class."""

    def __init__(self, css_class: str) -> None:
        super().__init__(convert_charrefs=True)
        self.css_class = css_class
        self.text = ""
        self.runs: list[str] = []
        self._stack: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.handle_data("\n")
            return
        hit = dict(attrs).get("class") == self.css_class
        if hit and not any(self._stack):
            self.runs.append("")
        self._stack.append(hit)

    def handle_endtag(self, tag: str) -> None:
        if tag != "br":
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        if any(self._stack):
            self.runs[-1] += data
        self.text += data


def marks(fragment: str, css_class: str) -> tuple[str, list[str]]:
    """The fragment's visible text and the runs of it marked with ``css_class``."""
    parser = _Marks(css_class)
    parser.feed(fragment)
    return parser.text, parser.runs


def visible(fragment: str) -> str:
    return marks(fragment, "-")[0]


def cite(
    text: str = PAGE,
    start: int = PASSAGE_START,
    end: int = PASSAGE_END,
    highlights: tuple[tuple[int, int], ...] = (),
    n: int = 1,
) -> Citation:
    return Citation(
        n=n,
        chunk_id="c1",
        article_id="a1",
        source="/data/news/page.txt",
        title="科学城<报道>",
        section="经济",
        char_start=start,
        char_end=end,
        quote=text[start:end],
        date="2022-11-01",
        highlights=highlights,
    )


def answer(text: str, *citations: Citation, **changes: object) -> Answer:
    fields: dict[str, object] = {
        "question": "科学城核心区2021年GDP增长多少?",
        "standalone_question": "科学城核心区2021年GDP增长多少?",
        "text": text,
        "refused": False,
        "citations": citations,
        "flags": (),
        "mode": "extractive",
        **changes,
    }
    return Answer(**fields)  # type: ignore[arg-type]


def span_of(piece: str, text: str = PAGE) -> tuple[int, int]:
    start = text.index(piece)
    return start, start + len(piece)


@pytest.mark.parametrize(
    ("highlights", "figures", "marked", "figure_marks"),
    [
        pytest.param([span_of(SENTENCE)], ("12.9%",), [SENTENCE], ["12.9%"], id="one-sentence"),
        pytest.param([span_of(SENTENCE)], (), [SENTENCE], [], id="figures-the-answer-lacks"),
        pytest.param(
            [(PASSAGE_START - 5, PASSAGE_START + 8)],
            ("12.9%",),
            [SENTENCE[:8]],
            ["12.9%"],
            id="starts-before",
        ),
        pytest.param([(PASSAGE_END - 4, PASSAGE_END + 10)], (), ["为两期。"], [], id="ends-after"),
        pytest.param([(0, 5)], (), [], [], id="outside-the-passage"),
        pytest.param(
            [span_of(SENTENCE), span_of("该项目总投资约105亿元,")],
            ("12.9%", "105亿元"),
            [SENTENCE, "该项目总投资约105亿元,"],
            ["12.9%", "105亿元"],
            id="several",
        ),
        pytest.param(
            [span_of("前三季度持续领跑。"), span_of("该项目总投资约105亿元,")],
            (),
            ["前三季度持续领跑。", "该项目总投资约105亿元,"],
            [],
            id="adjacent",
        ),
        pytest.param(
            [span_of("该项目总投资约105亿元,")],
            ("1050000万元",),
            ["该项目总投资约105亿元,"],
            ["105亿元"],
            id="same-value-written-otherwise",
        ),
        pytest.param([], ("105亿元",), [], ["105亿元"], id="figure-outside-highlights"),
    ],
)
def test_passage_marks_the_quoted_sentences_and_figures(
    highlights: list[tuple[int, int]],
    figures: tuple[str, ...],
    marked: list[str],
    figure_marks: list[str],
) -> None:
    citation = cite(highlights=tuple(highlights))
    fragment = passage_html(citation, figures)
    text, runs = marks(fragment, "wb-hl")
    assert text == citation.quote
    assert runs == marked
    assert marks(fragment, "wb-fig")[1] == figure_marks
    assert "\n" not in fragment


@pytest.mark.parametrize(
    ("quote", "forbidden"),
    [
        ("<script>alert('x')</script>增长12.9%。", "<script"),
        ('<img src=x onerror="alert(1)">', "<img"),
        ("价格 $5 到 $6 之间", "$"),  # Streamlit would render $...$ as LaTeX
        ("路径 C:\\新闻\\稿.txt", "\\"),
        ("第一段。\n\n第二段。", "\n"),  # a blank line would end the raw HTML block
        ("**粗体** :red[红字] _斜_", None),  # inside a raw HTML block Markdown is inert
    ],
)
def test_article_text_is_escaped_and_shown_verbatim(quote: str, forbidden: str | None) -> None:
    citation = cite(quote, 0, len(quote), highlights=((0, len(quote)),))
    fragments = (
        passage_html(citation),
        context_window(quote, citation),
        answer_html(answer(quote + "[1]", citation), "m1"),
        source_html(citation, (), "m1", LABELS_ZH),
    )
    for fragment in fragments:
        assert forbidden is None or forbidden not in fragment
        assert quote in visible(fragment).replace("[1]", "")


def test_figures_nest_inside_their_marked_sentence() -> None:
    fragment = passage_html(cite(highlights=(span_of(SENTENCE),)), ("12.9%",))
    assert (
        '<mark class="wb-hl">2021年,科学城核心区GDP同比增长<mark class="wb-fig">12.9%</mark>'
        ",增速第一;</mark>"
    ) in fragment


def test_full_width_figures_are_marked_at_the_right_offsets() -> None:
    text = "前言。同比增长１２．９％，增速第一。"
    sentence = "同比增长１２．９％，增速第一。"
    citation = cite(text, 3, len(text), highlights=(span_of(sentence, text),))
    fragment = passage_html(citation, ("12.9%",))
    assert marks(fragment, "wb-hl")[1] == [sentence]
    assert marks(fragment, "wb-fig")[1] == ["１２．９％"]


def test_answer_markers_become_links_to_their_sources_and_figures_bold() -> None:
    first, second = cite(n=1), cite(n=2)
    fragment = answer_html(
        answer("增长12.9%[1],投资105亿元[2]。", first, second, key_figures=("12.9%",)), "ab12"
    )
    assert '<sup><a href="#src-ab12-1">[1]</a></sup>' in fragment
    assert '<sup><a href="#src-ab12-2">[2]</a></sup>' in fragment
    assert marks(fragment, "wb-fig")[1] == ["12.9%", "105亿元"]
    assert marks(fragment, "wb-answer")[0] == "增长12.9%[1],投资105亿元[2]。"
    assert f'id="{anchor_id("ab12", 2)}"' in source_html(second, (), "ab12", LABELS_ZH)


def test_answer_figures_are_the_key_figures_then_the_stated_ones_without_dates() -> None:
    result = answer(
        "2021年,今年1-8月新签约项目59个,排名第3,合同投资额1028.8亿元[1]",
        cite(),
        key_figures=("59个",),
    )
    assert answer_figures(result) == ("59个", "1-8月", "1028.8亿元")


def test_a_figure_that_looks_like_a_marker_number_leaves_the_link_whole() -> None:
    fragment = answer_html(answer("共1个[1]", cite(), key_figures=("1", "1个")), "m")
    assert fragment.endswith('<sup><a href="#src-m-1">[1]</a></sup></div>')


def test_anchor_ids_keep_only_safe_characters() -> None:
    assert anchor_id('x"><script>', 3) == "src-xscript-3"


def test_source_shows_title_section_file_date_and_offsets_escaped() -> None:
    fragment = source_html(cite(), ("12.9%",), "m1", LABELS_ZH)
    text = visible(fragment)
    for piece in (
        "[1]",
        "科学城<报道>",
        "经济",
        "page.txt",
        "2022-11-01",
        f"{PASSAGE_START}–{PASSAGE_END}",
    ):
        assert piece in text
    assert "<报道>" not in fragment and "/data/news" not in text


def test_context_of_a_short_article_is_the_whole_article_with_the_passage_marked() -> None:
    citation = cite(highlights=(span_of(SENTENCE),))
    fragment = context_window(PAGE, citation, figures=("12.9%", "105亿元"))
    text, passage = marks(fragment, "wb-passage")
    assert text == PAGE.removeprefix("# ").strip()  # the heading shown without its marker
    assert "".join(passage) == citation.quote
    assert marks(fragment, "wb-hl")[1] == [SENTENCE]
    assert marks(fragment, "wb-fig")[1] == ["12.9%", "105亿元"]


def test_context_of_a_long_article_is_a_window_around_the_passage() -> None:
    filler = "前文很长。" * 200
    article = filler + "\n" + PAGE + "\n" + "后文也很长。" * 200
    offset = len(filler) + 1
    citation = cite(article, offset + PASSAGE_START, offset + PASSAGE_END)
    text, passage = marks(context_window(article, citation, width=100), "wb-passage")
    assert "".join(passage) == citation.quote
    assert text.startswith("…") and text.endswith("…")
    assert len(text) < len(citation.quote) + 2 * 100 + 3


def test_context_finds_a_moved_quote_and_falls_back_to_the_passage() -> None:
    citation = cite()
    moved = "新加的一段。\n" + PAGE
    assert "".join(marks(context_window(moved, citation), "wb-passage")[1]) == citation.quote
    alone = context_window("完全不同的文章。", citation)
    assert marks(alone, "wb-context")[0] == citation.quote


def test_flags_are_grouped_by_sentence_in_answer_order_and_underlined() -> None:
    flags = (
        Flag("unsupported_name", "投资105亿元。", "华润", "name 华润 is not in [1]"),
        Flag("unsupported_figure", "增长13%。", "13%", "13% is not in [1]"),
        Flag("uncited_figure", "投资105亿元。", "105亿元", "figure 105亿元 has no citation"),
    )
    result = answer("增长13%[1]。投资105亿元。", cite(), flags=flags)
    grouped = flag_sentences(result)
    assert [g.sentence for g in grouped] == ["增长13%。", "投资105亿元。"]
    assert [f.item for f in grouped[1].flags] == ["华润", "105亿元"]
    assert marks(answer_html(result, "m"), "wb-flag")[1] == ["增长13%[1]。", "投资105亿元。"]
    assert (
        flag_text(grouped[0], LABELS_ZH) == "核对提示: 「增长13%。」 数字在引用的段落中找不到 (13%)"
    )
    assert "figure not in the cited passage (13%)" in flag_text(grouped[0], LABELS_EN)
    assert "is not in" not in flag_text(grouped[1], LABELS_ZH)  # no English in the Chinese UI


def test_warnings_are_markdown_safe() -> None:
    flag = Flag(
        "unsupported_figure", "Revenue was $5 billion and *up*.", "$5 billion", "not in [1]"
    )
    result = answer("Revenue was $5 billion and *up*.[1]", cite(), flags=(flag,), notice="a_b_c")
    warning = flag_text(flag_sentences(result)[0], LABELS_EN)
    assert "\\$5 billion and \\*up\\*" in warning and "(\\$5 billion)" in warning
    assert notice_text(result, LABELS_ZH) == "提示：LLM 服务出错，已改为摘录原文回答。"
    assert notice_detail(result, LABELS_ZH) == "错误详情（供技术支持）：a\\_b\\_c"
    assert notice_text(answer("x", cite()), LABELS_ZH) == ""
    assert notice_detail(answer("x", cite()), LABELS_ZH) == ""


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (None, None, None),
        (date(2022, 1, 1), None, SearchFilter(date_from="2022-01-01")),
        (None, date(2022, 12, 31), SearchFilter(date_to="2022-12-31")),
        (
            date(2022, 12, 31),
            date(2022, 1, 1),
            SearchFilter(date_from="2022-01-01", date_to="2022-12-31"),
        ),
    ],
)
def test_date_filter(start: date | None, end: date | None, expected: SearchFilter | None) -> None:
    assert date_filter(start, end) == expected


@pytest.mark.parametrize(
    ("question", "labels"),
    [("GDP增长多少?", LABELS_ZH), ("How much did GDP grow?", LABELS_EN), ("2021年GDP", LABELS_ZH)],
)
def test_labels_follow_the_language_of_the_question(question: str, labels: object) -> None:
    assert labels_for(question) is labels


def test_answer_stream_yields_text_and_keeps_the_final_answer() -> None:
    final = answer("好[1]", cite())
    items: list[str | Answer] = ["好", "[1]", final]
    stream = AnswerStream(iter(items))
    assert list(stream.pieces()) == ["好", "[1]"]
    assert stream.answer is final


def test_history_is_the_answered_questions_in_order() -> None:
    turns = [
        Turn("1", "第一问", "t", answer=answer("a", cite())),
        Turn("2", "出错的问", "t", error="boom"),
        Turn("3", "第二问", "t", answer=answer("b", cite())),
    ]
    assert history(turns) == ["第一问", "第二问"]


def test_plain_html_shows_the_users_words_verbatim() -> None:
    question = "<b>粗</b> *斜* $x$"
    assert marks(plain_html(question), "wb-question")[1] == [question]


ARTICLE = (
    "# 科学城报道\n\n导语。\n\n## 经济 ##\n\n" + SENTENCE + "前三季度持续领跑。\n\n#不是标题。"
)


@pytest.mark.parametrize("width", [400, 12])
def test_context_headings_are_shown_without_their_markers_and_marks_stay_put(
    width: int,
) -> None:
    start = ARTICLE.index(SENTENCE)
    citation = cite(ARTICLE, start, start + len(SENTENCE), highlights=((start, start + 8),))
    fragment = context_window(ARTICLE, citation, width=width, figures=("12.9%",))
    text = visible(fragment)
    assert "# " not in text and "##" not in text
    assert "#不是标题。" in text or width < 400  # no space after #: not a heading, kept as is
    assert marks(fragment, "wb-h")[1] == (["科学城报道", "经济"] if width == 400 else ["经济"])
    assert marks(fragment, "wb-passage")[1] == [SENTENCE]
    assert marks(fragment, "wb-hl")[1] == [SENTENCE[:8]]
    assert marks(fragment, "wb-fig")[1] == ["12.9%"]


def test_a_passage_that_starts_with_a_heading_keeps_its_highlights() -> None:
    start = ARTICLE.index("## 经济")
    end = ARTICLE.index("前三季度")
    sentence = ARTICLE.index(SENTENCE)
    citation = cite(ARTICLE, start, end, highlights=((start, start + 5), (sentence, end)))
    fragment = passage_html(citation, ("12.9%",))
    assert visible(fragment).startswith("经济\n\n2021年")
    assert marks(fragment, "wb-h")[1] == ["经济"]
    assert marks(fragment, "wb-hl")[1] == ["经济", SENTENCE]


def test_a_window_that_starts_mid_line_does_not_take_a_hash_for_a_heading() -> None:
    article = "前文很长。" * 100 + "编号 # 12 号线的消息。" + SENTENCE + "后文。" * 100
    start = article.index(SENTENCE)
    citation = cite(article, start, start + len(SENTENCE))
    low = article.index("# 12")
    assert "# 12" in visible(context_window(article, citation, width=start - low))


def test_source_shows_the_byline_when_the_article_has_one() -> None:
    plain = visible(source_html(cite(), (), "m1", LABELS_ZH))
    with_reporter = visible(source_html(cite(), (), "m1", LABELS_ZH, byline="张三 李四"))
    already = visible(source_html(cite(), (), "m1", LABELS_ZH, byline="本报记者 王五"))
    assert "记者" not in plain
    assert "page.txt · 记者：张三 李四 · 2022-11-01" in with_reporter
    assert "本报记者 王五" in already and "记者：本报" not in already
    assert "By John Smith" in visible(source_html(cite(), (), "m1", LABELS_EN, "John Smith"))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("/srv/wenbao/index/uploads/新闻.txt", "uploads/新闻.txt"),
        ("/srv/wenbao/data/articles/a.txt", "a.txt"),
        ("/elsewhere/a.txt", "a.txt"),
    ],
)
def test_source_paths_are_relative_to_the_index_never_absolute(source: str, expected: str) -> None:
    assert source_path(source, (PurePath("/srv/wenbao/index"),)) == expected


DATED_PAGE = (
    "导语。\n\n今年前三季度,科学城核心区GDP增速领跑;上月新签约项目12个,今年还将扩建。\n\n后记。"
)


def dated_cite() -> Citation:
    start, end = DATED_PAGE.index("今年前三季度"), DATED_PAGE.index("\n\n后记")
    periods = periods_within(resolve_periods(DATED_PAGE, "2022-10-20"), start, end)
    return replace(cite(DATED_PAGE, start, end), periods=periods)


def test_period_notes_are_shown_under_the_quote_never_inside_it() -> None:
    citation = dated_cite()
    fragment = source_html(citation, (), "m1", LABELS_ZH)
    assert marks(fragment, "period-note")[1] == [
        "今年前三季度 = 2022年1月—9月",
        "上月 = 2022年9月",
        "今年 = 2022年",
    ]
    assert marks(fragment, "wb-quote")[1] == [citation.quote]  # the quote as written
    quote_ends = fragment.index("</div>", fragment.index('class="wb-quote"'))
    assert fragment.index('class="period-note"') > quote_ends  # under the quote, outside it
    assert "period-note" not in source_html(cite(), (), "m1", LABELS_ZH)  # no periods, no notes


def test_period_notes_for_english_readers_are_iso_and_every_note_is_escaped() -> None:
    citation = dated_cite()
    english = marks(source_html(citation, (), "m1", LABELS_EN), "period-note")[1]
    assert english[0] == "今年前三季度 = 2022-01/2022-09"
    odd = replace(citation.periods[-1], text='今年<img src=x onerror="alert(1)">')
    fragment = period_notes_html(replace(citation, periods=(odd,)), LABELS_ZH)
    assert "<img" not in fragment
    assert visible(fragment) == '今年<img src=x onerror="alert(1)"> = 2022年'
