"""Answers and fact-checks as Markdown, for the record: one answer, a whole conversation, or
a fact-check report.

A copied answer must stay checkable away from the app, so each source lists its title, file
(its path relative to the index, never the server's absolute path), character offsets in the
original text, the whole passage, what its relative time means (今年 = 2022年) and the
sentences the answer rests on.

Every field that comes from an article, a question or a server (titles, quotes, answers,
names, dates, errors) is escaped: ``<``/``>`` become entities and link syntax is broken, so
no renderer (CommonMark or python-markdown) turns a ``<script>`` or ``<img onerror>`` in
an article into a live tag; file names sit in code spans that no backtick can close.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import PurePath

from retrieval.text.period_labels import period_notes
from retrieval.types import Answer, CheckedClaim, CheckedFact, CheckReport, Citation
from ui.messages import (
    APP,
    EXPORT_CHECK_ZH,
    EXPORT_ZH,
    FACT_KINDS_ZH,
    LABELS_ZH,
    VERDICTS_ZH,
    Labels,
    export_words,
    labels_for,
)
from ui.present import (
    Turn,
    confidence_text,
    flag_sentences,
    flag_text,
    mode_text,
    notice_detail,
    notice_text,
    source_path,
)

__all__ = ["answer_markdown", "check_report_markdown", "conversation_markdown", "escape_text"]

_ENTITY = re.compile(r"&(?=#?\w+;)")
_LINK = re.compile(r"\](?=[(:\[])")


def answer_markdown(
    answer: Answer, *, asked_at: str | None = None, roots: Sequence[PurePath] = ()
) -> str:
    """The whole answer as a Markdown document, in the language of the question.

    Source files are named relative to the first of ``roots`` that holds them (the app
    passes the index folder), else by file name alone.
    """
    return _document(_answer_lines(answer, asked_at, roots, depth=1))


def conversation_markdown(
    turns: Sequence[Turn], *, roots: Sequence[PurePath] = (), exported_at: str | None = None
) -> str:
    """Every turn of a conversation in one Markdown document, each answer with its sources."""
    lines = [f"# {EXPORT_ZH['conversation']}", ""]
    if exported_at:
        lines += [f"- {EXPORT_ZH['exported']}: {_line(exported_at)}", ""]
    for number, turn in enumerate(turns, start=1):
        lines += [f"## {EXPORT_ZH['turn'].format(number)}", ""]
        if turn.answer is not None:
            lines += _answer_lines(turn.answer, turn.asked_at, roots, depth=3)
        else:
            lines += _error_lines(turn)
    return _document(lines)


def check_report_markdown(
    report: CheckReport, *, checked_at: str | None = None, roots: Sequence[PurePath] = ()
) -> str:
    """A fact-check as a Markdown document: the text checked, then each claim with its
    verdict and each fact with its verdict, reason and every evidence citation in full."""
    words = EXPORT_CHECK_ZH
    summary = APP.check_summary.format(len(report.claims), report.seconds)
    lines = [f"# {words['report']}", ""]
    if checked_at:
        lines.append(f"- {words['checked']}: {_line(checked_at)}")
    lines += [f"- {words['verdict']}: {VERDICTS_ZH[report.verdict]} · {summary}", ""]
    lines += [f"## {words['text']}", "", *_quoted(report.text), ""]
    for number, claim in enumerate(report.claims, start=1):
        lines += _claim_lines(claim, number, roots)
    return _document(lines)


def _claim_lines(claim: CheckedClaim, number: int, roots: Sequence[PurePath]) -> list[str]:
    title = EXPORT_CHECK_ZH["claim"].format(number, VERDICTS_ZH[claim.verdict])
    lines = [f"## {title}", "", *_quoted(claim.text), ""]
    if not claim.facts:
        return [*lines, APP.check_no_facts, ""]
    for fact in claim.facts:
        lines += _fact_lines(fact, roots)
    return lines


def _fact_lines(fact: CheckedFact, roots: Sequence[PurePath]) -> list[str]:
    words = EXPORT_CHECK_ZH
    kind, verdict = FACT_KINDS_ZH[fact.kind], VERDICTS_ZH[fact.verdict]
    lines = [f"### {words['fact'].format(kind, _line(fact.text), verdict)}", ""]
    if fact.reason:
        lines.append(f"- {words['reason']}: {_line(fact.reason)}")
    if fact.stated:
        lines.append(f"- {words['stated']}: 「{_line(fact.stated)}」")
    lines += [f"- {words['evidence']}: {len(fact.citations)}", ""]
    if not fact.citations:
        return [*lines, APP.check_no_evidence, ""]
    words_zh = export_words(LABELS_ZH)
    for citation in fact.citations:
        lines += _citation_lines(citation, LABELS_ZH, words_zh, roots, "####")
    return lines


def _error_lines(turn: Turn) -> list[str]:
    words = EXPORT_ZH
    lines = [f"### {words['question']}: {_line(turn.question)}", ""]
    lines += [f"- {words['asked']}: {_line(turn.asked_at or '')}", ""]
    detail = f" ({_line(turn.error_detail)})" if turn.error_detail else ""
    return [*lines, f"> {words['error']}: {_line(turn.error or '')}{detail}", ""]


def _answer_lines(
    answer: Answer, asked_at: str | None, roots: Sequence[PurePath], depth: int
) -> list[str]:
    labels = labels_for(answer.question)
    words = export_words(labels)
    head, sub = "#" * depth, "#" * (depth + 1)
    lines = [f"{head} {words['question']}: {_line(answer.question)}", ""]
    lines += _about_lines(answer, asked_at, labels, words)
    text = escape_text(answer.text.strip())
    if answer.refused:
        text = f"{text} {words['refused']}"
    lines += [f"{sub} {words['answer']}", "", text, ""]
    if answer.notice:
        lines += [f"> {_entities(_one_line(notice_text(answer, labels)))}", ">"]
        lines += [f"> {_entities(_one_line(notice_detail(answer, labels)))}", ""]
    if answer.citations:
        lines += [f"{sub} {labels.sources}", ""]
        for citation in answer.citations:
            lines += _citation_lines(citation, labels, words, roots, "#" * (depth + 2))
    flagged = flag_sentences(answer)
    if flagged:
        lines += [f"{sub} {words['checks']}", ""]
        lines += [f"- {_entities(flag_text(f, labels))}" for f in flagged]
        lines.append("")
    return lines


def _about_lines(
    answer: Answer, asked_at: str | None, labels: Labels, words: Mapping[str, str]
) -> list[str]:
    """When it was asked, how it was understood and answered, and how sure the answer is."""
    lines = [f"- {words['asked']}: {_line(asked_at)}"] if asked_at else []
    if answer.standalone_question != answer.question:
        lines.append(f"- {labels.rewritten.format(_line(answer.standalone_question))}")
    confidence = confidence_text(answer, labels)
    if confidence:
        lines.append(f"- {confidence}")
    mode = mode_text(answer, labels)
    return [*lines, f"- {words['mode']}: {mode} · {labels.seconds.format(answer.seconds)}", ""]


def _citation_lines(
    citation: Citation,
    labels: Labels,
    words: Mapping[str, str],
    roots: Sequence[PurePath],
    heading: str,
) -> list[str]:
    name = PurePath(citation.source).name
    details = [
        f"{words['file']}: {_code(name)}",
        f"{labels.chars} {citation.char_start}–{citation.char_end}",
        f"{words['date']}: {_line(citation.date or labels.date_unknown)}",
    ]
    if citation.section:
        details.insert(1, f"{words['section']}: {_line(citation.section)}")
    lines = [
        f"{heading} [{citation.n}] {_line(citation.title)}",
        "",
        " · ".join(details),
        "",
        f"{words['path']}: {_code(source_path(citation.source, roots))}",
        "",
        f"{words['passage']}:",
        "",
        *_quoted(citation.quote),
        "",
        *_period_lines(citation, labels, words),
    ]
    quoted = _highlighted(citation)
    if quoted:
        lines += [f"{words['quoted']}:", ""]
        lines += [f"- {labels.chars} {a}–{b}: 「{text}」" for a, b, text in quoted]
        lines.append("")
    return lines


def _period_lines(citation: Citation, labels: Labels, words: Mapping[str, str]) -> list[str]:
    """What the passage's relative time means (今年 = 2022年), listed under it, never in it."""
    notes = period_notes(citation.periods, iso=labels.period_iso)
    if not notes:
        return []
    return [f"{words['periods']}:", "", *(f"- {_line(note)}" for note in notes), ""]


def _highlighted(citation: Citation) -> list[tuple[int, int, str]]:
    """The quoted sentences (absolute offsets) that fall inside the passage, with their text."""
    found = []
    for a, b in citation.highlights:
        lo, hi = max(a, citation.char_start), min(b, citation.char_end)
        if lo < hi:
            text = citation.quote[lo - citation.char_start : hi - citation.char_start]
            found.append((lo, hi, _line(text)))
    return found


def _document(lines: list[str]) -> str:
    return "\n".join(lines).rstrip() + "\n"


def _quoted(text: str) -> list[str]:
    return [f"> {escape_text(line)}".rstrip() for line in text.strip().splitlines()] or [">"]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _line(text: str) -> str:
    return escape_text(_one_line(text))


def escape_text(text: str) -> str:
    """``text`` for the Markdown record: ``<``/``>`` as entities (no live HTML in any
    renderer), ``&`` only where it would start an entity, and ``](`` / ``]:`` / ``][`` broken
    so that no link or image is made; everything else, ``[1]`` markers included, unchanged."""
    text = _ENTITY.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")
    return _LINK.sub(r"]\\", text)


def _entities(escaped: str) -> str:
    """Text already escaped for CommonMark by ``ui.present.md_escape`` (``\\<``): python-markdown
    does not honour that escape, so the angle brackets become entities too."""
    return escaped.replace("\\<", "&lt;").replace("\\>", "&gt;")


def _code(text: str) -> str:
    """A code span no backtick in ``text`` can close (nothing inside is Markdown or HTML)."""
    fence = "`" * (max(map(len, re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
