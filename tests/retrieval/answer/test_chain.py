"""Questions about the sample page, answered end to end with the real index and embedder."""

from __future__ import annotations

import pytest

from retrieval.answer.chain import Answerer, Asked, AskOptions, Passages
from retrieval.answer.refusal import REFUSAL_EN, REFUSAL_ZH
from retrieval.answer.rerank import reranked_search
from retrieval.errors import RetrievalError
from retrieval.types import Answer
from tests.conftest import SAMPLE

ORIGINAL = SAMPLE.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("question", "figures"),
    [
        ("科学城核心区2021年GDP增长多少?", ["12.9%"]),
        ("国核铀业2021年营业收入多少?", ["32亿元"]),
        ("伟泰科技高端精密组件产业化基地项目总投资多少?", ["4.29亿元"]),
        ("今年1-8月新签约多少个项目，合同投资额多少?", ["59个", "1028.8亿元"]),
        ("焦作高新区今年1-10月产值同比增长多少?", ["221.4%"]),
        ("到2025年科学城软件业务收入计划达到多少?", ["800亿元"]),
        ("智能网联汽车创新中心项目总投资多少?", ["50亿元"]),
    ],
)
def test_figure_questions_get_the_right_figure_with_a_checkable_citation(
    answerer: Answerer, question: str, figures: list[str]
) -> None:
    answer = answerer.ask(question)
    assert not answer.refused, answer.text
    assert len(answer.text) <= 200
    for figure in figures:
        assert figure in answer.text
        cited = [c for c in answer.citations if figure in c.quote]
        assert cited, f"no citation quotes {figure}"
        for c in cited:
            assert ORIGINAL[c.char_start : c.char_end] == c.quote
            assert any(figure in ORIGINAL[a:b] for a, b in c.highlights)
    assert "[1]" in answer.text and answer.mode == "extractive"
    assert set(answer.key_figures) & set(figures)
    assert not answer.flags, answer.flags


@pytest.mark.parametrize(
    "question",
    [
        "科学城核心区2019年GDP增长多少?",
        "华润微电子12英寸功率半导体晶圆生产线项目投资多少?",
        "上海2022年GDP是多少?",
        "苹果公司发布了什么新手机?",
    ],
)
def test_questions_the_page_does_not_answer_are_refused(answerer: Answerer, question: str) -> None:
    answer = answerer.ask(question)
    assert answer.refused and answer.text.startswith(REFUSAL_ZH)
    assert answer.reliability == "insufficient" and answer.flags == ()


def test_english_question_is_refused_in_english(answerer: Answerer) -> None:
    assert answerer.ask("What did Apple announce at WWDC?").text.startswith(REFUSAL_EN)


@pytest.mark.parametrize(
    ("history", "follow_up", "figure"),
    [
        (["国核铀业2021年利润总额多少?"], "那它的营业收入呢?", "32亿元"),
        (["今年1-8月科学城新签约项目多少个?"], "其中百亿元级项目有几个?", "3个"),
    ],
)
def test_follow_up_is_resolved_from_history(
    answerer: Answerer, history: list[str], follow_up: str, figure: str
) -> None:
    answer = answerer.ask(follow_up, history)
    assert not answer.refused and figure in answer.text
    assert answer.standalone_question != follow_up


def test_when_question_gets_a_date(answerer: Answerer) -> None:
    answer = answerer.ask("金凤实验室什么时候揭牌投用?")
    assert "6月" in answer.text and not answer.refused


def test_stream_ends_with_the_answer(answerer: Answerer) -> None:
    events = list(answerer.stream("科学城核心区2021年GDP增长多少?"))
    assert len(events) == 1 and "12.9%" in getattr(events[0], "text", "")


@pytest.mark.parametrize(
    ("question", "options", "message"),
    [
        ("   ", AskOptions(), "empty"),
        ("多" * 1001, AskOptions(), "1001 characters"),
        ("GDP?", AskOptions(k=0), "k=0"),
        ("GDP?", AskOptions(mode="magic"), "magic"),  # type: ignore[arg-type]
    ],
)
def test_bad_questions_are_one_line_errors(
    answerer: Answerer, question: str, options: AskOptions, message: str
) -> None:
    with pytest.raises(RetrievalError, match=message) as caught:
        answerer.ask(question, (), options)
    assert "\n" not in str(caught.value)


def test_runnable_is_a_langchain_runnable(answerer: Answerer) -> None:
    from langchain_core.runnables import Runnable

    assert isinstance(answerer.runnable, Runnable)


def test_the_chain_runs_condense_retrieve_rerank_answer_on_typed_values(
    answerer: Answerer,
) -> None:
    steps = [node.name for node in answerer.runnable.get_graph().nodes.values()]
    assert [s for s in steps if s in {"condense", "retrieve", "rerank", "answer"}] == [
        "condense",
        "retrieve",
        "rerank",
        "answer",
    ]
    asked = Asked("科学城核心区2021年GDP增长多少?", (), AskOptions(k=3))
    answer = answerer.runnable.invoke(asked)
    passages = answerer.preparation.invoke(asked)
    assert isinstance(passages, Passages) and len(passages.hits) == 3
    assert answer.citations[0].chunk_id in {h.chunk.chunk_id for h in passages.hits}


def test_stream_and_ask_go_through_the_same_steps(answerer: Answerer) -> None:
    question, options = "科学城核心区2021年GDP增长多少?", AskOptions(k=4)
    streamed = list(answerer.stream(question, (), options))[-1]
    asked = answerer.ask(question, (), options)
    assert isinstance(streamed, Answer)
    assert (streamed.text, streamed.citations) == (asked.text, asked.citations)
    kept = [h.chunk.chunk_id for h in answerer.passages(question, (), options).hits]
    assert kept == [h.chunk.chunk_id for h in reranked_search(answerer.index, question, 4)]
