"""Search: dense and keyword candidates from the index, fused into one ranking.

Sits on the index; knows nothing of answers. Re-ranking by answer sentences is a step of the
answer chain (``retrieval.answer.rerank``), not of search.
"""

from __future__ import annotations

__all__ = ["hybrid"]
