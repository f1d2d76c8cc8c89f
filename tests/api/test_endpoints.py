"""Every read endpoint of the API against a real server and index: the same JSON as the CLI,
streaming, the articles and chunks behind citations, keys and roles, and JSON errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.service import Service, source_id
from retrieval.cli import main as cli_main
from retrieval.index.embeddings import WenBaoEmbeddings
from tests.api.conftest import (
    ARTICLES,
    EDITOR_KEY,
    QUESTION,
    READER_KEY,
    client,
    index_copy,
    keyed_server,
)


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, api_index_dir: Path, embedder: WenBaoEmbeddings
) -> Iterator[tuple[str, Path]]:
    folder = index_copy(tmp_path_factory, api_index_dir)
    with keyed_server(folder, embedder) as url:
        yield url, folder


@pytest.fixture(scope="module")
def url(served: tuple[str, Path]) -> str:
    return served[0]


@pytest.fixture
def reader(url: str) -> Iterator[httpx.Client]:
    with client(url) as found:
        yield found


def error_of(response: httpx.Response, status: int) -> dict[str, str]:
    """The JSON error body of ``response``, checked: one line, no traceback."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"type", "message"}
    message = body["error"]["message"]
    assert message and "\n" not in message and "Traceback" not in message
    return dict(body["error"])


def without_seconds(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "seconds"}


def test_ask_returns_the_same_json_as_the_cli(
    served: tuple[str, Path], reader: httpx.Client, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = served[1]
    response = reader.post("/v1/ask", json={"question": QUESTION})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert not answer["refused"] and "3.6亿元" in answer["answer"] and "[1]" in answer["answer"]
    citation = answer["citations"][0]
    text = ARTICLES["2023-05-12_缆车.txt"]
    assert text[citation["char_start"] : citation["char_end"]] == citation["quote"]

    assert cli_main(["ask", QUESTION, "--json", "--index", str(folder)], environ={}) == 0
    printed = json.loads(capsys.readouterr().out)
    assert without_seconds(printed) == without_seconds(answer)


def test_a_streamed_answer_sends_pieces_then_the_whole_answer(reader: httpx.Client) -> None:
    plain = reader.post("/v1/ask", json={"question": QUESTION}).json()
    with reader.stream("POST", "/v1/ask", json={"question": QUESTION, "stream": True}) as found:
        assert found.status_code == 200
        assert found.headers["content-type"].startswith("text/event-stream")
        events = parse_sse("".join(found.iter_text()))
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "answer" and set(kinds[:-1]) == {"piece"}
    assert "".join(data["text"] for kind, data in events if kind == "piece") == plain["answer"]
    assert without_seconds(events[-1][1]) == without_seconds(plain)


def parse_sse(text: str) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields.get("event", "message"), json.loads(fields["data"])))
    return events


def test_a_streamed_bad_question_is_a_json_error_not_a_stream(reader: httpx.Client) -> None:
    found = reader.post("/v1/ask", json={"question": "  ", "stream": True})
    assert "empty" in error_of(found, 400)["message"]


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"question": "问" * 1001}, 400, "keep it under 1000"),
        ({"question": QUESTION, "k": 0}, 400, "out of range"),
        ({"question": QUESTION, "as_of": "2023-13-01"}, 400, "YYYY-MM-DD"),
        ({"question": QUESTION, "filters": {"sources": ["nope"]}}, 400, "/v1/sources"),
        ({"question": QUESTION, "filters": {"date_from": "May"}}, 400, "YYYY-MM-DD"),
        ({"question": QUESTION, "colour": "red"}, 422, "colour"),
        ({"history": []}, 422, "question"),
    ],
)
def test_bad_questions_get_one_line_json_errors(
    reader: httpx.Client, body: dict[str, Any], status: int, words: str
) -> None:
    assert words in error_of(reader.post("/v1/ask", json=body), status)["message"]


def test_a_body_that_is_not_json_is_a_json_error(reader: httpx.Client) -> None:
    found = reader.post(
        "/v1/ask", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert error_of(found, 422)["type"] == "invalid_request"


def test_filters_limit_the_search_to_a_source_and_dates(reader: httpx.Client) -> None:
    sources = {s["name"]: s["source_id"] for s in reader.get("/v1/sources").json()["sources"]}
    tea = {"question": QUESTION, "filters": {"sources": [sources["2022-11-03_茶叶.txt"]]}}
    answer = reader.post("/v1/ask", json=tea).json()
    assert all(c["source"].endswith("茶叶.txt") for c in answer["citations"])
    assert "3.6亿元" not in answer["answer"]
    later = {"question": QUESTION, "filters": {"date_from": "2023-01-01"}}
    answer = reader.post("/v1/ask", json=later).json()
    assert answer["citations"] and all(c["date"] >= "2023-01-01" for c in answer["citations"])


def test_check_gives_the_report_of_the_cli(reader: httpx.Client) -> None:
    found = reader.post("/v1/check", json={"text": "临江市跨江缆车项目总投资5.6亿元。"})
    assert found.status_code == 200, found.text
    report = found.json()
    assert set(report) >= {"text", "verdict", "claims", "seconds"}
    assert report["claims"] and report["verdict"] == "contradicted"
    assert error_of(reader.post("/v1/check", json={"text": " "}), 400)["type"] == "invalid_request"


def test_articles_are_paged_and_filtered_by_source_and_date(reader: httpx.Client) -> None:
    everything = reader.get("/v1/articles").json()
    assert everything["total"] == 3 and len(everything["articles"]) == 3
    page = reader.get("/v1/articles", params={"offset": 1, "limit": 1}).json()
    assert page["total"] == 3 and page["articles"] == everything["articles"][1:2]
    cable = next(a for a in everything["articles"] if a["name"] == "2023-05-12_缆车.txt")
    one = reader.get("/v1/articles", params={"source": cable["source_id"]}).json()
    assert [a["article_id"] for a in one["articles"]] == [cable["article_id"]]
    dated = reader.get("/v1/articles", params={"date_from": "2022-01-01", "date_to": "2022-12-31"})
    assert [a["date"] for a in dated.json()["articles"]] == ["2022-11-03"]
    assert "YYYY-MM-DD" in error_of(reader.get("/v1/articles?date_to=soon"), 400)["message"]
    assert error_of(reader.get("/v1/articles?limit=500"), 422)["type"] == "invalid_request"
    assert error_of(reader.get("/v1/articles?source=nope"), 404)["type"] == "not_found"


def test_an_article_and_a_chunk_give_the_original_text_behind_a_citation(
    reader: httpx.Client,
) -> None:
    citation = reader.post("/v1/ask", json={"question": QUESTION}).json()["citations"][0]
    article = reader.get(f"/v1/articles/{citation['article_id']}").json()
    assert article["text"] == ARTICLES["2023-05-12_缆车.txt"]
    assert article["date"] == "2023-05-12" and article["source_id"] == source_id(article["source"])
    chunk = reader.get(f"/v1/chunks/{citation['chunk_id']}").json()
    assert chunk["text"] == article["text"][chunk["char_start"] : chunk["char_end"]]
    assert citation["quote"] in chunk["text"]
    assert error_of(reader.get("/v1/articles/nothing-0"), 404)["type"] == "not_found"
    assert error_of(reader.get("/v1/chunks/0000"), 404)["type"] == "not_found"


def test_stats_and_sources_describe_the_index(reader: httpx.Client) -> None:
    stats = reader.get("/v1/stats").json()
    assert (stats["files"], stats["articles"]) == (3, 3) and stats["chunks"] >= 3
    assert stats["embedding_model"] == "multilingual-e5-small" and stats["incomplete_sources"] == []
    sources = reader.get("/v1/sources").json()["sources"]
    assert sorted(s["name"] for s in sources) == sorted(ARTICLES)
    assert all(s["source_id"] == source_id(s["source"]) for s in sources)


def test_health_models_and_the_openapi_page_need_no_or_any_key(url: str) -> None:
    with client(url, key=None) as anonymous:
        assert anonymous.get("/healthz").json() == {"status": "ok"}
        assert anonymous.get("/docs").status_code == 200
        paths = anonymous.get("/openapi.json").json()["paths"]
    expected = {"/v1/ask", "/v1/check", "/v1/chat/completions", "/v1/articles", "/v1/ingest"}
    assert expected <= set(paths) and "/v1/sources/{ident}" in paths
    with client(url) as reader:
        assert reader.get("/v1/models").json()["data"][0]["id"] == "wenbao"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/ask"),
        ("POST", "/v1/check"),
        ("POST", "/v1/chat/completions"),
        ("GET", "/v1/articles"),
        ("GET", "/v1/articles/x"),
        ("GET", "/v1/chunks/x"),
        ("GET", "/v1/stats"),
        ("GET", "/v1/sources"),
        ("GET", "/v1/models"),
        ("POST", "/v1/ingest"),
        ("DELETE", "/v1/sources/x"),
    ],
)
def test_no_key_or_a_wrong_key_is_401(url: str, method: str, path: str) -> None:
    for key in (None, "wb_not-a-key", READER_KEY + "x"):
        with client(url, key=key) as anyone:
            found = anyone.request(method, path, json={"question": QUESTION})
        assert error_of(found, 401)["type"] == "unauthorized"
        assert found.headers["www-authenticate"] == "Bearer"


def test_a_reader_key_may_not_ingest_or_delete(url: str, reader: httpx.Client) -> None:
    upload = reader.post("/v1/ingest", files={"files": ("新.txt", "内容".encode())})
    assert "editor" in error_of(upload, 403)["message"]
    [source, *_] = reader.get("/v1/sources").json()["sources"]
    assert error_of(reader.delete(f"/v1/sources/{source['source_id']}"), 403)["type"] == "forbidden"
    assert len(reader.get("/v1/sources").json()["sources"]) == 3  # nothing happened


def test_an_editor_key_may_read_too_and_the_key_may_come_as_x_api_key(url: str) -> None:
    with httpx.Client(base_url=url, headers={"X-API-Key": EDITOR_KEY}, timeout=60) as editor:
        assert editor.get("/v1/stats").status_code == 200
        assert editor.post("/v1/ask", json={"question": QUESTION}).status_code == 200


def test_unknown_routes_and_methods_are_json_errors(reader: httpx.Client) -> None:
    assert "/docs" in error_of(reader.get("/v1/nothing"), 404)["message"]
    assert error_of(reader.get("/v1/ask"), 405)["type"] == "method_not_allowed"


def test_an_unexpected_fault_is_a_one_line_500_without_a_traceback(
    reader: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: Service) -> None:
        raise RuntimeError("disk on fire\nTraceback (most recent call last): ...")

    monkeypatch.setattr(Service, "ready", broken)
    found = error_of(reader.post("/v1/ask", json={"question": QUESTION}), 500)
    assert found["type"] == "internal_error" and "disk on fire" not in found["message"]


def test_without_an_index_reads_are_503_and_say_how_to_build_one(
    tmp_path: Path, embedder: WenBaoEmbeddings
) -> None:
    with keyed_server(tmp_path / "nothing", embedder) as url, client(url) as reader:
        for path in ("/v1/stats", "/v1/articles"):
            assert "python -m ingest" in error_of(reader.get(path), 503)["message"]
        asked = reader.post("/v1/ask", json={"question": QUESTION})
        assert error_of(asked, 503)["type"] == "store_unavailable"
    assert not (tmp_path / "nothing").exists()  # a reader creates no index
