"""The interface's words: errors and skip reasons in Chinese, from the class and the code."""

from __future__ import annotations

import dataclasses
import re
from typing import get_args

import pytest

from retrieval.errors import (
    ConfigError,
    EmbeddingError,
    IndexMismatchError,
    IngestError,
    LoadError,
    RetrievalError,
    SkipCode,
    StoreError,
    WenBaoError,
)
from ui.messages import (
    APP,
    LABELS_ZH,
    SKIP_REASONS,
    error_text,
    skip_reason,
    skipped_text,
    upload_done,
    upload_help,
    upload_label,
)

HAN = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_WORD = re.compile(r"[A-Za-z]{4,}")
NAMES = re.compile(r"`[^`]*`|[A-Z_]{3,}|\b(?:txt|md|html|docx|pdf|jsonl|text|Chroma)\b")


def is_chinese(text: str) -> bool:
    """Chinese prose: Chinese characters, and no English word besides code, settings and
    format names."""
    return bool(HAN.search(text)) and not ENGLISH_WORD.search(NAMES.sub("", text))


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (ConfigError("WENBAO_K='many' is not a whole number: set it to e.g. 6."), "设置有误"),
        (IndexMismatchError("built with model x; re-ingest with --reset"), "--reset"),
        (StoreError("cannot open the ledger"), "无法读取或写入知识库"),
        (EmbeddingError("model folder missing"), "嵌入模型"),
        (RetrievalError("The question is empty: type a question."), "这个问题没能回答"),
        (LoadError("empty file", "empty"), "导入文件失败"),
        (IngestError("nothing to ingest"), "导入文件失败"),
        (WenBaoError("something else"), "出了点问题"),
    ],
)
def test_each_error_class_has_a_chinese_sentence_and_keeps_the_english_detail(
    error: WenBaoError, says: str
) -> None:
    text = error_text(error)
    assert says in text.message and is_chinese(text.message), text.message
    assert text.detail == str(error)


def test_a_mismatched_index_is_not_worded_as_a_plain_store_error() -> None:
    mismatch = error_text(IndexMismatchError("x")).message
    assert mismatch != error_text(StoreError("x")).message and "嵌入模型" in mismatch


def test_every_skip_code_has_a_chinese_reason() -> None:
    assert set(SKIP_REASONS) == set(get_args(SkipCode))
    for code in get_args(SkipCode):
        assert is_chinese(skip_reason(code, 50)), code


@pytest.mark.parametrize("limit", [50, 7])
def test_too_large_names_the_real_limit(limit: int) -> None:
    assert f"{limit} MB" in skip_reason("too_large", limit)
    assert f"{limit} MB" in upload_label(limit) and f"{limit} MB" in upload_help(("txt",), limit)


def test_a_skipped_file_is_named_with_its_reason() -> None:
    line = skipped_text("坏文件.txt", "binary", 50)
    assert line == f"坏文件.txt 未导入：{SKIP_REASONS['binary']}。"


def test_upload_success_line_only_when_something_went_in() -> None:
    assert upload_done(0, 0, 0, 0) is None
    assert upload_done(2, 3, 5, 1) == "已导入 2 个文件：3 篇文章，新增 5 个段落（未变 1 个）。"


def test_every_fixed_interface_word_is_chinese() -> None:
    words = dataclasses.asdict(APP) | {
        f.name: getattr(LABELS_ZH, f.name)
        for f in dataclasses.fields(LABELS_ZH)
        if isinstance(getattr(LABELS_ZH, f.name), str)
    }
    words.pop("title")  # 问报 WenBao: the product's name
    for name, text in words.items():
        plain = text.replace("Markdown", "").replace("LLM", "")
        assert HAN.search(plain) and is_chinese(plain), (name, text)


def test_the_chinese_check_itself_rejects_english() -> None:
    assert not is_chinese("cannot save the upload; try again")
    assert not is_chinese("坏文件.txt 未导入:binary file, not text")
    assert is_chinese("请运行 `python -m ingest data` 导入")
