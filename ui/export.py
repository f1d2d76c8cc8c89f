"""An answer as Markdown, for the record: the text, and every citation in full.

A copied answer must stay checkable away from the app, so each source lists its title,
file (name and full path), character offsets in the original text, the whole passage and
the sentences the answer rests on.
"""

from __future__ import annotations

from pathlib import PurePath

from retrieval.types import Answer, Citation
from ui.present import (
    Labels,
    confidence_text,
    flag_sentences,
    flag_text,
    labels_for,
    mode_text,
    notice_text,
)

__all__ = ["answer_markdown"]

_HEADINGS_ZH = {
    "question": "问题",
    "asked": "提问时间",
    "mode": "回答方式",
    "answer": "回答",
    "file": "文件",
    "path": "路径",
    "section": "栏目",
    "date": "发布日期",
    "passage": "段落",
    "quoted": "引用的句子",
    "checks": "核对提示",
    "refused": "(未找到答案)",
}
_HEADINGS_EN = {
    "question": "Question",
    "asked": "Asked",
    "mode": "Mode",
    "answer": "Answer",
    "file": "File",
    "path": "Path",
    "section": "Section",
    "date": "Published",
    "passage": "Passage",
    "quoted": "Quoted sentences",
    "checks": "Checks",
    "refused": "(no answer found)",
}


def answer_markdown(answer: Answer, *, asked_at: str | None = None) -> str:
    """The whole answer as a Markdown document, in the language of the question."""
    labels = labels_for(answer.question)
    words = _HEADINGS_EN if labels.sources == "Sources" else _HEADINGS_ZH
    mode = mode_text(answer, labels)
    lines = [f"# {words['question']}: {_one_line(answer.question)}", ""]
    if asked_at:
        lines.append(f"- {words['asked']}: {asked_at}")
    if answer.standalone_question != answer.question:
        lines.append(f"- {labels.rewritten.format(_one_line(answer.standalone_question))}")
    confidence = confidence_text(answer, labels)
    if confidence:
        lines.append(f"- {confidence}")
    lines += [f"- {words['mode']}: {mode} · {labels.seconds.format(answer.seconds)}", ""]
    lines += [f"## {words['answer']}", "", answer.text.strip(), ""]
    if answer.refused:
        lines[-2] = f"{answer.text.strip()} {words['refused']}"
    if answer.notice:
        lines += [f"> {_one_line(notice_text(answer, labels))}", ""]
    if answer.citations:
        lines += [f"## {labels.sources}", ""]
        for citation in answer.citations:
            lines += _citation_lines(citation, labels, words)
    flagged = flag_sentences(answer)
    if flagged:
        lines += [f"## {words['checks']}", ""]
        lines += [f"- {flag_text(f, labels)}" for f in flagged]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _citation_lines(citation: Citation, labels: Labels, words: dict[str, str]) -> list[str]:
    name = PurePath(citation.source).name
    details = [
        f"{words['file']}: `{name}`",
        f"{labels.chars} {citation.char_start}–{citation.char_end}",
        f"{words['date']}: {citation.date or labels.date_unknown}",
    ]
    if citation.section:
        details.insert(1, f"{words['section']}: {_one_line(citation.section)}")
    lines = [
        f"### [{citation.n}] {_one_line(citation.title)}",
        "",
        " · ".join(details),
        "",
        f"{words['path']}: `{citation.source}`",
        "",
        f"{words['passage']}:",
        "",
        *_quoted(citation.quote),
        "",
    ]
    quoted = _highlighted(citation)
    if quoted:
        lines += [f"{words['quoted']}:", ""]
        lines += [f"- {labels.chars} {a}–{b}: 「{text}」" for a, b, text in quoted]
        lines.append("")
    return lines


def _highlighted(citation: Citation) -> list[tuple[int, int, str]]:
    """The quoted sentences (absolute offsets) that fall inside the passage, with their text."""
    found = []
    for a, b in citation.highlights:
        lo, hi = max(a, citation.char_start), min(b, citation.char_end)
        if lo < hi:
            text = citation.quote[lo - citation.char_start : hi - citation.char_start]
            found.append((lo, hi, _one_line(text)))
    return found


def _quoted(text: str) -> list[str]:
    return [f"> {line}".rstrip() for line in text.strip().splitlines()] or [">"]


def _one_line(text: str) -> str:
    return " ".join(text.split())
