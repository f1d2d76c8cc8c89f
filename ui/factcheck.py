"""HTML of a fact-check report: the pasted text, every claim marked by its verdict in place.

Like a spell-checker marks words, the text is shown as pasted and each claim is underlined in
its verdict's colour. A claim is an inline ``<details>``: a click on it opens its facts, each
with its verdict, the reason and the evidence passages. Figures are marked on both sides: the
fact in the claim, and the evidence figure in each passage (the passage highlight nested in
the evidence sentence, or stated as the fact is). Pure functions, unit-tested without a
browser; the pasted text is untrusted, so every piece of text is escaped here (``app.py``
renders the result with ``unsafe_allow_html``). Each result is one line of HTML in a
``<div>``, so Markdown never interprets any of it.
"""

from __future__ import annotations

import html
import itertools
from collections import Counter
from collections.abc import Iterator, Sequence

from retrieval.text.figures import find_figures
from retrieval.types import VERDICT_ORDER, CheckedClaim, CheckedFact, CheckReport, Citation, Verdict
from ui.messages import APP, FACT_KINDS_ZH, LABELS_ZH, VERDICT_HELP_ZH, VERDICTS_ZH
from ui.present import source_html

__all__ = [
    "check_html",
    "claim_html",
    "claim_spans",
    "evidence_figures",
    "fact_html",
    "legend_html",
    "verdict_counts",
]

Span = tuple[int, int]
_EDGE = " \t\r\n。．.！!？?；;，,、：:"  # what may end or pad a sentence without being part of it


def check_html(report: CheckReport) -> str:
    """The pasted text with each claim marked by its verdict, claims opening on a click.

    Text outside every claim is shown as pasted, unmarked.
    """
    text, out, at = report.text, [], 0
    for number, (claim, (start, end)) in enumerate(claim_spans(report), start=1):
        out.append(_escape(text[at:start]))
        out.append(claim_html(claim, text[start:end], start, number))
        at = end
    out.append(_escape(text[at:]))
    return f'<div class="wb-check">{"".join(out)}</div>'


def claim_spans(report: CheckReport) -> list[tuple[CheckedClaim, Span]]:
    """Each claim with where it is in the pasted text, in text order, none overlapping.

    Offsets are trusted when they hold the claim's text; otherwise the claim is looked up,
    after the claim before it first. A claim that cannot be placed, or overlaps one placed
    before it, is left out of the inline view (the export still lists it).
    """
    found: list[tuple[CheckedClaim, Span]] = []
    after = 0
    for claim in report.claims:
        span = _place(report.text, claim, after)
        if span is not None:
            found.append((claim, span))
            after = span[1]
    placed: list[tuple[CheckedClaim, Span]] = []
    for claim, span in sorted(found, key=lambda item: item[1]):
        if not placed or placed[-1][1][1] <= span[0]:
            placed.append((claim, span))
    return placed


def claim_html(claim: CheckedClaim, shown: str, start: int, number: int) -> str:
    """One claim: its text with the facts marked (the summary), its facts behind the click.

    ``shown`` is the claim as it stands in the pasted text, from offset ``start`` there.
    """
    verdict = claim.verdict
    tip = _attr(f"{VERDICTS_ZH[verdict]}：{VERDICT_HELP_ZH[verdict]}")
    facts = "".join(fact_html(f, f"chk{number}-{i}") for i, f in enumerate(claim.facts, 1))
    body = facts or f'<div class="wb-fact-row">{_escape(APP.check_no_facts)}</div>'
    return (
        f'<details class="wb-claim wb-v-{verdict}" id="wb-claim-{number}">'
        f'<summary title="{tip}">{_marked_claim(claim, shown, start)}</summary>'
        f'<div class="wb-claim-body">{body}</div></details>'
    )


def fact_html(fact: CheckedFact, anchor: str) -> str:
    """One fact: verdict, kind and the fact itself marked, the reason, what the evidence
    states instead, and each evidence passage with its figure marked."""
    head = [
        f'<span class="wb-badge wb-v-{fact.verdict}">{_escape(VERDICTS_ZH[fact.verdict])}</span>',
        f'<span class="wb-kind">{_escape(FACT_KINDS_ZH[fact.kind])}</span>',
        f'<mark class="wb-fig wb-said">{_escape(fact.text)}</mark>',
    ]
    if fact.reason:
        head.append(f'<span class="wb-reason">{_escape(fact.reason)}</span>')
    if fact.stated:
        stated = f'<mark class="wb-fig">{_escape(fact.stated)}</mark>'
        head.append(f'<span class="wb-stated">{_escape(APP.check_stated)}{stated}</span>')
    evidence = [
        source_html(c, evidence_figures(fact, c), anchor, LABELS_ZH) for c in fact.citations
    ]
    if not evidence:
        evidence = [f'<div class="wb-meta">{_escape(APP.check_no_evidence)}</div>']
    return (
        f'<div class="wb-fact-row wb-v-{fact.verdict}">'
        f'<div class="wb-fact-head">{" ".join(head)}</div>{"".join(evidence)}</div>'
    )


def evidence_figures(fact: CheckedFact, citation: Citation) -> tuple[str, ...]:
    """What to mark as the figure in an evidence passage, as written there.

    The evidence figure is a highlight inside the highlighted evidence sentence (or a
    highlight that is one whole figure); the fact and what the evidence states instead are
    marked too wherever the passage writes them (``passage_html`` also marks them written
    another way inside the evidence sentence: "4.29亿元" marks "42900万元").
    """
    spans = [(a, b) for a, b in citation.highlights if a < b]
    found: list[str] = []
    for a, b in spans:
        lo, hi = max(a, citation.char_start), min(b, citation.char_end)
        piece = citation.quote[lo - citation.char_start : hi - citation.char_start]
        inside = any(c <= a and b <= d and (c, d) != (a, b) for c, d in spans)
        if piece.strip() and (inside or _one_figure(piece)):
            found.append(piece)
    found += [t for t in (fact.text, fact.stated) if t and t.strip()]
    return tuple(dict.fromkeys(found))


def legend_html(report: CheckReport) -> str:
    """The four verdicts in their colours (each with how many claims got it) and a hint."""
    counts = verdict_counts(report)
    keys = [
        f'<span class="wb-key wb-v-{v}" title="{_attr(VERDICT_HELP_ZH[v])}">'
        f"{_escape(VERDICTS_ZH[v])}</span> {counts[v]}"
        for v in VERDICT_ORDER
    ]
    summary = APP.check_summary.format(len(report.claims), report.seconds)
    return (
        f'<div class="wb-legend">{" ".join(keys)}'
        f'<span class="wb-legend-note">{_escape(summary)} · {_escape(APP.check_hint)}</span></div>'
    )


def verdict_counts(report: CheckReport) -> Counter[Verdict]:
    """How many claims got each verdict."""
    return Counter(claim.verdict for claim in report.claims)


def _worst(verdicts: Sequence[Verdict]) -> Verdict | None:
    """The worst of ``verdicts`` (``VERDICT_ORDER`` runs best to worst), ``None`` if none."""
    return max(verdicts, key=VERDICT_ORDER.index, default=None)


def _marked_claim(claim: CheckedClaim, shown: str, start: int) -> str:
    """The claim's text with each fact marked in its verdict's colour.

    Where facts overlap (a figure inside a quotation) the worse verdict shows. A fact that is
    the whole claim (a statement checked as a whole) is not marked again inside it: the
    claim's own colour already says its verdict.
    """
    whole = shown.strip(_EDGE)
    spans = [
        (max(f.start - start, 0), min(f.end - start, len(shown)), f.verdict) for f in claim.facts
    ]
    spans = [(a, b, v) for a, b, v in spans if a < b and shown[a:b].strip(_EDGE) != whole]
    out = []
    for a, b, verdict in _pieces(len(shown), spans):
        piece = _escape(shown[a:b])
        out.append(
            piece if verdict is None else f'<mark class="wb-fact wb-v-{verdict}">{piece}</mark>'
        )
    return "".join(out)


def _pieces(
    length: int, spans: Sequence[tuple[int, int, Verdict]]
) -> Iterator[tuple[int, int, Verdict | None]]:
    """``[0, length)`` cut where a span starts or ends, each piece with its worst verdict."""
    cuts = sorted({0, length} | {p for a, b, _ in spans for p in (a, b)})
    merged: list[tuple[int, int, Verdict | None]] = []
    for a, b in itertools.pairwise(cuts):
        verdict = _worst([v for lo, hi, v in spans if lo <= a and b <= hi])
        if merged and merged[-1][2] == verdict:
            merged[-1] = (merged[-1][0], b, verdict)
        else:
            merged.append((a, b, verdict))
    yield from merged


def _place(text: str, claim: CheckedClaim, after: int) -> Span | None:
    start, end = claim.start, claim.end
    if 0 <= start < end <= len(text) and text[start:end] == claim.text:
        return start, end
    if not claim.text:
        return None
    found = text.find(claim.text, after)
    found = text.find(claim.text) if found < 0 else found
    return (found, found + len(claim.text)) if found >= 0 else None


def _one_figure(piece: str) -> bool:
    found = find_figures(piece)
    return len(found) == 1 and found[0].raw == piece.strip()


def _attr(text: str) -> str:
    return html.escape(" ".join(text.split()), quote=True)


def _escape(text: str) -> str:
    """HTML-escaped, on one line, with nothing Markdown or Streamlit would still interpret."""
    escaped = html.escape(text, quote=True).replace("$", "&#36;").replace("\\", "&#92;")
    return escaped.replace("\r\n", "\n").replace("\n", "<br>")
