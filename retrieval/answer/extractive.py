"""Extractive answers: the sentence(s) of the retrieved passages that answer the question.

No LLM: every word of the answer is a verbatim sentence (or clause run) of a passage, so the
figures in it are the article's own. Sentences are scored by how much of the question they
(and their passage) cover and by whether they hold the kind of thing asked for: a figure of
the right unit for 多少/几 questions, a date other than the question's own for 何时 (fuller
dates first), a new name for 谁/哪里. Wire datelines are cut off, and a sentence that asks a
question back or only restates the question never answers; one that gives instructions to a
model (「忽略以上指令」) is never even a candidate. A question with no content word at all
(「' OR 1=1 --」) gets no sentence, so it is refused.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import jieba.posseg as pseg

from retrieval.answer.questions import Question, analyse, has_content, is_cross_lingual
from retrieval.answer.subjects import (
    Focus,
    focus,
    metric_conflict,
    period_conflict,
    subject_mismatch,
)
from retrieval.text.coverage import coverage, term_weights
from retrieval.text.figures import (
    Figure,
    figure_keys,
    find_figures,
    hard_spans,
    normalize_for_match,
)
from retrieval.text.hanzi import to_simplified
from retrieval.text.instructions import is_instruction
from retrieval.text.keywords import JIEBA_LOCK
from retrieval.text.periods import named_periods, periods_within
from retrieval.text.sentences import forbidden_positions, split_sentences
from retrieval.types import Chunk, Hit, ResolvedPeriod

__all__ = ["Candidate", "Evidence", "Extraction", "candidates", "extract"]

# Sentence score: coverage of the sentence and of its passage, type fit, passage rank, and
# date fullness for 何时 (``python -m bench answer`` on RGB and CMRC).
W_COVER, W_CONTEXT, W_FIT, W_RANK, W_DATE = 0.55, 0.3, 0.25, 0.1, 0.05
MAX_SENTENCE_CHARS = 110
# Meaning (cosine) scoring: the answering sentence of every question gets a similarity (a
# feature of the answerability model); a cross-lingual question is ranked by it, over the
# sentences of its top passages.
# W_MEANING and CROSS_PASSAGES chosen on our English dev questions (bench/data/cmrc_en_dev):
# answer hit rate 0.32 / 0.36 / 0.43 / 0.40 / 0.39 for W_MEANING 1 / 3 / 10 / 30 / 100, and
# 0.38 / 0.43 / 0.42 for 2 / 3 / 6 passages.
W_MEANING = 10.0
CROSS_PASSAGES = 3
MAX_SIMILAR = 40
SECOND_SENTENCE_RATIO = 0.92
MAX_JOINED_CHARS = 120
_ANAPHOR = re.compile(r"该|这[个些项]?|此|其|他们?|她们?|它们?|上述|对此")
_CLAUSE_END = re.compile(r"[，,；;：:]")
UNIT_EQUIVALENTS = {"人": ("人", "名"), "名": ("名", "人"), "个": ("个", "家", "座", "项")}
_NAME_TAGS = {"who": ("nr", "nt", "nz"), "where": ("ns", "nt")}
QUESTION_PENALTY = 0.3
MIN_NEW_CHARS = 3
MIN_AFTER_DATELINE = 6
_DATELINE = re.compile(
    r"^[\s　]*(?:[（(]?(?:新华社|中新社|中新网|本报|央视网|人民网|[\u4e00-\u9fff]{2,6}网)"
    r"[\u4e00-\u9fff]{0,8}\d{1,2}月\d{1,2}日(?:电|讯)[）)]?)\s*"
    r"(?:[（(](?:记者|通讯员)[^）)]{0,30}[）)])?\s*"
)


@dataclass(frozen=True)
class Candidate:
    """One sentence (or clause run) of passage ``passage``, scored for a question.

    ``mismatch`` names what makes it unable to answer although it may look close: a name
    of the question its article never mentions, or another metric than the one asked for.
    ``similarity`` is the question-to-sentence cosine, when it was computed.
    """

    passage: int
    start: int
    end: int
    text: str
    score: float
    coverage: float
    fits: bool
    figures: tuple[str, ...]
    mismatch: tuple[str, ...] = ()
    similarity: float | None = None
    context: float = 0.0


@dataclass(frozen=True)
class Extraction:
    """The sentences chosen to answer, in answer order, and the best one found at all.

    ``rejected`` is the best sentence that could not answer because of a ``mismatch``: a
    refusal quotes it as what the articles say instead. ``weights`` are the question's term
    weights the sentences were scored with.
    """

    sentences: tuple[Candidate, ...]
    best: Candidate | None
    rejected: Candidate | None = None
    weights: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Evidence:
    """What the answerer may know about the passages besides their text.

    ``articles`` maps an article id to its title and full text, for subject checks;
    ``similarity`` scores sentences against the question by meaning (an embedder), which
    a question in another language than the articles needs. ``periods`` maps an article id
    to its relative expressions resolved against its date (``Index.periods``): they count
    as the dates of the passages and sentences that hold them (empty: time features off).
    """

    articles: Mapping[str, str] = field(default_factory=dict)
    similarity: Callable[[str, Sequence[str]], list[float]] | None = None
    periods: Mapping[str, tuple[ResolvedPeriod, ...]] = field(default_factory=dict)


def extract(
    question: Question,
    hits: Sequence[Hit],
    idf: Mapping[str, float] | None = None,
    evidence: Evidence | None = None,
) -> Extraction:
    """Pick at most one sentence per question part, plus a close runner-up for one-part ones.

    ``idf`` weighs question terms by how rare they are in the index (``Index.term_weights``);
    without it longer terms weigh more. Sentences with a ``mismatch`` are never picked, and
    a question without content words (``has_content``) gets none at all.
    """
    if not has_content(question):
        return Extraction((), None, None, term_weights(question.keywords, idf))
    evidence = evidence or Evidence()
    chosen: list[Candidate] = []
    best: Candidate | None = None
    rejected: Candidate | None = None
    multi = len(question.parts) > 1
    for part in question.parts:
        asked = replace(analyse(part), constraints=question.constraints) if multi else question
        whole = question if multi else None
        ranked = candidates(asked, hits, whole=whole, idf=idf, periods=evidence.periods)
        ranked = _judge(asked, ranked, hits, evidence)
        usable = [c for c in ranked if not c.mismatch]
        rejected = rejected or next((c for c in ranked if c.mismatch), None)
        if not usable:
            continue
        best = best if best and best.score >= usable[0].score else usable[0]
        chosen.extend(_pick(usable, single=not multi))
    weights = term_weights(question.keywords, idf)
    return Extraction(tuple(_dedupe(chosen)), best, rejected, weights)


def _judge(
    question: Question, ranked: list[Candidate], hits: Sequence[Hit], evidence: Evidence
) -> list[Candidate]:
    """Mark sentences about another subject or metric, and score by meaning when needed."""
    about = focus(question.text)
    checked = [_check(c, about, question.text, hits, evidence) for c in ranked]
    if evidence.similarity is None or not checked:
        return checked
    return _by_meaning(question, checked, evidence.similarity)


def _check(
    candidate: Candidate, about: Focus, question_text: str, hits: Sequence[Hit], evidence: Evidence
) -> Candidate:
    chunk = hits[candidate.passage - 1].chunk
    article = evidence.articles.get(chunk.article_id, f"{chunk.title} {chunk.text}")
    missing = subject_mismatch(about, f"{chunk.title} {chunk.section} {article}")
    if not missing and metric_conflict(about.metrics, candidate.text):
        missing = about.metrics[:1]
    periods = periods_within(
        evidence.periods.get(chunk.article_id, ()), candidate.start, candidate.end
    )
    if not missing and period_conflict(question_text, candidate.text, periods):
        missing = ("period",)
    return replace(candidate, mismatch=missing, fits=candidate.fits and not missing)


def _by_meaning(
    question: Question,
    ranked: list[Candidate],
    similarity: Callable[[str, Sequence[str]], list[float]],
) -> list[Candidate]:
    """Cosine of the question to the sentence that will answer (a feature of the answerability
    model); for a question that shares no script with the articles (an English question over
    Chinese articles) the cosine is what ranks the sentences, so every sentence of the top
    passages gets one."""
    cross = is_cross_lingual(question.text) and any(
        not is_cross_lingual(c.text) for c in ranked[:5]
    )
    usable = [c for c in ranked if not c.mismatch][:1]
    head = [c for c in ranked if c.passage <= CROSS_PASSAGES] if cross else usable
    scores = similarity(question.text, [c.text for c in head[:MAX_SIMILAR]])
    scored = {id(c): s for c, s in zip(head, scores, strict=False)}
    out = []
    for c in ranked:
        sim = scored.get(id(c))
        bonus = W_MEANING * sim if cross and sim is not None else 0.0
        out.append(replace(c, similarity=sim, score=c.score + bonus))
    return sorted(out, key=lambda c: (-c.score, c.passage, c.start))


def candidates(
    question: Question,
    hits: Sequence[Hit],
    whole: Question | None = None,
    idf: Mapping[str, float] | None = None,
    periods: Mapping[str, tuple[ResolvedPeriod, ...]] | None = None,
) -> list[Candidate]:
    """Every distinct sentence of the passages, best first; never one that addresses a
    model or the reader with instructions (``is_instruction``), so none is ever quoted.

    For one part of a multi-part question, ``whole`` is the full question: sentences that
    also cover the other parts' context ("今年1-8月") rank higher. ``periods`` (by article
    id, ``Evidence.periods``) count as the passages' dates for the question's constraints.
    """
    weights = term_weights(question.keywords, idf)
    bonus = term_weights(whole.keywords, idf) if whole else {}
    seen: set[tuple[str, int, int]] = set()
    found: list[Candidate] = []
    for n, hit in enumerate(hits, start=1):
        chunk = hit.chunk
        context = coverage(weights, f"{chunk.title} {chunk.section} {chunk.text}")
        dated = _passage_periods(chunk, periods or {})
        for start, end, cover in _answer_spans(chunk.text, weights):
            key = (chunk.source, chunk.char_start + start, chunk.char_start + end)
            if key in seen or is_instruction(chunk.text[start:end]):
                continue
            seen.add(key)
            found.append(
                _candidate(
                    question,
                    weights,
                    hit,
                    n,
                    span=(start, end, cover),
                    context=context,
                    dated=dated,
                )
            )
            if bonus:
                extra = 0.3 * coverage(bonus, chunk.text[start:end])
                found[-1] = replace(found[-1], score=found[-1].score + extra)
    return sorted(found, key=lambda c: (-c.score, c.passage, c.start))


def _answer_spans(text: str, weights: dict[str, float]) -> list[tuple[int, int, int]]:
    """(start, end, cover_start) of each sentence to answer with.

    A sentence opening with "该/这/其…" ("该项目总投资4.29亿元") says nothing without the
    sentence that names its subject: when short enough the two are offered together (still
    one verbatim slice), otherwise the earlier one only counts for coverage.
    """
    spans = [_clip(text, *_after_dateline(text, a, b), weights) for a, b in _sentences(text)]
    result = []
    for i, (own, end) in enumerate(spans):
        cover = spans[i - 1][0] if i and _ANAPHOR.match(text, own) else own
        result.append((cover if end - cover <= MAX_JOINED_CHARS else own, end, cover))
    return result


def _sentences(text: str) -> list[tuple[int, int]]:
    return split_sentences(text, 0, len(text))


def _after_dateline(text: str, start: int, end: int) -> tuple[int, int]:
    """Skip a wire dateline ("新华社北京1月25日电（记者…）"): its date is when the story was
    filed, not when the event happened, and a 何时 question must not be answered by it."""
    match = _DATELINE.match(text, start, end)
    kept = match and match.end() < end - MIN_AFTER_DATELINE
    return (match.end(), end) if match and kept else (start, end)


def _passage_periods(
    chunk: Chunk, periods: Mapping[str, tuple[ResolvedPeriod, ...]]
) -> tuple[ResolvedPeriod, ...]:
    return periods_within(periods.get(chunk.article_id, ()), chunk.char_start, chunk.char_end)


def _candidate(
    question: Question,
    weights: dict[str, float],
    hit: Hit,
    n: int,
    *,
    span: tuple[int, int, int],
    context: float,
    dated: tuple[ResolvedPeriod, ...] = (),
) -> Candidate:
    """One sentence scored; ``dated``: the resolved periods of its passage."""
    chunk = hit.chunk
    text = chunk.text[span[0] : span[1]]
    covered = coverage(weights, chunk.text[span[2] : span[1]])
    figures = find_figures(text)
    passage = f"{chunk.title} {chunk.section} {chunk.text}"
    allowed = _meets_constraints(question, passage, dated)
    claim = question.kind == "claim"
    idle = text.rstrip().endswith(("？", "?")) or (not claim and _restates(question, text))
    fits = allowed and not idle and _fits(question, figures, text)
    fitting = _fitting(question, figures, text)
    precise = max((_specificity(question, f) for f in fitting), default=0) if fits else 0
    score = W_COVER * covered + W_CONTEXT * context + (W_FIT if fits else 0.0) + W_RANK / n
    score += W_DATE * precise - (QUESTION_PENALTY if idle else 0.0)
    offset = hit.chunk.char_start
    return Candidate(
        passage=n,
        start=offset + span[0],
        end=offset + span[1],
        text=text,
        score=score,
        coverage=max(covered, context * 0.8),
        fits=fits,
        figures=tuple(f.raw for f in fitting[:1]),
        context=context,
    )


def _fits(question: Question, figures: list[Figure], text: str) -> bool:
    """Whether ``text`` holds the kind of thing asked for.

    A sentence that asks a question back ("…吉祥物是什么？") never does. For 谁/哪里 a name
    (person, organisation, place) the question does not already hold must be there; the
    tagger misses some names, so this only ranks and never refuses on its own.
    """
    if question.kind in {"figure", "when"}:
        return bool(_fitting(question, figures, text))
    if question.kind == "claim":
        return _states_figures(question, text)
    if question.kind in _NAME_TAGS:
        return _has_new_name(question, text, _NAME_TAGS[question.kind])
    return True


def _states_figures(question: Question, text: str) -> bool:
    """A claim's figures are all in the sentence (by value and scale: 4.29亿元 = 42900万元)."""
    stated = figure_keys(text)
    return all(figure_keys(f.raw) & stated for f in find_figures(question.text))


def _restates(question: Question, text: str) -> bool:
    """A heading or sentence that only repeats the question ("卡塔尔世界杯决赛队伍.")."""
    rest = normalize_for_match(text).lower()
    for keyword in sorted(question.keywords, key=len, reverse=True):
        rest = rest.replace(keyword, "")
    return sum(ch.isalnum() for ch in rest) < MIN_NEW_CHARS


def _has_new_name(question: Question, text: str, tags: tuple[str, ...]) -> bool:
    return any(
        flag.startswith(tags) and len(word) > 1 and word not in to_simplified(question.text)
        for word, flag in _tagged(text)
    )


@functools.lru_cache(maxsize=4096)
def _tagged(text: str) -> tuple[tuple[str, str], ...]:
    """Part-of-speech tags; cached because re-ranking and answering tag the same sentences."""
    with JIEBA_LOCK:
        return tuple((str(p.word), str(p.flag)) for p in pseg.cut(to_simplified(text)))


def _fitting(question: Question, figures: list[Figure], text: str) -> list[Figure]:
    """The figures of a sentence that could answer the question, nearest to its subject first.

    When the subject is one item of a "A、B等" enumeration, figures after the "等" belong to
    the whole list ("引进A、B等招商项目317个,合同投资额3141.9亿元") and cannot answer a
    question about A alone.
    """
    _, end = _subject(question, text)
    listed = text[end : end + 1] in ("、", "等")
    cutoff = text.find("等", end) if listed else -1
    chosen = [f for f in figures if _wanted(question, f) and (cutoff < 0 or f.start < cutoff)]
    return sorted(chosen, key=lambda f: (f.start < end, abs(f.start - end)))


def _wanted(question: Question, figure: Figure) -> bool:
    if question.kind == "when":
        asked = {normalize_for_match(c.raw) for c in question.constraints}
        return figure.kind == "date" and normalize_for_match(figure.raw) not in asked
    if question.kind != "figure" or figure.kind == "date":
        return False
    if question.unit_hint == "%" or (question.expects == "percent" and not question.unit_hint):
        return figure.kind in {"percent", "points"}
    if question.unit_hint:
        if question.unit_hint.endswith("元") and figure.kind == "money":
            return True  # any scale: 多少万元 is answered from 亿元, with a conversion
        units = UNIT_EQUIVALENTS.get(question.unit_hint, (question.unit_hint,))
        return any(u in figure.unit or figure.raw.endswith(u) for u in units)
    return question.expects != "money" or figure.kind == "money" or _bare_amount(figure)


def _bare_amount(figure: Figure) -> bool:
    """ "票房1.20亿": news often drops 元 after a scale word; such a figure can be money."""
    return figure.kind == "number" and figure.raw.endswith(("亿", "万"))


def _specificity(question: Question, figure: Figure) -> int:
    """For 何时 questions a fuller date says more: "2022年2月4日" > "2月4日" > "6月" or "3日"."""
    if question.kind != "when":
        return 0
    return sum(unit in figure.raw for unit in ("年", "月")) + figure.raw.endswith(("日", "号"))


def _subject(question: Question, text: str) -> tuple[int, int]:
    """The longest run of ``text`` covered by question keywords ((0, 0) if none is there)."""
    simple = to_simplified(text)
    norm = "".join((unicodedata.normalize("NFKC", ch)[:1] or ch).lower() for ch in simple)
    covered = [False] * len(norm)
    for keyword in question.keywords:
        for match in re.finditer(re.escape(keyword), norm):
            covered[match.start() : match.end()] = [True] * len(keyword)
    best, run_start = (0, 0), 0
    for i, flag in enumerate([*covered, False]):
        if not flag:
            best = max(best, (run_start, i), key=lambda span: span[1] - span[0])
            run_start = i + 1
    return best


def _meets_constraints(
    question: Question, context: str, periods: Sequence[ResolvedPeriod] = ()
) -> bool:
    """Dates and periods named in the question ("2019年", "1-8月") must be in the passage.

    A resolved relative period of the passage counts as a date it names: 今年1-8月 in an
    article dated 2022 (2022-01-01..2022-08-31) lies inside 2022年, so it names 2022年.
    """
    norm = normalize_for_match(context)
    return all(_present(figure, norm) or _dated(figure, periods) for figure in question.constraints)


def _present(figure: Figure, norm: str) -> bool:
    keys = {normalize_for_match(figure.raw), *figure_keys(figure.raw)}
    return any(key in norm for key in keys)


def _dated(figure: Figure, periods: Sequence[ResolvedPeriod]) -> bool:
    """A resolved period lies inside the date the figure names (2022年, 2023年5月)."""
    named = named_periods(normalize_for_match(figure.raw))
    return any(first <= p.date_from and p.date_to <= last for first, last in named for p in periods)


def _pick(ranked: list[Candidate], *, single: bool) -> list[Candidate]:
    best = ranked[0]
    picks = [best]
    if single and len(ranked) > 1:
        runner = ranked[1]
        close = runner.score >= SECOND_SENTENCE_RATIO * best.score
        if close and runner.fits and runner.text != best.text:
            picks.append(runner)
    return picks


def _dedupe(chosen: list[Candidate]) -> list[Candidate]:
    """One entry per sentence; a sentence that answers several parts keeps all their figures."""
    kept: list[Candidate] = []
    for candidate in chosen:
        same = next((k for k in kept if candidate.text in k.text or k.text in candidate.text), None)
        if same is None:
            kept.append(candidate)
            continue
        merged = tuple(dict.fromkeys((*same.figures, *candidate.figures)))
        kept[kept.index(same)] = replace(same, figures=merged)
    return kept


def _clip(text: str, start: int, end: int, weights: dict[str, float]) -> tuple[int, int]:
    """A long sentence shrinks to its best run of clauses (still a verbatim slice)."""
    if end - start <= MAX_SENTENCE_CHARS:
        return start, end
    clauses = _clauses(text, start, end)
    best = max(range(len(clauses)), key=lambda i: coverage(weights, text[slice(*clauses[i])]))
    lo = hi = best
    while True:
        grown = _grow(clauses, lo, hi, text, weights)
        if grown is None:
            break
        lo, hi = grown
    end = clauses[hi][1]
    while end > clauses[lo][0] + 1 and text[end - 1] in "，,；;：:":
        end -= 1
    return clauses[lo][0], end


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Clause spans of a sentence, never cut inside a figure such as "1,028.8亿元"."""
    region = text[start:end]
    inside = forbidden_positions(hard_spans(region))
    cuts = [m.end() for m in _CLAUSE_END.finditer(region) if m.start() not in inside]
    bounds = [0, *(c for c in cuts if c < len(region)), len(region)]
    return [(start + a, start + b) for a, b in itertools.pairwise(bounds) if b > a]


def _grow(
    clauses: list[tuple[int, int]], lo: int, hi: int, text: str, weights: dict[str, float]
) -> tuple[int, int] | None:
    options = [(lo - 1, hi)] if lo > 0 else []
    options += [(lo, hi + 1)] if hi + 1 < len(clauses) else []
    fitting = [o for o in options if clauses[o[1]][1] - clauses[o[0]][0] <= MAX_SENTENCE_CHARS]
    if not fitting:
        return None
    return max(fitting, key=lambda o: coverage(weights, text[clauses[o[0]][0] : clauses[o[1]][1]]))
