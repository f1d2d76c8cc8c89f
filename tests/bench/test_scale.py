"""``python -m bench scale`` on a tiny corpus of our own: copies, both stores, the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.__main__ import BENCHMARKS
from bench.scale import TARGETS_MS, Options, make_questions, scale_report
from bench.scaleindex import (
    Corpus,
    copies,
    copy_article,
    read_corpus,
    scaled_index,
    shift_date,
    shift_digits,
    source_index,
)
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.settings import Settings
from retrieval.types import ArticleText, Chunk

ARTICLES = [
    {
        "_id": "a1",
        "title": "青石县今年粮食产量创新高",
        "date": "2023-08-05",
        "text": "8月3日，青石县农业局公布，今年上半年全县粮食产量达到12.5万吨，同比增长6.3%。"
        "全县共有1200户种粮大户参与新品种试种。县里计划在9月15日召开丰收节。",
    },
    {
        "_id": "a2",
        "title": "河湾市新开通3条公交线路",
        "date": "2023-07-20",
        "text": "河湾市交通局7月18日宣布，新开通3条公交线路，总长46公里，每天发车180班次。"
        "市民可在早上6:30至晚上22:00之间乘车。新线路投资约8000万元。",
    },
    {
        "_id": "a3",
        "title": "山北图书馆延长开放时间",
        "date": "2023-09-01",
        "text": "山北图书馆从下周起延长开放时间，周末也照常开放。馆长表示，读者反映很好，"
        "借阅量明显上升。图书馆还将增加自习座位，方便学生使用。",
    },
]
TITLE_AND_FIGURES = {"title", "figure"}


@pytest.fixture(scope="module")
def news(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scale-news") / "news.jsonl"
    lines = (json.dumps(article, ensure_ascii=False) for article in ARTICLES)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def corpus(news: Path, embedder: WenBaoEmbeddings) -> Corpus:
    index, build = source_index(news.parent, news, None, embedder)
    try:
        assert build["chunks_embedded"] == index.stats().chunks > 0
        return read_corpus(index)
    finally:
        index.close()


@pytest.mark.parametrize(
    ("text", "n", "expected"),
    [
        ("增长6.3%，投资8000万元", 2, "增长8.5%，投资8002万元"),
        ("2023年8月3日", 1, "2024年9月4日"),
        ("2023年12月31日", 1, "2024年1月4日"),
        ("早上6:30至22:00", 3, "早上9:33至1:03"),
        ("2023-08-05", 5, "2028-01-10"),
        ("编号007", 4, "编号011"),
        ("没有数字", 3, "没有数字"),
    ],
)
def test_shift_digits(text: str, n: int, expected: str) -> None:
    assert shift_digits(text, n).text == expected


def test_offsets_move_with_the_digits() -> None:
    shifted = shift_digits("共99人，其中8人", 1)
    assert shifted.text == "共100人，其中9人"
    assert [shifted.moved(i) for i in (0, 1, 3, 4, 8)] == [0, 1, 4, 5, 9]


@pytest.mark.parametrize(
    ("date", "n", "expected"),
    [("2023-08-05", 3, "2026-11-08"), ("2019", 2, "2021"), (None, 1, None), ("未知", 1, "未知")],
)
def test_shift_date(date: str | None, n: int, expected: str | None) -> None:
    assert shift_date(date, n) == expected


def test_a_copy_is_a_new_article_with_its_own_offsets() -> None:
    text = "标题\n2023年产量12.5万吨。共有99户。"
    article = ArticleText("src#a", "src", "标题", "2023-08-05", text)
    pieces = [(3, 17), (17, len(text))]
    chunks = [
        Chunk(f"c{i}", "src#a", "src", "标题", "", text[s:e], s, e, i, "2023-08-05", text[s:e])
        for i, (s, e) in enumerate(pieces)
    ]
    copied, made = copy_article(article, chunks, 2)
    assert (copied.article_id, copied.source, copied.date) == ("src#a~c2", "src~c2", "2025-10-07")
    assert [c.text for c in made] == ["2025年产量14.7万吨。", "共有101户。"]
    for chunk in made:
        assert copied.text[chunk.char_start : chunk.char_end] == chunk.text
        assert chunk.article_id == copied.article_id
    assert {c.chunk_id for c in made}.isdisjoint(c.chunk_id for c in chunks)
    assert copy_article(article, chunks, 0) == (article, chunks)


def test_copies_stop_at_the_target(corpus: Corpus) -> None:
    size = len(corpus.chunks)
    made = list(copies(corpus, 2 * size + 1))
    assert [m.n for m in made] == [0, 1, 2]
    assert [len(m.chunks) for m in made] == [size, size, 1]
    ids = [c.chunk_id for m in made for c in m.chunks]
    assert len(set(ids)) == len(ids)
    articles = [a.article_id for m in made for a in m.articles]
    assert len(set(articles)) == len(articles)


def test_questions_are_seeded_and_of_both_kinds(corpus: Corpus) -> None:
    first = make_questions(corpus, 10, seed=1)
    assert first == make_questions(corpus, 10, seed=1)
    assert {q.kind for q in first} == TITLE_AND_FIGURES
    assert all(q.text.endswith("？") for q in first)
    assert any("多少" in q.text for q in first)


def test_scaled_index_keeps_both_stores_in_step(
    corpus: Corpus, embedder: WenBaoEmbeddings, tmp_path: Path
) -> None:
    target = 3 * len(corpus.chunks) - 1
    settings = Settings(index_dir=tmp_path / "scaled")
    index, build = scaled_index(settings, corpus, target, embedder)
    try:
        assert build["reused"] is False
        assert build["copies"] == 2
        assert index.ledger.counts()[2] == index.store.count() == target
        texts = [c.text for c in index.ledger.get_chunks(sorted(index.ledger.chunk_ids())).values()]
        assert len(set(texts)) > len(corpus.chunks)  # copies with figures have their own text
        copy = index.article(f"{corpus.articles[0].article_id}~c1")
        assert copy is not None
        assert copy.text != corpus.articles[0].text
        assert index.incomplete_sources() == []
    finally:
        index.close()
    again, build = scaled_index(settings, corpus, target, embedder)
    again.close()
    assert build["reused"] is True


def test_report_on_both_stores(news: Path, embedder: WenBaoEmbeddings) -> None:
    options = Options(chunks=40, queries=4, server=True, profile=1)
    report = scale_report(news.parent, news, options, embedder)
    assert report["vectors"] == "copied from source chunks"
    assert report["targets_p95_ms"] == TARGETS_MS
    assert {"nproc", "source", "questions", "peak_rss_mb"} <= report.keys()
    for store in ("embedded", "server"):
        found = report["stores"][store]
        assert found["chunks"] == found["chroma_vectors"] == 40
        assert found["consistent"] is True
        assert found["disk_mb"] > 0
        assert {"seconds", "copies", "reused"} <= found["build"].keys()
        latency = found["latency_ms"]
        assert set(latency) == {"dense", "bm25", "hybrid", "retrieval", "end_to_end"}
        assert all(v["p95_ms"] >= v["p50_ms"] > 0 for v in latency.values())
        assert set(found["targets_met"]) == {f"{name}_p95" for name in TARGETS_MS}
        assert set(found["profile"]) == {"bm25", "retrieval", "end_to_end"}


def test_registered() -> None:
    assert "scale" in BENCHMARKS
