"""Sentences that address a model or the reader as instructions ("prompt injection").

An article can hold text written to steer an AI that reads it: 「忽略以上指令……」,
"Ignore all previous instructions…", a fake "SYSTEM:" line, 「你现在是一个……助手」. Such a
sentence is never a fact about the news, so the extractive answerer never quotes it and
ingest counts it. The patterns are conservative: an ordinary news sentence that merely
advises readers (「请市民注意出行安全」) or reports that someone ignored rules must not match.
"""

from __future__ import annotations

import re

from retrieval.text.sentences import split_sentences

__all__ = ["count_instructions", "instruction_spans", "is_instruction"]

# Where an imperative may start: the sentence start, after a colon or an opening quote, or
# after "please"/"now"/请/现在.
_LEAD = r"(?:^|[:：;；\"“「『(（【\[]\s*|\bplease,?\s+|\bnow,?\s+|请|现在|立即|马上)"
_ZH_IGNORE = (
    _LEAD + r"\s*(?:你|您)?(?:请)?(?:忽略|无视|忘记|忘掉|不要理会|不用理会|别理会|抛开)(?:掉)?"
    r"(?:你|您)?(?:之前|以上|上述|前面|先前|此前|上面|原有|原来|所有|全部|一切)"
    r"[^。！？\n]{0,8}?(?:指令|指示|提示词|提示|设定|命令)(?![的者])"
)
_EN_IGNORE = (
    _LEAD + r"(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+)?(?:of\s+)?"
    r"(?:the\s+|your\s+|my\s+)?(?:previous|prior|above|earlier|preceding|original|system)\s+"
    r"(?:\w+\s+)?(?:instructions?|prompts?|directives?|commands?)\b"
)
_ROLE_LINE = (
    r"^\s*[\[<(（【#*]*\s*(?:system|assistant|系统提示词?|系统指令|系统消息)\s*"
    r"[\]>)）】*]*\s*[:：]"
)
_CONTROL_TOKENS = r"<\|(?:im_start|im_end|system|endoftext)\|>|\[/?INST\]|<</?SYS>>"
_MODEL = (
    r"(?:AI|人工智能|语言模型|大模型|AI助手|智能助手|助手|聊天机器人|ChatGPT|GPT)"
    r"(?=[，,。.！!：:；;\s]|$)"
)
_ZH_ROLE = "|".join(
    (
        r"(?:你|您)(?:现在)?(?:是|作为|扮演)(?:一个|一名|一位)?[^，。！？\n]{0,10}?" + _MODEL,
        r"(?:从现在(?:起|开始)|接下来)[，,]?\s*(?:你|您)(?:是|将|必须|只能|要)[^。！？\n]{0,20}?"
        r"(?:回答|回复|输出|指令|扮演)",
        r"如果(?:你|您)是(?:一个|一名)?" + _MODEL,
        r"(?:新的|真正的)(?:系统)?(?:指令|提示词)\s*[:：]",
    )
)
_EN_MODEL = r"(?:AI(?: assistant)?|(?:large )?language model|LLM|chatbot)(?=[\s,.;:!]|$)"
_EN_ROLE = "|".join(
    (
        r"\byou are (?:now )?(?:an? |the )?" + _EN_MODEL + r"(?! (?:researcher|engineer|expert))",
        r"\bfrom now on,? you (?:are|will|must|should)\b",
        r"\bif you are an? " + _EN_MODEL,
        r"\b(?:new|real|updated) (?:system )?instructions?\s*:",
    )
)
_PATTERNS = (
    re.compile(_ZH_IGNORE, re.IGNORECASE),
    re.compile(_EN_IGNORE, re.IGNORECASE),
    re.compile(_ROLE_LINE, re.IGNORECASE),
    re.compile(_CONTROL_TOKENS, re.IGNORECASE),
    re.compile(_ZH_ROLE),
    re.compile(_EN_ROLE, re.IGNORECASE),
)


def is_instruction(sentence: str) -> bool:
    """Whether ``sentence`` addresses a model or the reader with instructions to obey."""
    text = sentence.strip()
    return bool(text) and any(pattern.search(text) for pattern in _PATTERNS)


def instruction_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) offsets of the sentences of ``text`` that are instructions."""
    return [(a, b) for a, b in split_sentences(text, 0, len(text)) if is_instruction(text[a:b])]


def count_instructions(text: str) -> int:
    """How many sentences of ``text`` are instructions (the ingest summary's count)."""
    return len(instruction_spans(text))
