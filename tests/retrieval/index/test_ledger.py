"""The ledger's keyword search when the question's common words hold many chunks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from retrieval.index.ledger import Ledger
from retrieval.types import Chunk

# Our own sentences: many brief reports by 记者, one of them about the port's throughput.
BRIEFS = [f"本报记者报道，第{n}号公交线路今天调整了首班车时间。" for n in range(40)]
PORT = "本报记者报道，港口集装箱吞吐量上半年同比增长百分之八。"


def _chunk(n: int, text: str) -> Chunk:
    return Chunk(
        chunk_id=f"c{n}", article_id=f"a{n}", source="/news/briefs.txt", title="简讯",
        section="", text=text, char_start=0, char_end=len(text), index=0,
    )  # fmt: skip


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    opened = Ledger(tmp_path / "ledger.sqlite3")
    opened.add_chunks([_chunk(n, t) for n, t in enumerate([*BRIEFS, PORT])], "2026-01-01")
    try:
        yield opened
    finally:
        opened.close()


def test_every_word_is_searched_when_the_chunks_fit(ledger: Ledger) -> None:
    found = ledger.keyword_search(["记者", "吞吐量"], 10, postings=1_000)
    assert found[0][0] == "c40" and len(found) == 10  # 记者 alone matches the rest


def test_past_the_budget_only_the_rare_words_are_searched(ledger: Ledger) -> None:
    frequencies = ledger.document_frequencies(["记者", "吞吐量"])
    assert frequencies == {"记者": 41, "吞吐量": 1}
    assert [cid for cid, _ in ledger.keyword_search(["记者", "吞吐量"], 10, postings=20)] == ["c40"]


def test_a_common_word_alone_is_still_searched(ledger: Ledger) -> None:
    assert len(ledger.keyword_search(["记者"], 10, postings=20)) == 10
