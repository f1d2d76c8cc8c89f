"""LLM mode of the answer chain: streaming, verification of what the model says, fallback."""

from __future__ import annotations

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from retrieval.answer.chain import Answerer, AskOptions
from retrieval.answer.llm import make_chat_model
from retrieval.index import Index
from retrieval.settings import Settings
from retrieval.types import Answer
from tests.conftest import SAMPLE
from tests.llm_server import LlmServer, closed_port_url

ORIGINAL = SAMPLE.read_text(encoding="utf-8")
QUESTION = "科学城核心区2021年GDP增长多少?"


def fake(text: str) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter([AIMessage(content=text)]))


def final(events: list[str | Answer]) -> Answer:
    assert isinstance(events[-1], Answer)
    return events[-1]


def test_llm_answer_is_streamed_and_checked(sample_index: Index) -> None:
    model = fake("2021年, 科学城核心区 GDP 同比增长 12.9%[1]。")
    events = list(Answerer(sample_index, chat_model=model).stream(QUESTION))
    assert len([e for e in events if isinstance(e, str)]) > 1
    answer = final(events)
    assert answer.mode == "llm" and "12.9%" in answer.text and not answer.flags
    assert answer.citations and "12.9%" in answer.citations[0].quote


def test_a_figure_the_passage_does_not_state_is_flagged(sample_index: Index) -> None:
    model = fake("科学城核心区GDP同比增长15.2%[1]。详见[9]。")
    answer = Answerer(sample_index, chat_model=model).ask(QUESTION)
    kinds = {(f.kind, f.item) for f in answer.flags}
    assert ("unsupported_figure", "15.2%") in kinds and ("missing_passage", "[9]") in kinds
    assert "[9]" not in answer.text


def test_model_refusal_is_a_refusal(sample_index: Index) -> None:
    answer = Answerer(sample_index, chat_model=fake("在已收录的文章中没有找到相关信息。")).ask(
        QUESTION
    )
    assert answer.refused and answer.mode == "llm" and answer.citations == ()


def test_extractive_mode_skips_the_model(sample_index: Index) -> None:
    answer = Answerer(sample_index, chat_model=fake("不应被调用")).ask(
        QUESTION, (), AskOptions(mode="extractive")
    )
    assert answer.mode == "extractive" and "12.9%" in answer.text


def test_refused_questions_never_call_the_model(sample_index: Index) -> None:
    answer = Answerer(sample_index, chat_model=fake("科学城GDP增长99%[1]。")).ask(
        "科学城核心区2019年GDP增长多少?"
    )
    assert answer.refused and answer.mode == "extractive"


@pytest.mark.slow
def test_real_server_streams_and_every_figure_is_checked(
    sample_index: Index, llm_server: LlmServer
) -> None:
    settings = Settings(llm_base_url=llm_server.base_url, llm_model=llm_server.model)
    answerer = Answerer(sample_index, chat_model=make_chat_model(settings, max_tokens=64))
    events = list(answerer.stream(QUESTION))
    answer = final(events)
    assert answer.mode == "llm" and len([e for e in events if isinstance(e, str)]) > 1
    for citation in answer.citations:
        assert ORIGINAL[citation.char_start : citation.char_end] == citation.quote
    for flag in answer.flags:
        assert flag.kind in {
            "unsupported_figure",
            "wrong_passage",
            "uncited_figure",
            "missing_passage",
            "unsupported_name",
        }
        assert flag.message and "\n" not in flag.message


def test_stopped_server_falls_back_to_the_extractive_answer(sample_index: Index) -> None:
    settings = Settings(llm_base_url=closed_port_url(), llm_model="gemma-3-270m", llm_timeout=5)
    answer = Answerer(sample_index, chat_model=make_chat_model(settings)).ask(QUESTION)
    assert answer.mode == "extractive" and "12.9%" in answer.text
    assert (
        answer.notice is not None and "unreachable" in answer.notice and "\n" not in answer.notice
    )
