"""Chinese keyword tokens for the BM25 index: jieba search mode, figures kept whole.

jieba alone splits "3141.9亿元" into "3141.9" and "亿元" and "1-8月" into four pieces; a fact
checker searching for the figure wants it as one token, so figures found by
``retrieval.text.figures`` become single tokens, as written and in canonical form (so "42900万元"
finds "4.29亿元"), and only the text between them goes through jieba.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping, Sequence

import jieba

from retrieval.text.figures import figure_key, find_figures, normalize_for_match

__all__ = ["JIEBA_LOCK", "STOPWORDS", "query_tokens", "rarest_within", "tokenize"]

jieba.setLogLevel(logging.WARNING)
JIEBA_LOCK = threading.Lock()
_WORD = re.compile(r"\w", re.UNICODE)

STOPWORDS = frozenset(
    (
        "的 了 是 在 和 与 及 或 等 也 都 就 而 并 为 对 从 把 被 给 让 向 于 以 之 其 这 那 有 个 "
        "多少 几 几个 几次 几家 多少个 什么 哪 哪些 哪个 哪里 何时 怎么 怎样 如何 为什么 "
        "吗 呢 吧 啊 请问 是否 多 少 "
        "谁 哪部 哪位 哪家 哪国 哪年 哪天 哪一 第几 多长 多大 多久 多高 多远 时间 日期 地点 "
        "年 月 日 the a an of to in and or is are was were what which who when how"
    ).split()
)


def tokenize(text: str) -> list[str]:
    """Index tokens of a passage: figures whole, other text by jieba's search mode, lower-cased."""
    norm = normalize_for_match(text)
    tokens: list[str] = []
    cursor = 0
    for figure in find_figures(norm):
        tokens.extend(_words(norm[cursor : figure.start]))
        tokens.extend(dict.fromkeys([figure.raw.replace(" ", "").lower(), figure_key(figure)]))
        cursor = figure.end
    tokens.extend(_words(norm[cursor:]))
    return tokens


def query_tokens(question: str) -> list[str]:
    """Distinct tokens of a question worth searching for (stopwords and punctuation dropped)."""
    seen: dict[str, None] = {}
    for token in tokenize(question):
        if token not in STOPWORDS:
            seen.setdefault(token, None)
    return list(seen)


def rarest_within(
    tokens: Sequence[str], frequencies: Mapping[str, int], postings: int
) -> list[str]:
    """The rarest of ``tokens`` whose chunk counts (``frequencies``) add up to at most
    ``postings``, in their original order; all of them when they fit, and always the rarest
    one that some chunk holds.

    BM25's cost grows with every chunk that holds a query token. At archive scale a few common
    words (情况, 记者) hold most of those chunks and add little to the score, so keyword
    search ranks by the rare ones (``retrieval.index.ledger``).
    """
    by_rarity = sorted(tokens, key=lambda t: frequencies.get(t, 0))
    kept: set[str] = set()
    total = 0
    for token in by_rarity:
        total += frequencies.get(token, 0)
        if total > postings and any(frequencies.get(t, 0) for t in kept):
            break
        kept.add(token)
    return [t for t in tokens if t in kept]


def _words(text: str) -> list[str]:
    if not text.strip():
        return []
    with JIEBA_LOCK:
        pieces = list(jieba.cut_for_search(text))
    return [p.lower() for p in (s.strip() for s in pieces) if p and _WORD.search(p)]
