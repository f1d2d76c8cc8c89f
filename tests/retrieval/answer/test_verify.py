"""Tests of retrieval.answer.verify: answers checked against real passages of the sample page."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.answer.verify import AnswerSentence, flags_for_json, split_answer, verify
from retrieval.types import Chunk, Flag

SAMPLE = Path(__file__).resolve().parents[3] / "data" / "articles" / "000_3df2ea797cd76329.txt"
PAGE = SAMPLE.read_text(encoding="utf-8")

GDP = "2021年,西部(重庆)科学城核心区GDP同比增长12.9%,增速重庆市第一;"
PROJECTS = "引进华润微电子12英寸功率半导体晶圆生产线项目、中国平安科学城大健康科技园等招商项目317个,合同投资额3141.9亿元"
WEITAI = "该项目总投资4.29亿元,预计明年12月底前竣工,项目达产后预计新增销售7亿元。"
LI = "由中国工程院院士、国家智能网联汽车创新中心首席科学家李克强领衔"


def _paragraph(n: int, needle: str) -> Chunk:
    """The paragraph (line) of the page holding ``needle``, as an indexed chunk would be."""
    at = PAGE.index(needle)
    start, end = PAGE.rindex("\n", 0, at) + 1, PAGE.index("\n", at)
    return Chunk(f"c{n}", "a0", SAMPLE.name, "title", "", PAGE[start:end], start, end, n)


PASSAGES = {
    1: _paragraph(1, "GDP同比增长12.9%"),
    2: _paragraph(2, "317个,合同投资额3141.9亿元"),
    3: _paragraph(3, "总投资4.29亿元"),
    4: _paragraph(4, "李克强领衔"),
}


def _found(flags: tuple[Flag, ...]) -> list[tuple[str, str]]:
    return [(flag.kind, flag.item) for flag in flags]


CLEAN = [
    pytest.param(f"{GDP}[1]", id="verbatim-gdp"),
    pytest.param(f"{PROJECTS}[2]。", id="verbatim-projects"),
    pytest.param(f"{WEITAI}[3]", id="verbatim-weitai"),
    pytest.param(f"该项目总投资50亿元,{LI}[4]。", id="verbatim-li-keqiang"),
    pytest.param(f"{GDP}[1]{WEITAI}[3]", id="extractive-concatenation"),
    pytest.param("核心区GDP同比增长12.9%[1]。", id="marker-before-punctuation"),
    pytest.param("核心区GDP同比增长12.9%。[1]", id="marker-after-punctuation"),
    pytest.param("GDP同比增长12.9%,总投资4.29亿元[1][3]。", id="two-markers"),
    pytest.param("GDP同比增长12.9%,总投资4.29亿元[1, 3]。", id="comma-markers"),
    pytest.param("GDP同比增长12.9%,总投资4.29亿元[1,3]。", id="tight-comma-markers"),
    pytest.param("GDP同比增长12.9%【1】。", id="lenticular-marker"),
    pytest.param("GDP同比增长12.9%[^1]。", id="footnote-marker"),
    pytest.param("该项目总投资42900万元[3]。", id="wan-equals-yi"),
    pytest.param("GDP同比增长１２.９％[1]。", id="full-width-digits"),
    pytest.param("GDP同比增长**12.9%**[1]。", id="bold-figure"),
    pytest.param("合同投资额**3141.9**亿元[2]。", id="bold-number-only"),
    pytest.param("**核心区GDP同比增长12.9%。**[1]", id="bold-sentence"),
    pytest.param("1. GDP同比增长12.9%[1]\n2、总投资4.29亿元[3]", id="ordinal-list"),
    pytest.param("10月28日,伟泰科技项目开工[3]。", id="date"),
    pytest.param("10月,伟泰科技项目开工[3]。", id="date-stated-in-more-detail"),
    pytest.param("COVID-19之后,5G和F-35之外,GDP同比增长12.9%[1]。", id="codes-are-not-figures"),
    pytest.param("以上信息来源于报道。\n来源:[1][3]", id="no-figures-no-flags"),
    pytest.param("2021年GDP增长12.9%[1]。", id="year-backed"),
    pytest.param("In 2021, the core area's GDP grew 12.9 percent [1].", id="english-percent"),
    pytest.param("The project will cost RMB 429 million [3].", id="english-money"),
    pytest.param("It signed 317 projects worth 314.19 billion yuan [2].", id="english-scale"),
    pytest.param("Construction began on October 28 [3].", id="english-date"),
    pytest.param("招商项目317个[2],总投资4.29亿元[3]。", id="mid-sentence-markers"),
]


@pytest.mark.parametrize("answer", CLEAN)
def test_correct_answers_get_no_flags(answer: str) -> None:
    assert verify(answer, PASSAGES).flags == ()


FLAGGED = [
    pytest.param("GDP同比增长15.2%[1]。", [("unsupported_figure", "15.2%")], id="made-up"),
    pytest.param("GDP同比增长12.9%[2]。", [("wrong_passage", "12.9%")], id="wrong-passage"),
    pytest.param(
        "合同投资额3141.9万元[2]。", [("unsupported_figure", "3141.9万元")], id="wan-for-yi"
    ),
    pytest.param(
        "GDP同比增长12.9个百分点[1]。",
        [("unsupported_figure", "12.9个百分点")],
        id="points-for-percent",
    ),
    pytest.param("GDP同比增长12.9%。", [("uncited_figure", "12.9%")], id="uncited"),
    pytest.param("2020年GDP增长12.9%[1]。", [("unsupported_figure", "2020年")], id="wrong-year"),
    pytest.param(
        "GDP同比增长12.9%[1]。总投资4.29亿元[1]。", [("wrong_passage", "4.29亿元")], id="second"
    ),
    pytest.param(
        "It signed 317 projects worth 314.19 million yuan [2].",
        [("unsupported_figure", "314.19 million yuan")],
        id="english-wrong-scale",
    ),
    pytest.param("GDP grew 12.9% [3].", [("wrong_passage", "12.9%")], id="english-wrong-passage"),
    pytest.param("张三丰表示,GDP同比增长12.9%[1]。", [("unsupported_name", "张三丰")], id="name"),
    pytest.param("张三丰出席了仪式。", [("unsupported_name", "张三丰")], id="uncited-name"),
    pytest.param(
        "李克强领衔该项目[1]。", [("unsupported_name", "李克强")], id="name-in-other-passage"
    ),
]


@pytest.mark.parametrize(("answer", "expected"), FLAGGED)
def test_wrong_answers_are_flagged(answer: str, expected: list[tuple[str, str]]) -> None:
    assert _found(verify(answer, PASSAGES).flags) == expected


MESSAGES = [
    ("合同投资额3141.9万元[2]。", ["3141.9万元", "[2]", "3141.9亿元"]),
    ("GDP同比增长12.9个百分点[1]。", ["12.9个百分点", "12.9%"]),
    ("GDP同比增长12.9%[2]。", ["passage [1]", "not in [2]"]),
    ("GDP同比增长12.9%。", ["no citation", "[1]"]),
    ("总投资800亿元[3]。", ["nor in any other passage"]),
    ("The project cost 4.29 million yuan [3].", ["4.29 million yuan", "4.29亿元"]),
]


@pytest.mark.parametrize(("answer", "parts"), MESSAGES)
def test_messages_name_what_the_passages_say(answer: str, parts: list[str]) -> None:
    (flag,) = verify(answer, PASSAGES).flags
    assert all(part in flag.message for part in parts), flag.message
    assert "\n" not in flag.message


def test_names_named_by_the_cited_passage_pass_and_can_be_skipped() -> None:
    assert verify(f"{LI}[4]。", PASSAGES).flags == ()
    assert verify("张三丰领衔该项目[4]。", PASSAGES, check_names=False).flags == ()


DEAD_MARKERS = [
    ("GDP同比增长12.9%[1][7]。", "GDP同比增长12.9%[1]。", [("missing_passage", "[7]")]),
    (
        "GDP同比增长12.9%[7]。",
        "GDP同比增长12.9%。",
        [("missing_passage", "[7]"), ("uncited_figure", "12.9%")],
    ),
    ("GDP grew 12.9% [1, 9].", "GDP grew 12.9% [1].", [("missing_passage", "[9]")]),
    (
        "GDP grew 12.9% [9].",
        "GDP grew 12.9%.",
        [("missing_passage", "[9]"), ("uncited_figure", "12.9%")],
    ),
]


@pytest.mark.parametrize(("answer", "text", "expected"), DEAD_MARKERS)
def test_dead_markers_are_removed_and_flagged(
    answer: str, text: str, expected: list[tuple[str, str]]
) -> None:
    checked = verify(answer, PASSAGES)
    assert checked.text == text
    assert _found(checked.flags) == expected


@pytest.mark.parametrize(
    ("answer", "text"),
    [
        ("增长12.9%[1, 3]。", "增长12.9%[1][3]。"),
        ("增长【1】。", "增长[1]。"),
        ("增长[^2]。", "增长[2]。"),
    ],
)
def test_markers_are_rewritten_in_the_plain_form(answer: str, text: str) -> None:
    assert verify(answer, PASSAGES, check_names=False).text == text


SUPPORT = [
    (f"{GDP}[1]", 1, "12.9%"),
    ("该项目总投资42900万元[3]。", 3, "4.29亿元"),
    ("合同投资额3141.9亿元[2]。", 2, "3141.9亿元"),
    ("该项目由李克强院士领衔,建设智能网联汽车科研平台[4]。", 4, "李克强领衔"),
]


@pytest.mark.parametrize(("answer", "n", "needle"), SUPPORT)
def test_support_spans_slice_the_original_file(answer: str, n: int, needle: str) -> None:
    spans = verify(answer, PASSAGES).support[n]
    assert any(needle in PAGE[start:end] for start, end in spans)
    chunk = PASSAGES[n]
    assert all(chunk.char_start <= start < end <= chunk.char_end for start, end in spans)


def test_unsupported_figures_have_no_support() -> None:
    assert verify("GDP同比增长15.2%[1]。", PASSAGES).support == {}


SPLITS = [
    (
        "增长12.9%[1]。总投资4.29亿元。[2][3]",
        [("增长12.9%[1]。", (1,)), ("总投资4.29亿元。[2][3]", (2, 3))],
    ),
    (
        "GDP grew 12.9% [1]. It cost 4.29 yuan [2].",
        [("GDP grew 12.9% [1].", (1,)), ("It cost 4.29 yuan [2].", (2,))],
    ),
    (
        "增长12.9%;利润3.3亿元[1]!再见",
        [("增长12.9%;", ()), ("利润3.3亿元[1]!", (1,)), ("再见", ())],
    ),
    ("**增长12.9%。**[1]\n下一句【2】", [("**增长12.9%。**[1]", (1,)), ("下一句【2】", (2,))]),
    ("1. 第一点[1]\n2. 第二点[^2]", [("1. 第一点[1]", (1,)), ("2. 第二点[^2]", (2,))]),
    ("增长12.9%[1, 3]。\n[4]", [("增长12.9%[1, 3]。\n[4]", (1, 3, 4))]),
    ("增长12.9%[1,2][2]。", [("增长12.9%[1,2][2]。", (1, 2))]),
]


@pytest.mark.parametrize(("answer", "expected"), SPLITS)
def test_split_answer(answer: str, expected: list[tuple[str, tuple[int, ...]]]) -> None:
    sentences = split_answer(answer)
    assert [(s.text, s.markers) for s in sentences] == expected
    assert all(answer[s.start : s.end] == s.text for s in sentences)


def test_split_answer_returns_frozen_sentences() -> None:
    (sentence,) = split_answer("增长12.9%[1]。")
    assert sentence == AnswerSentence("增长12.9%[1]。", 0, 11, (1,))
    with pytest.raises(AttributeError):
        sentence.text = "x"  # type: ignore[misc]


def test_flags_for_json() -> None:
    flags = verify("GDP同比增长12.9%[2]。", PASSAGES).flags
    assert flags_for_json(flags) == [
        {
            "kind": "wrong_passage",
            "sentence": "GDP同比增长12.9%。",
            "item": "12.9%",
            "message": "12.9% is in passage [1], not in [2]",
        }
    ]


def test_every_sentence_of_the_page_quoted_verbatim_is_clean() -> None:
    """The extractive answerer quotes passages verbatim: that must never raise a flag."""
    whole = {1: Chunk("all", "a0", SAMPLE.name, "title", "", PAGE, 0, len(PAGE), 0)}
    answer = "".join(f"{s.text}[1]\n" for s in split_answer(PAGE))
    assert verify(answer, whole).flags == ()
