"""The BM25 postings budget at scale (``python -m bench scale``): latency and agreement.

Keyword search reads only the rarest question words whose chunks add up to at most
``Settings.bm25_postings`` (``retrieval.text.keywords.rarest_within``). For each budget tried,
and for every word (exact BM25, the baseline), this reports the p95 of the ledger search and
how much of exact BM25's top ``k`` the budgeted search still returns: as chunks, and as
articles with each copy counted as its source article. Budgets are compared on the dev half of
the questions (even positions) and the default is reported on the test half (odd positions).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any

from bench.evaldata import percentile
from retrieval.index import Index
from retrieval.settings import DEFAULT_BM25_POSTINGS
from retrieval.text.keywords import query_tokens

__all__ = ["BUDGETS", "bm25_budget_report"]

BUDGETS = (5_000, 10_000, 20_000, 40_000, 80_000)
_COPY = re.compile(r"~c\d+$")


def bm25_budget_report(index: Index, questions: Sequence[str], k: int) -> dict[str, Any]:
    """Dev: every budget against exact BM25; test: the default budget."""
    dev, test = list(questions[0::2]), list(questions[1::2])
    return {
        "split": "dev = questions at even positions, test = odd",
        "default": DEFAULT_BM25_POSTINGS,
        "dev": {str(b): _compare(index, dev, k, b) for b in (*BUDGETS, None)},
        "test": {str(b): _compare(index, test, k, b) for b in (DEFAULT_BM25_POSTINGS, None)},
    }


def _compare(index: Index, questions: list[str], k: int, budget: int | None) -> dict[str, float]:
    millis, chunks, articles = [], [], []
    for question in questions:
        tokens = query_tokens(question)
        exact = [cid for cid, _ in index.ledger.keyword_search(tokens, k)]
        started = time.perf_counter()
        found = [cid for cid, _ in index.ledger.keyword_search(tokens, k, postings=budget)]
        millis.append((time.perf_counter() - started) * 1000)
        chunks.append(_share(found, exact))
        articles.append(_share(_articles(index, found), _articles(index, exact)))
    return {
        "p95_ms": round(percentile(millis, 95), 1),
        "mean_ms": round(sum(millis) / max(len(millis), 1), 1),
        "exact_top_chunks_kept": round(sum(chunks) / max(len(chunks), 1), 3),
        "exact_top_articles_kept": round(sum(articles) / max(len(articles), 1), 3),
        "questions": len(questions),
    }


def _articles(index: Index, ids: list[str]) -> list[str]:
    chunks = index.ledger.get_chunks(ids)
    return list(dict.fromkeys(_COPY.sub("", chunks[c].article_id) for c in ids if c in chunks))


def _share(found: list[str], exact: list[str]) -> float:
    return len(set(found) & set(exact)) / len(exact) if exact else 1.0
