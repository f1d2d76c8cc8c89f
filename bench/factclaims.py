"""Claims for ``python -m bench factcheck``, made from eval passages and their gold answers.

- ``true``: each sentence (``retrieval.text.sentences``) of a question's relevant passages
  that holds a gold answer (normalised; judgement answers such as 是/否 are skipped) and a
  figure (``find_figures``). Expected verdict ``supported``.
- ``hidden``: the same sentence, checked with every passage that holds it hidden
  (the question's relevant passages and any other whose text contains the sentence).
  Expected ``not_found``.
- false claims, each made from one true sentence by changing one figure (one inside a gold
  answer first) or its subject, and kept only when it differs from every sentence of the
  passage: ``figure_swap`` another figure of the same kind and unit (dates: the same parts)
  from the same passage; ``scale`` 亿→万, 万→亿, 万亿→亿 (千→万 when no figure has 亿/万);
  ``digit`` one digit +1 or the decimal point moved one place; ``year`` a year ±1;
  ``subject`` the sentence's first person, place or organisation name (jieba's tagger; a
  name that stands alone, places only when common dictionary words) replaced, everywhere
  in the sentence, by another name of the same group from the same passage. Quantities
  are money, counts, percentages and points; a bare number only with a scale word or a
  decimal point (慕尼黑1860 is a name, not a figure).

Each claim carries its expected verdict and the verdicts counted right for it:
``figure_swap`` and ``subject``: misattributed (or contradicted: the passage may give the
other subject its own figure); ``year``: contradicted (or misattributed: the claim's other
figures now sit in another period); ``scale`` and ``digit``: contradicted (or misattributed
when the new figure is elsewhere in the passage). Every random choice comes from a
``random.Random`` seeded by the seed, passage id and sentence offset, so claims never depend
on the order questions are read in.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from bench.evaldata import normalise, split_of
from bench.retrieval import EvalSet
from retrieval.text.figures import Figure, figure_key, find_figures
from retrieval.text.sentences import split_sentences
from retrieval.types import Verdict

__all__ = [
    "FALSE_KINDS",
    "Claim",
    "ClaimKind",
    "article_text",
    "build_claims",
    "false_claims",
    "move_year",
    "sample_questions",
    "scale_error",
    "shift_digit",
    "swap_figure",
    "swap_subject",
    "true_spans",
]

ClaimKind = Literal["true", "hidden", "figure_swap", "scale", "digit", "year", "subject"]
FALSE_KINDS: tuple[ClaimKind, ...] = ("figure_swap", "scale", "digit", "year", "subject")
ARTICLE_CHARS = 3000
MIN_CLAIM_CHARS = 8
_JUDGEMENTS = frozenset({"是", "否", "是的", "不是", "对", "不对"})
_QUANTITIES = frozenset({"money", "count", "percent", "points", "number"})
_SCALE_WORD = re.compile(r"(?<=[0-9０-９多余])(万亿|亿|万|億|萬|千)")
_SCALE_SWAP = {"万亿": "亿", "亿": "万", "万": "亿", "億": "萬", "萬": "億", "千": "万"}
_DECIMAL = re.compile(r"(\d+)([.．])(\d+)")
_BUMPABLE = frozenset("012345678０１２３４５６７８")
_YEAR = re.compile(r"(?<![0-9])([12][0-9]{3})(?=[年/.-])")
_NAME_TAGS = ("nr", "ns", "nt", "nz")
MIN_PLACE_FREQ = 300  # jieba dictionary frequency: 北京, 瑞典 and 天津市, not 西站 or 东至
# Words the tagger calls places that name no place.
_GENERIC_PLACES = frozenset(
    "外国 国外 国内 全国 各国 本国 海外 境外 境内 当地 本地 内地 各地".split()
)
_CJK = re.compile(r"[\u4e00-\u9fff]{2,}")
_BOTH: frozenset[Verdict] = frozenset({"contradicted", "misattributed"})


@dataclass(frozen=True)
class Claim:
    """One claim to check: its text, what a checker should say, and which passages to hide."""

    kind: ClaimKind
    text: str
    expected: Verdict
    accepted: frozenset[Verdict]
    qid: str = ""
    passage_id: str = ""
    hidden: tuple[str, ...] = ()


# --- claims ------------------------------------------------------------------------------------


def true_spans(passage: str, answers: Iterable[str]) -> list[tuple[int, int]]:
    """Sentences of ``passage`` that hold one of ``answers`` (normalised) and a figure."""
    golds = [g for g in map(normalise, answers) if len(g) >= 2 and g not in _JUDGEMENTS]
    return [
        (start, end)
        for start, end in split_sentences(passage, 0, len(passage))
        if end - start >= MIN_CLAIM_CHARS
        and any(g in normalise(passage[start:end]) for g in golds)
        and find_figures(passage[start:end])
    ]


def false_claims(
    sentence: str, passage: str, answers: Sequence[str], rng: random.Random
) -> list[Claim]:
    """The false claims made from ``sentence``: at most one per kind, each unlike every
    sentence of ``passage``."""
    seen = {normalise(passage[a:b]) for a, b in split_sentences(passage, 0, len(passage))}
    passage_keys = {_key(f) for f in find_figures(passage)}
    figures = _targets(find_figures(sentence), answers)
    made = {
        "figure_swap": swap_figure(sentence, figures, passage, rng),
        "scale": scale_error(sentence, figures),
        "digit": shift_digit(sentence, figures, rng),
        "year": move_year(sentence, figures, rng),
        "subject": swap_subject(sentence, passage, rng),
    }
    claims = []
    for kind in FALSE_KINDS:
        text = made[kind]
        if text is None or normalise(text) in seen or normalise(text) == normalise(sentence):
            continue
        claims.append(_labelled(kind, text, sentence, passage_keys))
    return claims


def _labelled(kind: ClaimKind, text: str, sentence: str, passage_keys: set[str]) -> Claim:
    if kind in {"figure_swap", "subject"}:
        return Claim(kind, text, "misattributed", _BOTH)
    if kind == "year":
        return Claim(kind, text, "contradicted", _BOTH)
    new_keys = {_key(f) for f in find_figures(text)} - {_key(f) for f in find_figures(sentence)}
    elsewhere = bool(new_keys & passage_keys)
    return Claim(kind, text, "contradicted", _BOTH if elsewhere else frozenset({"contradicted"}))


def _targets(figures: list[Figure], answers: Sequence[str]) -> list[Figure]:
    """``figures`` with those inside (or holding) a gold answer first."""
    golds = [normalise(a) for a in answers if normalise(a)]

    def in_gold(f: Figure) -> bool:
        raw = normalise(f.raw)
        return any(raw in g or g in raw for g in golds)

    return sorted(figures, key=lambda f: not in_gold(f))


def swap_figure(
    sentence: str, figures: Sequence[Figure], passage: str, rng: random.Random
) -> str | None:
    """The first figure that has a same-kind, same-unit partner elsewhere in ``passage``,
    replaced by one such partner (chosen by ``rng``); bare numbers only when quantities."""
    stated = {_key(f) for f in figures}
    others = find_figures(passage)
    for figure in (f for f in figures if f.kind != "number" or _quantity(f)):
        partners = sorted(
            {o.raw for o in others if _shape(o) == _shape(figure) and _key(o) not in stated}
        )
        if partners:
            return _put(sentence, figure, rng.choice(partners))
    return None


def scale_error(sentence: str, figures: Sequence[Figure]) -> str | None:
    """The first quantity's scale word swapped: 亿↔万 (万亿→亿), or 千→万 when no quantity
    has 亿 or 万."""
    options = []
    for figure in filter(_quantity, figures):
        match = _SCALE_WORD.search(figure.raw)
        if match:
            new = f"{figure.raw[: match.start()]}{_SCALE_SWAP[match[0]]}{figure.raw[match.end() :]}"
            options.append((match[0] == "千", figure, new))
    valid = sorted((o for o in options if _same_shape(o[1], o[2])), key=lambda o: o[0])
    return _put(sentence, valid[0][1], valid[0][2]) if valid else None


def shift_digit(sentence: str, figures: Sequence[Figure], rng: random.Random) -> str | None:
    """The first quantity with a changeable digit: one digit +1 (not a 9) or its decimal point
    moved one place, chosen by ``rng``."""
    for figure in filter(_quantity, figures):
        options = (*_digit_bumps(figure.raw), *_point_moves(figure.raw))
        valid = [n for n in options if _same_shape(figure, n)]
        if valid:
            return _put(sentence, figure, rng.choice(valid))
    return None


def _quantity(figure: Figure) -> bool:
    """Money, counts, percentages and points; a bare number only with a scale word or a
    decimal point (other bare numbers are often names: 型号, 编号)."""
    if figure.kind == "number":
        return bool(_SCALE_WORD.search(figure.raw) or _DECIMAL.search(figure.raw))
    return figure.kind in _QUANTITIES


def _digit_bumps(raw: str) -> list[str]:
    return [raw[:i] + chr(ord(c) + 1) + raw[i + 1 :] for i, c in enumerate(raw) if c in _BUMPABLE]


def _point_moves(raw: str) -> list[str]:
    """``raw`` with its decimal point one place left and one place right."""
    match = _DECIMAL.search(raw)
    if match is None:
        return []
    whole, point, frac = match.groups()
    digits, moves = whole + frac, []
    for cut in (len(whole) - 1, len(whole) + 1):
        head, tail = digits[:cut].lstrip("0") or "0", digits[cut:]
        moves.append(f"{head}{point}{tail}" if tail else head)
    return [raw[: match.start()] + move + raw[match.end() :] for move in moves]


def move_year(sentence: str, figures: Sequence[Figure], rng: random.Random) -> str | None:
    """The first date with a four-digit year, that year moved one up or down."""
    for figure in figures:
        match = _YEAR.search(figure.raw) if figure.kind == "date" else None
        if match:
            year = int(match[1]) + rng.choice((-1, 1))
            new = f"{figure.raw[: match.start()]}{year}{figure.raw[match.end() :]}"
            return _put(sentence, figure, new)
    return None


def swap_subject(sentence: str, passage: str, rng: random.Random) -> str | None:
    """The subject of ``sentence`` (its first person, place or organisation name, by jieba's
    tagger) replaced everywhere by another name of the same group from ``passage``; None
    when the sentence names nothing or the passage has no other name of that group."""
    named = _entities(sentence)
    if not named:
        return None
    name, group = named[0]
    others = sorted(
        other
        for other, kind in _entities(passage)
        if kind == group and other not in sentence and name not in other and other not in name
    )
    return sentence.replace(name, rng.choice(others)) if others else None


def _entities(text: str) -> list[tuple[str, str]]:
    """Names in ``text`` in order, each with its group (person, place, org).

    Only names the tagger is fairly sure of (``retrieval.answer.names.is_name``; places that
    are common dictionary words) and that stand alone: a name word next to another name word
    is a piece of a longer name (斯韦 + 阿兰) and swapping it would garble the name.
    """
    import jieba.posseg as pseg

    from retrieval.answer.names import is_name
    from retrieval.text.keywords import JIEBA_LOCK, STOPWORDS

    with JIEBA_LOCK:
        tagged = [("", "x"), *((str(p.word), str(p.flag)) for p in pseg.cut(text)), ("", "x")]
    found: dict[str, str] = {}
    for before, (word, tag), after in zip(tagged, tagged[1:], tagged[2:], strict=False):
        alone = not before[1].startswith(_NAME_TAGS) and not after[1].startswith(_NAME_TAGS)
        if not alone or not _CJK.fullmatch(word) or word in STOPWORDS:
            continue
        if tag.startswith("nr") and is_name(word, tag):
            found.setdefault(word, "person")
        elif tag == "nt" and is_name(word, tag):
            found.setdefault(word, "org")
        elif tag == "ns" and word not in _GENERIC_PLACES and _freq(word) >= MIN_PLACE_FREQ:
            found.setdefault(word, "place")
    return list(found.items())


def _freq(word: str) -> int:
    import jieba

    return int(jieba.get_FREQ(word) or 0)


def _key(figure: Figure) -> str:
    return f"{figure.kind}:{figure_key(figure)}"


def _shape(figure: Figure) -> str:
    """Kind and unit (dates: which of year, month, day, time they give)."""
    unit = re.sub(r"\d+", "#", figure_key(figure)) if figure.kind == "date" else figure.unit
    return f"{figure.kind}:{unit}"


def _same_shape(figure: Figure, new_raw: str) -> bool:
    """``new_raw`` reads as one figure of ``figure``'s kind and unit, with another value."""
    found = find_figures(new_raw)
    return (
        len(found) == 1
        and found[0].raw == new_raw
        and _shape(found[0]) == _shape(figure)
        and _key(found[0]) != _key(figure)
    )


def _put(sentence: str, figure: Figure, new_raw: str) -> str:
    return f"{sentence[: figure.start]}{new_raw}{sentence[figure.end :]}"


# --- claims of an eval set ---------------------------------------------------------------------


def sample_questions(data: EvalSet, split: str, cap: int | None, seed: int) -> list[str]:
    """The ids of ``split``'s questions, a seeded sample of at most ``cap`` (sorted)."""
    chosen = sorted(qid for qid, _ in data.questions if split_of(qid) == split)
    if cap and len(chosen) > cap:
        chosen = sorted(random.Random(seed).sample(chosen, cap))
    return chosen


def build_claims(
    data: EvalSet, answers: dict[str, list[Any]], qids: Iterable[str], seed: int
) -> list[Claim]:
    """Every claim of ``qids``' true sentences, each text once per kind, in question order."""
    texts = {pid: normalise(p["title"] + p["text"]) for pid, p in data.corpus.items()}
    claims: dict[tuple[str, str], Claim] = {}
    for qid in qids:
        golds = _golds(answers.get(qid, []))
        for pid, passage, (start, end) in _true_sentences(data, qid, golds):
            sentence = passage[start:end]
            holders = {p for p, text in texts.items() if normalise(sentence) in text}
            hidden = tuple(sorted(data.qrels[qid] | holders))
            rng = random.Random(f"{seed}:{pid}:{start}")
            made = [
                Claim("true", sentence, "supported", frozenset({"supported"})),
                Claim("hidden", sentence, "not_found", frozenset({"not_found"}), hidden=hidden),
                *false_claims(sentence, passage, golds, rng),
            ]
            for claim in made:
                key = (claim.kind, normalise(claim.text))
                claims.setdefault(key, replace(claim, qid=qid, passage_id=pid))
    return list(claims.values())


def article_text(
    data: EvalSet, answers: dict[str, list[Any]], split: str, seed: int, chars: int = ARTICLE_CHARS
) -> str:
    """True sentences of ``split``'s questions (seeded order), one a line, until the text has
    at least ``chars`` characters (shorter only when the split has too few)."""
    qids = sample_questions(data, split, None, seed)
    random.Random(seed).shuffle(qids)
    lines: list[str] = []
    for qid in qids:
        for _pid, passage, (start, end) in _true_sentences(data, qid, _golds(answers.get(qid, []))):
            if passage[start:end] not in lines:
                lines.append(passage[start:end])
            if len("\n".join(lines)) >= chars:
                return "\n".join(lines)
    return "\n".join(lines)


def _golds(answers: Sequence[Any]) -> list[str]:
    """The gold answer spans (RGB's lists of alternatives flattened)."""
    flat = (str(a) for item in answers for a in (item if isinstance(item, list) else [item]))
    return list(dict.fromkeys(flat))


def _true_sentences(
    data: EvalSet, qid: str, golds: Sequence[str]
) -> Iterator[tuple[str, str, tuple[int, int]]]:
    for pid in sorted(data.qrels.get(qid, ())):
        if pid in data.corpus:
            passage = data.corpus[pid]["text"]
            for span in true_spans(passage, golds):
                yield pid, passage, span
