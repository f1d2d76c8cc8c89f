"""Answering: question analysis, re-ranking, extractive and LLM answers, refusal, verification.

Sits on search and the index. ``chain.Answerer`` wires the steps: condense → retrieve →
re-rank → answer → verify.
"""

from __future__ import annotations

__all__ = [
    "answerability",
    "chain",
    "citations",
    "extractive",
    "followup",
    "llm",
    "prompts",
    "questions",
    "refusal",
    "rerank",
    "subjects",
    "verify",
]
