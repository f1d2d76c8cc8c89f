"""The sample index opened once, and an answerer over it, for the retrieval tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from retrieval.chain import Answerer
from retrieval.embeddings import WenBaoEmbeddings
from retrieval.index import Index
from retrieval.settings import Settings


@pytest.fixture(scope="session")
def sample_index(sample_index_dir: Path, embedder: WenBaoEmbeddings) -> Iterator[Index]:
    index = Index(Settings(index_dir=sample_index_dir), embedder)
    yield index
    index.close()


@pytest.fixture(scope="session")
def answerer(sample_index: Index) -> Answerer:
    return Answerer(sample_index)
