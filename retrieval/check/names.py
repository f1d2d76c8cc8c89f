"""Names put in another's place: a claim that copies an evidence sentence with one name changed.

A claim can keep every figure and date of a sentence and still be false: 「日本获季军」 where
the article says 「韩国获季军」. Its figures and dates alone would call it supported, or, when
the changed name is the figure's subject, not found. So the claim is aligned character by
character (``difflib``) with the evidence sentence that holds most of it: a name of the claim
(a run of nouns with a proper-name tag, ``focus``) that the sentence lacks, standing where the
sentence has a name of its own that the claim lacks, is a name put in another's place, even
when the claimed name appears elsewhere in the article in another role. A sentence that has
every name of the claim (the claim's own sentence) rules this out, and a sentence holding
less than ``SWAP_OVERLAP`` of the claim is not the claim's sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from retrieval.answer.subjects import focus
from retrieval.check.evidence import Sentence
from retrieval.text.hanzi import to_simplified

__all__ = ["SWAP_OVERLAP", "NameSwap", "swapped_name"]

SWAP_OVERLAP = 0.7
"""An evidence sentence must hold this share of the claim's characters (figures left out) to
be read as the claim's sentence with a name changed."""

MIN_NAME_CHARS, MAX_NAME_CHARS = 2, 10
"""A word standing in a name's place is a name of this many characters, not a clause."""

Span = tuple[int, int]
Opcode = tuple[str, int, int, int, int]
_WORD = re.compile(r"[\u3400-\u9fffA-Za-z·]+")
_LAST_WORD = re.compile(r"[\u3400-\u9fffA-Za-z·]+$")
_REFERENTS = tuple("该本其此这他她它")
"""Words that refer back to a name (该公司, 本市, 他) instead of naming another."""


@dataclass(frozen=True)
class NameSwap:
    """The claim's name (``start``/``end``: offsets in the claim) where ``sentence`` names
    ``stated`` (``span``: its offsets in the source)."""

    claimed: str
    start: int
    end: int
    stated: str
    sentence: Sentence
    span: Span


def swapped_name(claim: str, sentences: Sequence[Sentence]) -> NameSwap | None:
    """The name ``claim`` puts in another's place in its best evidence sentence, if any.

    Only the sentences holding the most of the claim are read (``sentences`` come most
    overlapping first); when one of them has no name changed, none is swapped.
    """
    if not sentences or sentences[0].overlap < SWAP_OVERLAP:
        return None
    best = [s for s in sentences if s.overlap >= sentences[0].overlap - 1e-9]
    swaps = [_swap(claim, s) for s in best]
    return None if any(s is None for s in swaps) else swaps[0]


def _swap(claim: str, sentence: Sentence) -> NameSwap | None:
    """The first name of one side missing from the other whose counterpart there is another
    word (``_counterpart``): the claim's name and the sentence's, in that order."""
    mine, theirs = _fold(claim), _fold(sentence.text)
    opcodes = SequenceMatcher(None, mine, theirs, autojunk=False).get_opcodes()
    back = [(tag, j1, j2, i1, i2) for tag, i1, i2, j1, j2 in opcodes]
    for here in _name_spans(claim, mine):
        there = _counterpart(mine, here, theirs, opcodes)
        if there is not None:
            return _found(claim, here, sentence, there)
    for theirs_at in _name_spans(sentence.text, theirs):
        mine_at = _counterpart(theirs, theirs_at, mine, back)
        if mine_at is not None:
            return _found(claim, mine_at, sentence, theirs_at)
    return None


def _counterpart(text: str, span: Span, other: str, opcodes: Sequence[Opcode]) -> Span | None:
    """What ``other`` has where ``text`` has the name at ``span``, when that is another word
    (a run of letters, ``MIN_NAME_CHARS`` to ``MAX_NAME_CHARS``, no pronoun like 该公司) and
    ``other`` lacks the name."""
    name = text[span[0] : span[1]]
    if name in other:
        return None
    start = next((_map(op, span[0], False) for op in opcodes if op[1] <= span[0] < op[2]), None)
    end = next((_map(op, span[1], True) for op in opcodes if op[1] < span[1] <= op[2]), None)
    if start is None or end is None:
        return None
    start, end = _word_in(other, start, end)
    word = other[start:end]
    if not MIN_NAME_CHARS <= len(word) <= MAX_NAME_CHARS or word.startswith(_REFERENTS):
        return None
    return start, end


def _word_in(text: str, start: int, end: int) -> Span:
    """The run of letters ``text[start:end]`` ends with (the name next to the words both
    sides share: 「据了解,国核铀业」 → 国核铀业), else the one it begins with."""
    piece = text[start:end]
    last = _LAST_WORD.search(piece) or _WORD.match(piece)
    return (start + last.start(), start + last.end()) if last else (start, start)


def _map(opcode: Opcode, at: int, end: bool) -> int:
    """Where offset ``at`` of one side falls on the other: exactly in an equal block, else at
    the block's edge."""
    tag, i1, _i2, j1, j2 = opcode
    if tag == "equal":
        return j1 + at - i1
    return j2 if end else j1


def _found(claim: str, here: Span, sentence: Sentence, there: Span) -> NameSwap:
    start = sentence.start + there[0]
    text = sentence.text[there[0] : there[1]]
    return NameSwap(claim[here[0] : here[1]], *here, text, sentence, (start, start + len(text)))


def _name_spans(text: str, folded: str) -> list[Span]:
    """Every place a name of ``text`` (``focus``) is in it (``folded``: its matching form)."""
    names = focus(text).names
    return [m.span() for name in names for m in re.finditer(re.escape(name), folded)]


def _fold(text: str) -> str:
    """Simplified and lower case: the same length as ``text``, so offsets carry over."""
    return to_simplified(text).lower()
