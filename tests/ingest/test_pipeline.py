"""The whole ingest pipeline on real files, real embeddings and real Chroma."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.pipeline import IngestOptions, ingest_paths, source_key
from ingest.segment import record_id_of
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.settings import Settings
from retrieval.text.figures import find_figures
from retrieval.types import Chunk
from tests.conftest import SAMPLE

ADVERT_MARKS = ("订阅", "邮发代号", "010-68667266", "zhengding", "576556752", "192元", "传真")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(SAMPLE, folder / "page.txt")
    (folder / "gbk.txt").write_bytes(
        "# 高新区投资\n\n本报讯 今年1-10月,高新区合同投资额达到4.29亿元,同比增长12.9%。".encode(
            "gbk"
        )
    )
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (folder / "notes.xyz").write_text("unsupported", encoding="utf-8")
    return folder


@pytest.fixture
def index(tmp_path: Path, embedder: WenBaoEmbeddings) -> Iterator[Index]:
    opened = Index(Settings(index_dir=tmp_path / "index"), embedder)
    yield opened
    opened.close()


def all_chunks(index: Index) -> list[Chunk]:
    return list(index.ledger.get_chunks(sorted(index.ledger.chunk_ids())).values())


def test_first_ingest_counts_and_skips(corpus: Path, index: Index) -> None:
    summary = ingest_paths([corpus], index)
    assert summary.files == 5 and summary.articles == 4
    assert summary.chunks_added > 0 and summary.chunks_unchanged == 0
    reasons = {Path(s.path).name: s.reason for s in summary.skipped}
    assert set(reasons) == {"empty.txt", "binary.txt", "notes.xyz"}
    codes = {Path(s.path).name: s.code for s in summary.skipped}
    assert codes == {"empty.txt": "empty", "binary.txt": "binary", "notes.xyz": "unsupported"}
    assert all(reason and "\n" not in reason for reason in reasons.values())
    assert index.is_consistent() and index.stats().chunks == summary.chunks_added


def test_quotes_are_the_original_text_at_their_offsets(corpus: Path, index: Index) -> None:
    ingest_paths([corpus], index)
    for chunk in all_chunks(index):
        original = Path(chunk.source).read_bytes()
        encoding = "gbk" if chunk.source.endswith("gbk.txt") else "utf-8"
        assert original.decode(encoding)[chunk.char_start : chunk.char_end] == chunk.text


def test_advert_is_never_indexed(corpus: Path, index: Index) -> None:
    ingest_paths([corpus], index)
    for chunk in all_chunks(index):
        assert not any(mark in chunk.text for mark in ADVERT_MARKS), chunk.text


def test_figures_are_never_split_across_chunks(corpus: Path, index: Index) -> None:
    ingest_paths([corpus], index, IngestOptions(chunking=_small_chunks()))
    text = SAMPLE.read_text(encoding="utf-8")
    chunks = [c for c in all_chunks(index) if c.source.endswith("page.txt")]
    for figure in find_figures(text):
        inside = [c for c in chunks if c.char_start <= figure.start and figure.end <= c.char_end]
        cut = [c for c in chunks if c.char_start < figure.start < c.char_end < figure.end]
        if any(c.char_start <= figure.start < c.char_end for c in chunks):
            assert inside and not cut, figure.raw


def test_rerun_on_unchanged_files_embeds_nothing(corpus: Path, index: Index) -> None:
    first = ingest_paths([corpus], index)
    again = ingest_paths([corpus], index)
    assert again.chunks_added == 0 and again.chunks_removed == 0
    assert again.chunks_unchanged == first.chunks_added and again.articles == first.articles


def test_changed_file_replaces_its_chunks(corpus: Path, index: Index) -> None:
    ingest_paths([corpus], index)
    gbk = corpus / "gbk.txt"
    gbk.write_bytes("# 高新区投资\n\n本报讯 今年1-11月,合同投资额达到5.1亿元。".encode("gbk"))
    summary = ingest_paths([corpus], index)
    assert summary.chunks_added >= 1 and summary.chunks_removed >= 1
    texts = [c.text for c in all_chunks(index) if c.source == source_key(gbk)]
    assert any("5.1亿元" in t for t in texts) and not any("4.29亿元" in t for t in texts)


def test_prune_removes_chunks_of_deleted_files(corpus: Path, index: Index) -> None:
    ingest_paths([corpus], index)
    (corpus / "gbk.txt").unlink()
    kept = ingest_paths([corpus], index)
    assert kept.chunks_removed == 0
    pruned = ingest_paths([corpus], index, IngestOptions(prune=True))
    assert pruned.chunks_removed >= 1
    assert all(not c.source.endswith("gbk.txt") for c in all_chunks(index))
    assert index.is_consistent()


def test_file_that_becomes_unreadable_loses_its_old_chunks(corpus: Path, index: Index) -> None:
    ingest_paths([corpus], index)
    (corpus / "gbk.txt").write_bytes(b"")
    summary = ingest_paths([corpus], index)
    assert summary.chunks_removed >= 1
    assert all(not c.source.endswith("gbk.txt") for c in all_chunks(index))


@pytest.mark.parametrize("where", ["between_chroma_and_ledger", "after_a_batch"])
def test_interrupted_run_then_rerun_leaves_no_duplicates_or_orphans(
    where: str, corpus: Path, tmp_path: Path, embedder: WenBaoEmbeddings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    settings = Settings(index_dir=tmp_path / "killed")
    index = Index(settings, embedder)
    options = IngestOptions(chunking=_small_chunks(), on_embedded=_die)
    if where == "between_chroma_and_ledger":
        monkeypatch.setattr(index.ledger, "add_chunks", _die_with)
        options = IngestOptions(chunking=_small_chunks())
    with pytest.raises(_Crash):
        ingest_paths([corpus], index, options)
    assert index.store.count() > 0
    index.close()
    reopened = Index(settings, embedder)
    summary = ingest_paths([corpus], reopened, IngestOptions(chunking=_small_chunks()))
    fresh = Index(Settings(index_dir=tmp_path / "fresh"), embedder)
    expected = ingest_paths([corpus], fresh, IngestOptions(chunking=_small_chunks()))
    assert reopened.ledger.chunk_ids() == fresh.ledger.chunk_ids()
    assert set(reopened.store.ids()) == reopened.ledger.chunk_ids()
    assert reopened.store.count() == expected.chunks_added
    assert summary.chunks_added + summary.chunks_unchanged == expected.chunks_added


def test_jsonl_records_keep_their_ids(tmp_path: Path, index: Index) -> None:
    dump = tmp_path / "dump.jsonl"
    dump.write_text(
        '{"_id": "n1", "title": "标题一", "text": "今年前三季度营业收入32亿元。"}\n'
        "not json\n"
        '{"_id": "n2", "header": "2023-08-05 17:56", "text": "利润总额3.3亿元。"}\n',
        encoding="utf-8",
    )
    summary = ingest_paths([dump], index)
    assert summary.articles == 2
    chunks = {record_id_of(c.article_id): c for c in all_chunks(index)}
    assert set(chunks) == {"n1", "n2"} and chunks["n2"].date == "2023-08-05"


def test_missing_path_is_an_error_before_anything_is_written(tmp_path: Path, index: Index) -> None:
    from retrieval.errors import LoadError

    with pytest.raises(LoadError, match="nope"):
        ingest_paths([tmp_path / "nope"], index)


def _small_chunks():
    from ingest.chunking import ChunkSettings

    return ChunkSettings(max_tokens=48, overlap_sentences=1)


class _Crash(BaseException):
    """A hard stop (the process killed): nothing runs after it, unlike Ctrl-C."""


def _die(_count: int) -> None:
    raise _Crash


def _die_with(*_args: object) -> None:
    raise _Crash


def test_a_second_writer_is_refused_while_one_ingests(
    corpus: Path, index: Index, embedder: WenBaoEmbeddings
) -> None:
    from retrieval.errors import StoreError

    other = Index(index.settings, embedder)  # another writer of the same folder
    with other.writing(), pytest.raises(StoreError, match="Another ingest"):
        ingest_paths([corpus], index)
    other.close()
    assert ingest_paths([corpus], index).chunks_added > 0


def test_thin_html_page_is_skipped_as_too_short(tmp_path: Path, index: Index) -> None:
    page = tmp_path / "hello.html"
    page.write_text("<html><body><p>你好</p></body></html>", encoding="utf-8")

    summary = ingest_paths([page], index)

    (skipped,) = summary.skipped
    assert skipped.code == "too_short" and summary.chunks_added == 0
    assert skipped.reason.startswith("the page has only 2 characters of text")


@pytest.mark.parametrize("where", ["between_chroma_and_ledger", "after_a_batch"])
def test_ctrl_c_leaves_the_index_consistent_and_unlocked(
    where: str, corpus: Path, index: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = IngestOptions(chunking=_small_chunks(), on_embedded=_interrupt)
    if where == "between_chroma_and_ledger":
        monkeypatch.setattr(index.ledger, "add_chunks", _interrupt)
        options = IngestOptions(chunking=_small_chunks())
    with pytest.raises(KeyboardInterrupt):
        ingest_paths([corpus], index, options)
    assert index.is_consistent() and set(index.store.ids()) == index.ledger.chunk_ids()
    monkeypatch.undo()
    with index.writing():  # the lock was given back
        pass
    again = ingest_paths([corpus], index, IngestOptions(chunking=_small_chunks()))
    assert again.chunks_added > 0 and not again.repaired.changed and index.is_consistent()


def test_rerun_reports_what_it_repaired(
    corpus: Path, index: Index, embedder: WenBaoEmbeddings
) -> None:
    first = ingest_paths([corpus], index)
    assert first.repaired.counts() == dict.fromkeys(
        ("orphan_vectors_deleted", "ledger_chunks_dropped", "sources_marked_pending"), 0
    )
    kept = all_chunks(index)[0]
    index.store.delete([kept.chunk_id])
    orphan = dataclasses.replace(kept, chunk_id="orphan-vector-0001", text="孤立的向量。")
    index.store.upsert([orphan], embedder.embed_passages([orphan.text]), "now")
    assert set(index.store.ids()) != index.ledger.chunk_ids()
    summary = ingest_paths([corpus], index)
    assert summary.repaired.counts() == {
        "orphan_vectors_deleted": 1,
        "ledger_chunks_dropped": 1,
        "sources_marked_pending": 1,
    }
    assert summary.as_json()["repaired"] == summary.repaired.counts()
    assert summary.repaired.sources_reset == (kept.source,) and summary.chunks_added >= 1
    assert set(index.store.ids()) == index.ledger.chunk_ids()
    assert not ingest_paths([corpus], index).repaired.changed


def _interrupt(*_args: object) -> None:
    raise KeyboardInterrupt
