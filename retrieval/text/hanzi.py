"""Traditional and Simplified Chinese characters, made comparable for matching only.

A question in Traditional characters (「國核鈾業項目總投資多少？」) must find a passage in
Simplified ones and the other way round. Everything that *matches* text (keyword tokens,
coverage, figure and quote matching) goes through ``to_simplified``; nothing that is *shown*
does: quotes stay in the article's own characters.

OpenCC's ``t2s`` conversion is phrase-based and nearly always one character for one; where a
phrase would change the length, the text is converted character by character instead, so an
offset into the converted text is always an offset into the original.
"""

from __future__ import annotations

import functools
import re

import opencc

__all__ = ["has_traditional", "to_simplified"]

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CONVERTER = opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """``text`` with Traditional characters replaced by Simplified ones, same length."""
    if not _CJK.search(text):
        return text
    converted = _convert(text)
    if len(converted) == len(text):
        return converted
    return "".join(_char(ch) for ch in text)


def has_traditional(text: str) -> bool:
    """Whether converting ``text`` to Simplified characters changes it."""
    return to_simplified(text) != text


@functools.lru_cache(maxsize=65536)
def _convert(text: str) -> str:
    return str(_CONVERTER.convert(text))


@functools.lru_cache(maxsize=16384)
def _char(ch: str) -> str:
    single = _convert(ch)
    return single if len(single) == 1 else ch
