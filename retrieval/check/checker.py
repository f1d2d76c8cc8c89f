"""``FactChecker``: a pasted draft checked claim by claim, fact by fact, against the index.

Rule- and retrieval-based (no LLM): each claim sentence is searched for (hybrid search and the
answer-aware re-ranking), its facts are read (``retrieval.text.claims``) and judged
(``retrieval.check.verdicts``); quotations are looked up on their own (``check_quote``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from retrieval.answer.citations import citation_for
from retrieval.answer.questions import clean_text
from retrieval.check.evidence import Evidence, Library
from retrieval.check.names import NameSwap, swapped_name
from retrieval.check.slots import Grade, evidence_slots
from retrieval.check.verdicts import (
    Judged,
    judge_date,
    judge_figure,
    judge_name,
    judge_quote,
    judge_sentence,
    worst,
)
from retrieval.errors import RetrievalError
from retrieval.index import Index
from retrieval.settings import MAX_CHECK_CHARS, Settings
from retrieval.text.claims import Claim, Fact, is_english, split_claims
from retrieval.text.quotes import QuoteSpan, find_quotations, find_quote, speaker_of
from retrieval.types import (
    CheckedClaim,
    CheckedFact,
    CheckReport,
    Hit,
    QuoteMatch,
    SearchFilter,
)

__all__ = ["CLOSEST_MIN", "CLOSEST_MIN_CHARS", "FactChecker", "Progress"]

CLOSEST_MIN = 0.6
CLOSEST_MIN_CHARS = 8
"""A quote's closest span must be at least this similar (0..1), and match at least this many
characters, to be shown as a near miss: half of a six-character quote matches anywhere."""

Progress = Callable[[int, int], object]
"""Called as ``progress(done_claims, total_claims)``."""


class FactChecker:
    """Checks drafts against an open index: ``check`` a text, ``check_quote`` a quotation.

    ``settings.k`` passages are searched per claim and per quotation.
    """

    def __init__(self, index: Index, settings: Settings) -> None:
        self.index = index
        self.settings = settings

    def check(
        self, text: str, search: SearchFilter | None = None, progress: Progress | None = None
    ) -> CheckReport:
        """Every claim of ``text`` with its facts' verdicts, evidence and reasons.

        Raises:
            RetrievalError: the text is empty, has no words, or is longer than
                ``MAX_CHECK_CHARS``.
        """
        began = time.perf_counter()
        text = clean_text(text)
        claims = _claims(text)
        library = Library(self.index, self.settings.k, search)
        quotes = [f.text for c in claims for f in c.facts if f.kind == "quote"]
        library.prepare([*(c.text for c in claims), *quotes])
        checked: list[CheckedClaim] = []
        for done, claim in enumerate(claims):
            if progress is not None:
                progress(done, len(claims))
            checked.append(self._claim(claim, library))
        if progress is not None:
            progress(len(claims), len(claims))
        verdict = worst(c.verdict for c in checked)
        return CheckReport(text, verdict, tuple(checked), time.perf_counter() - began)

    def check_quote(self, quote: str, search: SearchFilter | None = None) -> QuoteMatch:
        """Where ``quote`` is in the articles: exact, near, closest (with a diff) or none."""
        quote = clean_text(quote).strip()
        if not quote:
            raise RetrievalError("The quotation is empty: give the words to look for.")
        hits = Library(self.index, self.settings.k, search).hits(quote)
        return _quote_match(quote, hits)

    def _claim(self, claim: Claim, library: Library) -> CheckedClaim:
        evidence = library.evidence(claim.text)
        english = is_english(claim.text)
        judged: dict[int, Judged] = {}
        slots = [slot for s in evidence.sentences for slot in evidence_slots(s)]
        anchors: list[Grade] = []
        for n, fact in enumerate(claim.facts):
            if fact.kind == "figure":
                judged[n], found = judge_figure(fact, claim, slots, library.body, english)
                anchors.extend(found)
        for n, fact in enumerate(claim.facts):
            if n not in judged:
                judged[n] = self._fact(fact, claim, evidence, anchors, library)
        facts = [_checked(fact, judged[n]) for n, fact in enumerate(claim.facts)]
        swap = swapped_name(claim.text, evidence.sentences)
        if swap is not None:
            facts = sorted([*facts, _name_fact(claim, swap, english)], key=lambda f: f.start)
        verdict = worst(f.verdict for f in facts)
        return CheckedClaim(claim.text, claim.start, claim.end, verdict, tuple(facts))

    def _fact(
        self, fact: Fact, claim: Claim, evidence: Evidence, anchors: list[Grade], library: Library
    ) -> Judged:
        english = is_english(claim.text)
        if fact.kind == "date":
            return judge_date(fact, claim, evidence, anchors, english)
        if fact.kind == "quote":
            match = _quote_match(fact.text, [*evidence.hits, *library.hits(fact.text)])
            return judge_quote(fact, match, _speaker(match), english)
        return judge_sentence(fact, claim, evidence, english)


def _claims(text: str) -> list[Claim]:
    if not text.strip():
        raise RetrievalError("Nothing to check: paste a sentence or a paragraph of a draft.")
    if len(text) > MAX_CHECK_CHARS:
        raise RetrievalError(
            f"The text has {len(text)} characters, more than the {MAX_CHECK_CHARS} one check "
            "takes: check it in parts."
        )
    claims = split_claims(text)
    if not claims:
        raise RetrievalError("The text has no words to check: paste sentences of a draft.")
    return claims


def _checked(fact: Fact, judged: Judged) -> CheckedFact:
    return CheckedFact(
        kind=fact.kind,
        text=fact.text,
        start=fact.start,
        end=fact.end,
        verdict=judged.verdict,
        reason=judged.reason,
        citations=judged.citations,
        stated=judged.stated,
    )


def _name_fact(claim: Claim, swap: NameSwap, english: bool) -> CheckedFact:
    """A name the claim puts where its evidence sentence names another (``names``)."""
    start, end = claim.start + swap.start, claim.start + swap.end
    return _checked(Fact("name", swap.claimed, start, end), judge_name(swap, english))


def _quote_match(quote: str, hits: Sequence[Hit]) -> QuoteMatch:
    """The first passage holding the quote exactly or nearly, else the closest span of all."""
    best: tuple[Hit, QuoteSpan] | None = None
    seen: set[str] = set()
    for hit in hits:
        if hit.chunk.chunk_id in seen:
            continue
        seen.add(hit.chunk.chunk_id)
        span = find_quote(quote, hit.chunk.text)
        if span is not None and span.found != "closest":
            return _match(quote, hit, span)
        if span is not None and (best is None or span.similarity > best[1].similarity):
            best = (hit, span)
    if best is None or not _close_enough(quote, best[1]):
        return QuoteMatch(quote, "none")
    return _match(quote, *best)


def _close_enough(quote: str, span: QuoteSpan) -> bool:
    matched = sum(len(p.quote) for p in span.diff if p.op == "equal")
    return span.similarity >= CLOSEST_MIN and matched >= CLOSEST_MIN_CHARS


def _match(quote: str, hit: Hit, span: QuoteSpan) -> QuoteMatch:
    chunk = hit.chunk
    marked = (chunk.char_start + span.start, chunk.char_start + span.end)
    citation = citation_for(1, chunk, [marked])
    return QuoteMatch(quote, span.found, citation, span.similarity, span.diff)


def _speaker(match: QuoteMatch) -> str | None:
    """Who says the matched words in the article (X说 after them, X表示 before them)."""
    citation = match.citation
    if citation is None or match.found not in {"exact", "near"} or not citation.highlights:
        return None
    start, end = (offset - citation.char_start for offset in citation.highlights[0])
    for quotation in find_quotations(citation.quote, min_chars=1):
        if quotation.start <= start and end <= quotation.end + 1:
            return quotation.speaker  # part of a longer quotation: the whole one's speaker
    return speaker_of(citation.quote, start, end)
