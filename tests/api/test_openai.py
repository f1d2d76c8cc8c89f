"""The ``openai`` client library, unchanged, against ``/v1/chat/completions``: the answer keeps
its ``[n]`` markers and every citation arrives in the extra field, streamed or not."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from retrieval.index.embeddings import WenBaoEmbeddings
from tests.api.conftest import ARTICLES, QUESTION, READER_KEY, client, index_copy, keyed_server

CABLE = ARTICLES["2023-05-12_缆车.txt"]


@pytest.fixture(scope="module")
def url(
    tmp_path_factory: pytest.TempPathFactory, api_index_dir: Path, embedder: WenBaoEmbeddings
) -> Iterator[str]:
    with keyed_server(index_copy(tmp_path_factory, api_index_dir), embedder) as found:
        yield found


@pytest.fixture
def chat(url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key=READER_KEY, max_retries=0, timeout=60)


def asked(url: str) -> dict[str, Any]:
    with client(url) as reader:
        return dict(reader.post("/v1/ask", json={"question": QUESTION}).json())


def check_citations(text: str, citations: list[dict[str, Any]]) -> None:
    """Every marker of ``text`` has its citation, with the exact quote at its offsets."""
    assert citations and all(f"[{c['n']}]" in text for c in citations)
    for citation in citations:
        assert CABLE[citation["char_start"] : citation["char_end"]] == citation["quote"]


def test_a_completion_keeps_its_markers_and_carries_every_citation(
    url: str, chat: openai.OpenAI
) -> None:
    response = chat.chat.completions.create(
        model="wenbao",
        messages=[
            {"role": "system", "content": "你是新闻助手"},
            {"role": "user", "content": "你好"},
            {"role": "user", "content": QUESTION},
        ],
    )
    text = response.choices[0].message.content or ""
    assert "3.6亿元" in text and response.choices[0].finish_reason == "stop"
    extra = response.model_extra or {}
    check_citations(text, extra["citations"])
    plain = asked(url)
    assert extra["citations"] == plain["citations"] and text == plain["answer"]
    assert extra["wenbao"]["reliability"] == plain["reliability"]
    assert response.usage is not None and response.usage.completion_tokens > 0


def test_a_stream_carries_the_citations_on_its_final_chunk(url: str, chat: openai.OpenAI) -> None:
    stream = chat.chat.completions.create(
        model="wenbao", messages=[{"role": "user", "content": QUESTION}], stream=True
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    final = chunks[-1]
    assert final.choices[0].finish_reason == "stop"
    assert all(c.choices[0].finish_reason is None for c in chunks[:-1])
    extra = final.model_extra or {}
    check_citations(text, extra["citations"])
    assert extra["wenbao"]["answer"] == text == asked(url)["answer"]


def test_wenbao_options_ride_in_extra_body(chat: openai.OpenAI) -> None:
    response = chat.chat.completions.create(
        model="wenbao",
        messages=[{"role": "user", "content": [{"type": "text", "text": QUESTION}]}],
        extra_body={"k": 2, "filters": {"date_to": "2022-12-31"}},
    )
    citations = (response.model_extra or {})["citations"]
    assert "3.6亿元" not in (response.choices[0].message.content or "")
    assert all(c["date"] <= "2022-12-31" for c in citations)


def test_client_errors_arrive_as_openai_exceptions(url: str, chat: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError, match="no user message"):
        chat.chat.completions.create(model="wenbao", messages=[{"role": "system", "content": "x"}])
    stranger = openai.OpenAI(base_url=f"{url}/v1", api_key="wb_wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError, match="not known"):
        stranger.chat.completions.create(
            model="wenbao", messages=[{"role": "user", "content": "x"}]
        )
    assert [m.id for m in chat.models.list()] == ["wenbao"]


def test_the_raw_stream_is_server_sent_events_ending_in_done(url: str) -> None:
    body = {"model": "wenbao", "messages": [{"role": "user", "content": QUESTION}], "stream": True}
    with client(url) as reader, reader.stream("POST", "/v1/chat/completions", json=body) as found:
        lines = [line for line in found.iter_lines() if line]
    assert all(line.startswith("data: ") for line in lines) and lines[-1] == "data: [DONE]"
    assert isinstance(found, httpx.Response)
