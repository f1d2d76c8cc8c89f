"""The Q4_0 word-embedding lookup gives the model's own float32 rows, bit for bit."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from retrieval.errors import EmbeddingError
from retrieval.index.e5_folder import Q4_FILE, dequantise_q4_0, e5_folder
from retrieval.index.embeddings import SentenceTransformerEmbeddings
from retrieval.index.q4_lookup import Q4Lookup, use_q4_lookup

_TEXTS = ["passage: 市政府宣布第三季度新增公交线路12条。", "passage: The bakery sold 1,250 loaves."]


@pytest.fixture(scope="module")
def folder() -> Path:
    return e5_folder()


@pytest.fixture(scope="module")
def plain_model(folder: Path) -> Any:
    """The folder's model as sentence-transformers loads it: the float32 table."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(folder), device="cpu")


def _linked_copy(folder: Path, target: Path, *, skip: str) -> Path:
    """``folder`` again under ``target``, each entry a symbolic link, except ``skip``."""
    target.mkdir()
    for entry in folder.iterdir():
        if entry.name != skip:
            (target / entry.name).symlink_to(entry)
    return target


def _word_embeddings(model: Any) -> Any:
    return model[0].auto_model.embeddings.word_embeddings


def test_lookup_dequantises_as_e5_c_does() -> None:
    nibbles = bytes((j % 16) | ((15 - j % 16) << 4) for j in range(16))
    block = struct.pack("<e", 0.375) + nibbles
    lookup = Q4Lookup(np.frombuffer(block * 2, np.uint8).reshape(1, 2, 18))
    expected = dequantise_q4_0(block * 2, 0, 1, 64)
    assert torch.equal(lookup(torch.tensor([0])), torch.from_numpy(expected))


def test_lookup_gives_the_tables_rows_bit_for_bit(folder: Path, plain_model: Any) -> None:
    table = _word_embeddings(plain_model).weight
    lookup = Q4Lookup(np.load(folder / Q4_FILE))
    ids = torch.cat([torch.arange(8), torch.randint(0, table.shape[0], (20_000,))])
    with torch.no_grad():
        assert torch.equal(lookup(ids.view(-1, 8)), table[ids].view(-1, 8, table.shape[1]))


def test_project_embedder_gives_the_plain_models_vectors(folder: Path, plain_model: Any) -> None:
    embedder = SentenceTransformerEmbeddings(str(folder), device="cpu")
    assert isinstance(_word_embeddings(embedder._model), Q4Lookup)
    expected = plain_model.encode(_TEXTS, normalize_embeddings=True)
    assert np.array_equal(embedder.embed_passages([t.split(": ", 1)[1] for t in _TEXTS]), expected)


def test_folder_without_blocks_keeps_its_table(folder: Path, tmp_path: Path) -> None:
    from sentence_transformers import SentenceTransformer

    bare = _linked_copy(folder, tmp_path / "bare", skip=Q4_FILE)
    model = SentenceTransformer(str(bare), device="cpu")
    assert use_q4_lookup(model, bare) is False
    assert isinstance(_word_embeddings(model), torch.nn.Embedding)


def test_blocks_that_do_not_match_the_table_are_refused(folder: Path, tmp_path: Path) -> None:
    stale = _linked_copy(folder, tmp_path / "stale", skip=Q4_FILE)
    blocks = np.load(folder / Q4_FILE)
    assert not np.array_equal(blocks[0], blocks[5])
    blocks[0] = blocks[5]  # the first row, one of those checked, is now another's
    np.save(stale / Q4_FILE, blocks)
    with pytest.raises(EmbeddingError, match=r"does not match.*delete"):
        SentenceTransformerEmbeddings(str(stale), device="cpu")
