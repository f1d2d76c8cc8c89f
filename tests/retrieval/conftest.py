"""A real index of the sample page, built once for the retrieval tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.pipeline import ingest_paths
from retrieval.chain import Answerer
from retrieval.embeddings import WenBaoEmbeddings
from retrieval.index import Index
from retrieval.settings import Settings
from tests.conftest import SAMPLE


@pytest.fixture(scope="session")
def sample_index_dir(tmp_path_factory: pytest.TempPathFactory, embedder: WenBaoEmbeddings) -> Path:
    folder = tmp_path_factory.mktemp("sample-index")
    index = Index(Settings(index_dir=folder), embedder)
    ingest_paths([SAMPLE], index)
    index.close()
    return folder


@pytest.fixture(scope="session")
def sample_index(sample_index_dir: Path, embedder: WenBaoEmbeddings) -> Iterator[Index]:
    index = Index(Settings(index_dir=sample_index_dir), embedder)
    yield index
    index.close()


@pytest.fixture(scope="session")
def answerer(sample_index: Index) -> Answerer:
    return Answerer(sample_index)
