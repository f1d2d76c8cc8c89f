"""LLM mode through the API: the model's draft is streamed as it comes, and the final event
(``answer``; for OpenAI clients the last chunk's ``wenbao``) carries the checked text whose
markers match its citations. The LLM is a scripted OpenAI-compatible endpoint (the real model
is not the point here), streaming a reply that cites passage [2]."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import openai
import pytest

from retrieval.index.embeddings import WenBaoEmbeddings
from tests.api.conftest import QUESTION, READER_KEY, client, index_copy, keyed_server
from tests.api.test_endpoints import parse_sse

REPLY = "临江市跨江缆车项目总投资3.6亿元[2]。"
MARKER = re.compile(r"\[(\d+)\]")


class _Scripted(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for start in range(0, len(REPLY), 5):
            delta = {"role": "assistant", "content": REPLY[start : start + 5]}
            chunk = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m"}
            chunk["choices"] = [{"index": 0, "delta": delta, "finish_reason": None}]
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def url(
    tmp_path_factory: pytest.TempPathFactory, api_index_dir: Path, embedder: WenBaoEmbeddings
) -> Iterator[str]:
    llm = ThreadingHTTPServer(("127.0.0.1", 0), _Scripted)
    threading.Thread(target=llm.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{llm.server_address[1]}/v1"
    folder = index_copy(tmp_path_factory, api_index_dir)
    try:
        with keyed_server(folder, embedder, llm_base_url=base, llm_model="scripted") as found:
            yield found
    finally:
        llm.shutdown()
        llm.server_close()


def check_markers(answer: dict[str, Any]) -> None:
    """The checked text's markers are exactly its citations, 1..m."""
    cited = sorted({int(n) for n in MARKER.findall(answer["answer"])})
    assert cited == [c["n"] for c in answer["citations"]] == list(range(1, len(cited) + 1))


def test_the_draft_is_streamed_then_the_checked_answer_replaces_it(url: str) -> None:
    body = {"question": QUESTION, "stream": True, "mode": "llm"}
    with client(url) as reader, reader.stream("POST", "/v1/ask", json=body) as found:
        events = parse_sse("".join(found.iter_text()))
    assert "".join(d["text"] for kind, d in events if kind == "piece") == REPLY
    kind, answer = events[-1]
    assert kind == "answer" and answer["mode"] == "llm"
    check_markers(answer)
    assert "3.6亿元[1]" in answer["answer"]  # the draft's [2] renumbered by the checks


def test_an_openai_stream_ends_with_the_checked_answer_and_its_citations(url: str) -> None:
    chat = openai.OpenAI(base_url=f"{url}/v1", api_key=READER_KEY, max_retries=0, timeout=60)
    chunks = list(
        chat.chat.completions.create(
            model="wenbao",
            messages=[{"role": "user", "content": QUESTION}],
            stream=True,
            extra_body={"mode": "llm"},
        )
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == REPLY
    extra = chunks[-1].model_extra or {}
    check_markers(extra["wenbao"])
    assert extra["citations"] == extra["wenbao"]["citations"]
