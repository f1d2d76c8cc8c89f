"""Two JSONL dumps that reuse record ids (or have none) keep both articles, and pruning one
dump never takes the other's content with it (issue 10, item 2)."""

from __future__ import annotations

import json
from pathlib import Path

from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.settings import Settings
from tests.reliability.common import ingest

WEST = "本报讯 今年前十个月,西岭新区新签约项目37个,合同投资额达到286.4亿元。"
EAST = "本报讯 东湖码头扩建工程昨日开工,总投资7.6亿元,预计2026年完工。"


def _dump(path: Path, *records: dict[str, str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(record, ensure_ascii=False) for record in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _articles(folder: Path, embedder: WenBaoEmbeddings) -> dict[str, list[str]]:
    """For each source's folder name: the article text behind each of its chunks."""
    index = Index(Settings(index_dir=folder), embedder, create=False)
    try:
        found: dict[str, list[str]] = {}
        for source in index.sources():
            chunks = index.ledger.get_chunks(sorted(index.ledger.chunk_ids(source.source)))
            articles = [index.article(chunk.article_id) for chunk in chunks.values()]
            texts = [article.text if article else "" for article in articles]
            found[Path(source.source).parent.name] = texts
        return found
    finally:
        index.close()


def test_the_same_record_in_two_dumps_survives_pruning_either(
    tmp_path: Path, embedder: WenBaoEmbeddings
) -> None:
    first = _dump(tmp_path / "x" / "dump.jsonl", {"id": "1", "text": WEST})
    _dump(tmp_path / "y" / "dump.jsonl", {"id": "1", "text": WEST})
    index = str(tmp_path / "index")
    ingest(str(tmp_path / "x"), str(tmp_path / "y"), "--index", index)
    assert _articles(tmp_path / "index", embedder) == {"x": [WEST], "y": [WEST]}

    first.unlink()
    ingest(str(tmp_path / "y"), "--index", index, "--prune")
    ingest(str(tmp_path / "y"), "--index", index)
    assert _articles(tmp_path / "index", embedder) == {"y": [WEST]}


def test_one_record_id_for_two_articles_keeps_each_article_its_own(
    tmp_path: Path, embedder: WenBaoEmbeddings
) -> None:
    _dump(tmp_path / "x" / "dump.jsonl", {"id": "1", "text": WEST})
    _dump(tmp_path / "y" / "dump.jsonl", {"id": "1", "text": EAST})
    ingest(str(tmp_path), "--index", str(tmp_path / "index"))
    assert _articles(tmp_path / "index", embedder) == {"x": [WEST], "y": [EAST]}


def test_records_without_ids_in_two_folders_do_not_collide(
    tmp_path: Path, embedder: WenBaoEmbeddings
) -> None:
    _dump(tmp_path / "x" / "news.jsonl", {"text": WEST})
    _dump(tmp_path / "y" / "news.jsonl", {"text": EAST})
    ingest(str(tmp_path), "--index", str(tmp_path / "index"))
    assert _articles(tmp_path / "index", embedder) == {"x": [WEST], "y": [EAST]}
