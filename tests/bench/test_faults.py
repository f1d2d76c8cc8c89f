"""``python -m bench faults`` on a handful of our own articles, killed twice: every re-run
leaves exactly the chunks of a clean ingest."""

from __future__ import annotations

import json
from pathlib import Path

from bench.faults import ARTICLES_PER_FILE, kill_probe, write_corpus
from tests.ingest.test_cli_processes import article

CITIES = ("西岭", "东湖", "南山", "北川", "临江", "青川", "石门", "云溪")


def test_write_corpus_splits_the_lines_into_files(tmp_path: Path) -> None:
    source = tmp_path / "news.jsonl"
    source.write_text("".join(f'{{"id": {n}, "text": "x"}}\n' for n in range(25)), "utf-8")
    paths = write_corpus(source, 23, tmp_path / "corpus")
    sizes = [len(path.read_text("utf-8").splitlines()) for path in paths]
    assert sizes == [ARTICLES_PER_FILE, ARTICLES_PER_FILE, 3]


def test_two_kills_leave_exactly_the_clean_chunks(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for city in CITIES:
        record = {"id": city, "text": article(city, 12)}
        (corpus / f"{city}.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n")
    result = kill_probe(corpus, tmp_path, runs=2, seed=1)
    assert result["runs"] == 2 and result["files"] == len(CITIES)
    assert int(str(result["clean_chunks"])) >= len(CITIES)
    assert (result["lost"], result["extra"], result["exact"]) == (0, 0, 2), result["probes"]
