"""Text tools: pure functions over strings, no I/O.

Figures (parsing, canonical values), sentence spans, token counts, keyword tokens, question
coverage, Traditional/Simplified folding for matching and unit conversion notes. The lowest
layer: it imports nothing else from WenBao but ``retrieval.errors`` and ``retrieval.types``.
"""

from __future__ import annotations

__all__ = [
    "claims",
    "coverage",
    "dates",
    "english",
    "figures",
    "hanzi",
    "instructions",
    "keywords",
    "periods",
    "quotes",
    "sentences",
    "tokens",
    "units",
]
