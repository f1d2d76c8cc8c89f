"""``python -m bench time [--split dev|test|all] [--cap N] [--no-time] [--refresh]``: answers
to time-sensitive news questions (issue 12), with and without the time features.

Over ChronoQA (``../shared/eval/chronoqa_dev``): every passage is one article of the cached
index that ``bench retrieval`` and ``bench answer`` share (``bench/cache/chrono``); the report
says how many of them our ingest gave a publication date, and from which origin. Each question
of the split (``split_of``; a seeded sample of ``--cap``) is asked extractively (no LLM) by two
systems, interleaved question by question in the same run:

- ``time``: ``Answerer.ask(question, options=AskOptions(as_of=question_date, use_time=True))``;
  a ``question_date`` that is not a ``YYYY-MM-DD`` date counts as unknown (``as_of=None``);
- ``no_time``: the same with ``use_time=False`` (every time feature off); ``--no-time`` runs
  only this baseline.

Scoring (``hit``): a refusal never hits. A reference that is a bare yes/no (是的, 不是, 否…) is
compared by polarity: the answer's leading yes/no word (``polarity``; "不是" is a no, never a
"是"). Any other reference hits by ``answer_hit`` (one reference span inside the answer text,
normalised; a reference also counts without its trailing punctuation or bracketed note). An
order question's answer names every event it compares, so there only its ``lead`` clause (the
event it chose) is matched, or, when it quotes each event in 「」, the reference must lie
closest to the first one it quotes (``chose``: the reference may word the event otherwise).

Figures per system: hit rate overall, per ``temporal_type`` (absolute, relative, aggregate),
per ``answer_type``, per pair, and on the ``order_same`` slice (``slice_of``: the question
asks which of several events came first/earlier/later, or whether two happened in the same
year/month/day); refusal rate, mean answer characters (answered questions), p50/p95 wall
seconds per question; and the issue's targets, each with whether it is met.

Answered rows are cached per embedder and system under ``bench/cache/timeqa/``, each stamped
with ``bench.probe.code_hash()`` (the ``retrieval`` sources): a row asked with other code is
asked again, ``--refresh`` asks every question again. Rows hold the answer text, not the score,
so a change to the scoring needs no new asks.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from tqdm import tqdm

from bench.common import CACHE, cache_lock, emit, require_eval
from bench.evaldata import answer_hit, normalise, percentile, split_of
from bench.probe import code_hash
from bench.retrieval import FOLDERS, EvalSet, load_evalset, wenbao_index
from ingest.pipeline import source_key
from retrieval.answer.chain import Answerer, AskOptions
from retrieval.errors import WenBaoError
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings

__all__ = [
    "SYSTEMS",
    "TARGETS",
    "Question",
    "Row",
    "chose",
    "figures",
    "hit",
    "lead",
    "meets_targets",
    "polarity",
    "reference_polarity",
    "references",
    "run",
    "slice_of",
]

System = Literal["time", "no_time"]
Polarity = Literal["yes", "no"]
Slice = Literal["order", "same"]
SYSTEMS: tuple[System, ...] = ("time", "no_time")
TEMPORAL_TYPES = ("absolute", "relative", "aggregate")
ANSWER_TYPES = ("entity", "judgement", "time", "numerical", "other")
TARGETS = {"overall_hit": 0.60, "relative_within_of_absolute": 0.05, "order_same_hit": 0.70}
DATASET = "chrono"
_MARKERS = re.compile(r"\[\d+\]")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_OPENING = re.compile(r"\s*\d{4}年\d{1,2}月\d{1,2}日")

# Polarity: the answer's first word, after markers, spaces and opening quotes. A no is read
# first, so "不是" is never taken for "是"; a bare word (是, 对, 否, 不) needs a break after it
# (punctuation or the end), so 对于…, 否则…, 不少… are not answers. 是/不是 may run on into
# the claim they answer (是同一年, 不是同一个月).
_BREAK = r"(?=$|[^\w])"
_NO = re.compile(rf"(?:不是|不在同|不同一|并非|(?:不对|否|不|没有|no){_BREAK})", re.IGNORECASE)
_YES = re.compile(rf"(?:是的|是在同|是同|在同一|(?:是|对|对的|yes){_BREAK})", re.IGNORECASE)
_LEADING = re.compile(r"^[\s\"'“”‘’「」『』（）()【】\[\]:：,，]+")
_BARE_YES = frozenset({"是", "是的", "对", "对的", "yes"})
_BARE_NO = frozenset({"不是", "否", "不", "不对", "没有", "no"})
_TRAILING = re.compile(r"[。.!！,，\s]+$")
_QUOTED = re.compile(r"「([^「」]+)」")
_CLAUSE_END = re.compile(r"[，,；;。\n]")
_NOTE = re.compile(r"\s*[（(][^（()）]*[）)]$")

# The order/same slice. Order: "which (one) … first/earlier/later" (哪个/哪一个/哪件 … 先/早/
# 晚/在前/在后, or 最早/更早 … 是哪), but not 先生, 早上/早晨/早餐, 晚会/晚上/晚宴/晚报.
# Same: 同一(个)年/月/日/天/年份/月份, or English "same year/month/day".
_EARLY_LATE = r"(?:先(?!生)|早(?![上晨餐])|晚(?![会上宴报餐间])|在前|在后)"
_ORDER = re.compile(
    rf"哪(?:个|一个|一|件|些)[^？?]{{0,40}}?{_EARLY_LATE}"
    r"|(?:最早|最晚|更早|更晚|最先)[^？?]{0,12}?哪"
    r"|\b(?:which|what)\b.{0,80}\b(?:first|earlier|earliest|later|latest)\b",
    re.IGNORECASE,
)
_SAME = re.compile(r"同一个?(?:年份|月份|年|月|天|日)|\bsame (?:year|month|day)\b", re.IGNORECASE)


def polarity(answer: str) -> Polarity | None:
    """The yes/no an answer opens with, or None (a quote, a refusal, anything else)."""
    text = _LEADING.sub("", unicodedata.normalize("NFKC", _MARKERS.sub("", answer)))
    if _NO.match(text):
        return "no"
    if _YES.match(text):
        return "yes"
    return None


def reference_polarity(answers: Sequence[str]) -> Polarity | None:
    """``yes``/``no`` when a reference answer is a bare yes/no word (是的, 不是, 否…), else None."""
    for answer in answers:
        word = _TRAILING.sub("", unicodedata.normalize("NFKC", answer).strip()).lower()
        if word in _BARE_YES:
            return "yes"
        if word in _BARE_NO:
            return "no"
    return None


def slice_of(question: str) -> Slice | None:
    """``order`` (which came first/earlier/later), ``same`` (same year/month/day?) or None."""
    if _ORDER.search(question):
        return "order"
    if _SAME.search(question):
        return "same"
    return None


@dataclass(frozen=True)
class Question:
    qid: str
    text: str
    question_date: str
    temporal_type: str
    answer_type: str
    answers: tuple[str, ...]

    @property
    def as_of(self) -> str | None:
        """The ``question_date`` when it is an ISO date, else None (unknown)."""
        return self.question_date if _ISO.fullmatch(self.question_date) else None


@dataclass(frozen=True)
class Row:
    """One question asked by one system: the answer text without ``[n]`` markers."""

    system: str
    qid: str
    answer: str
    refused: bool
    seconds: float
    code: str
    error: str | None = None


def hit(row: Row, question: Question) -> bool:
    """Does the row answer ``question``? (module docstring: polarity or reference span)."""
    if row.refused or row.error is not None:
        return False
    wanted = reference_polarity(question.answers)
    if wanted is not None:
        return polarity(row.answer) == wanted
    if slice_of(question.text) == "order":
        spans = references(question.answers)
        return answer_hit(lead(row.answer), spans, DATASET) or chose(row.answer, spans)
    return answer_hit(row.answer, references(question.answers), DATASET)


def chose(answer: str, spans: Sequence[str]) -> bool:
    """For an answer that quotes each event it compares in 「」, the one it chose first: is a
    reference span closer to that event than to every other (character-pair overlap)? The
    question and the reference often word one event differently (市长会见来访代表团 /
    代表团与市长会见)."""
    events = _QUOTED.findall(answer)
    if len(events) < 2:
        return False
    for span in spans:
        scores = [_overlap(span, event) for event in events]
        best = max(scores)
        if best > 0 and scores[0] == best and scores.count(best) == 1:
            return True
    return False


def _overlap(a: str, b: str) -> float:
    """Dice coefficient of the two texts' character pairs, normalised."""
    pairs_a, pairs_b = _pairs_of(normalise(a)), _pairs_of(normalise(b))
    total = len(pairs_a) + len(pairs_b)
    return 2 * len(pairs_a & pairs_b) / total if total else 0.0


def _pairs_of(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def lead(answer: str) -> str:
    """An answer's first clause (up to the first comma, semicolon, full stop or line): the
    event an order answer chose, before the others it goes on to date."""
    return _CLAUSE_END.split(answer.strip(), maxsplit=1)[0]


def references(answers: Sequence[str]) -> tuple[str, ...]:
    """The reference spans for matching: each as given, without trailing punctuation, and
    without a trailing bracketed note (``X（2019年11月1日）`` also matches ``X``)."""
    found: dict[str, None] = {}
    for answer in answers:
        bare = _TRAILING.sub("", answer.strip())
        found.update(dict.fromkeys(a for a in (answer, bare, _NOTE.sub("", bare)) if a))
    return tuple(found)


# --- figures ----------------------------------------------------------------------------------


def figures(rows: Sequence[Row], questions: dict[str, Question]) -> dict[str, Any]:
    """One system's figures over its rows (module docstring)."""
    scored = [(row, questions[row.qid]) for row in rows]
    answered = [row for row in rows if not row.refused and row.error is None]
    seconds = [row.seconds for row in rows if row.error is None]
    return {
        "questions": len(rows),
        "hit_rate": _rate(scored),
        "refusal_rate": _ratio(sum(row.refused for row in rows), len(rows)),
        "errors": sum(row.error is not None for row in rows),
        "mean_answer_chars": _mean([len(row.answer) for row in answered]),
        "p50_s": round(percentile(seconds, 50), 3) if seconds else None,
        "p95_s": round(percentile(seconds, 95), 3) if seconds else None,
        "by_temporal_type": _by(scored, lambda q: q.temporal_type, TEMPORAL_TYPES),
        "by_answer_type": _by(scored, lambda q: q.answer_type, ANSWER_TYPES),
        "by_temporal_and_answer_type": _by(
            scored, lambda q: f"{q.temporal_type}/{q.answer_type}", _pairs(questions.values())
        ),
        "order_same": _slice(scored, lambda q: slice_of(q.text) is not None),
        "order": _slice(scored, lambda q: slice_of(q.text) == "order"),
        "same": _slice(scored, lambda q: slice_of(q.text) == "same"),
    }


def meets_targets(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The issue's targets on one system's figures: the value, the target, met or not."""
    absolute = result["by_temporal_type"].get("absolute", {}).get("hit_rate")
    relative = result["by_temporal_type"].get("relative", {}).get("hit_rate")
    gap = round(absolute - relative, 3) if absolute is not None and relative is not None else None
    checks = {
        "overall_hit": (result["hit_rate"], lambda v: v >= TARGETS["overall_hit"]),
        "relative_within_of_absolute": (
            gap,
            lambda v: v <= TARGETS["relative_within_of_absolute"],
        ),
        "order_same_hit": (
            result["order_same"]["hit_rate"],
            lambda v: v >= TARGETS["order_same_hit"],
        ),
    }
    return {
        name: {"value": value, "target": TARGETS[name], "met": value is not None and test(value)}
        for name, (value, test) in checks.items()
    }


def _rate(scored: Sequence[tuple[Row, Question]]) -> float | None:
    return _ratio(sum(hit(row, q) for row, q in scored), len(scored)) if scored else None


def _by(
    scored: Sequence[tuple[Row, Question]], key: Callable[[Question], str], order: Iterable[str]
) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[tuple[Row, Question]]] = {}
    for row, question in scored:
        groups.setdefault(key(question), []).append((row, question))
    known = [name for name in order if name in groups]
    names = known + sorted(set(groups) - set(known))
    return {name: _group(groups[name]) for name in names}


def _slice(
    scored: Sequence[tuple[Row, Question]], keep: Callable[[Question], bool]
) -> dict[str, Any]:
    return _group([(row, q) for row, q in scored if keep(q)])


def _group(scored: Sequence[tuple[Row, Question]]) -> dict[str, Any]:
    refused = sum(row.refused for row, _ in scored)
    return {
        "n": len(scored),
        "hit_rate": _rate(scored),
        "refusal_rate": _ratio(refused, len(scored)),
    }


def _pairs(questions: Iterable[Question]) -> list[str]:
    present = {(q.temporal_type, q.answer_type) for q in questions}
    return [f"{t}/{a}" for t in TEMPORAL_TYPES for a in ANSWER_TYPES if (t, a) in present]


def _ratio(part: float, whole: float) -> float:
    return round(part / whole, 3) if whole else 0.0


def _mean(values: Sequence[int]) -> float:
    return round(sum(values) / len(values), 1) if values else 0.0


# --- the run ----------------------------------------------------------------------------------


def run(argv: list[str]) -> None:
    args = _parse(argv)
    folder = require_eval(FOLDERS[DATASET])
    questions = select(load_questions(folder), args.split, args.cap)
    systems: tuple[System, ...] = ("no_time",) if args.no_time else SYSTEMS
    code = code_hash()
    from retrieval.index.embeddings import load_embeddings

    embeddings = load_embeddings()
    data = load_evalset(DATASET, folder, None)
    with cache_lock(data.name):
        index, build = wenbao_index(data, embeddings)
        try:
            dates = article_dates(index, data)
            rows, counts = _rows(index, questions, systems, (embeddings, code), args.refresh)
        finally:
            index.close()
    by_qid = {q.qid: q for q in questions}
    results = {name: figures(rows[name], by_qid) for name in systems}
    emit(
        {
            "benchmark": "time",
            "split": args.split,
            "cap": args.cap,
            "questions": len(questions),
            "question_dates": Counter("iso" if q.as_of else "unknown" for q in questions),
            "code": code,
            "cpus": os.cpu_count(),
            "index": {"build": build, **dates},
            "rows": counts,
            "systems": results,
            "targets": {name: meets_targets(result) for name, result in results.items()},
            "load_avg_1m_at_end": round(os.getloadavg()[0], 2),
        }
    )


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench time")
    parser.add_argument("--split", choices=["dev", "test", "all"], default="dev")
    parser.add_argument("--cap", type=int, help="a seeded sample of N questions of the split")
    parser.add_argument("--no-time", action="store_true", help="only the no-time baseline")
    parser.add_argument("--refresh", action="store_true", help="ask again, ignore cached rows")
    args = parser.parse_args(argv)
    if args.cap is not None and args.cap < 1:
        parser.error("--cap must be a positive number of questions")
    return args


def load_questions(folder: Path) -> list[Question]:
    """ChronoQA's questions with their date, types and reference answers, in file order."""
    answers = {row["_id"]: row for row in _jsonl(folder / "answers.jsonl")}
    return [
        Question(
            qid=row["_id"],
            text=row["text"],
            question_date=str(row.get("question_date") or ""),
            temporal_type=str(answers[row["_id"]].get("temporal_type") or "unknown"),
            answer_type=str(answers[row["_id"]].get("answer_type") or "unknown"),
            answers=tuple(str(a) for a in answers[row["_id"]]["answers"]),
        )
        for row in _jsonl(folder / "queries.jsonl")
        if row["_id"] in answers
    ]


def select(questions: Sequence[Question], split: str, cap: int | None) -> list[Question]:
    """The split's questions (``all``: every one), a seeded sample of ``cap`` in file order."""
    chosen = [q for q in questions if split == "all" or split_of(q.qid) == split]
    if cap is not None and len(chosen) > cap:
        keep = set(random.Random(0).sample([q.qid for q in chosen], cap))
        chosen = [q for q in chosen if q.qid in keep]
    return chosen


def article_dates(index: Index, data: EvalSet) -> dict[str, Any]:
    """How many passages got a publication date at ingest, by origin; and how many open
    with a full date (``2023年6月18日，…``), for comparison."""
    dates = index.article_dates(source_key(data.corpus_file))
    openings = sum(bool(_DATE_OPENING.match(p["text"])) for p in data.corpus.values())
    dated = [d for d in dates if d.date]
    return {
        "articles": len(dates),
        "dated": len(dated),
        "by_origin": dict(Counter(str(d.date_origin) for d in dated).most_common()),
        "year_only": sum(len(d.date or "") == 4 for d in dated),
        "passages_opening_with_a_date": openings,
    }


def _rows(
    index: Index,
    questions: Sequence[Question],
    systems: Sequence[System],
    asker: tuple[WenBaoEmbeddings, str],
    refresh: bool,
) -> tuple[dict[System, list[Row]], dict[str, int]]:
    """Every system's row for every question: cached rows of this code, the rest asked."""
    embeddings, code = asker
    paths = {name: _cache_path(name, embeddings) for name in systems}
    cached = {name: _load(paths[name]) for name in systems}
    fresh = {name: {} if refresh else _current(cached[name], code) for name in systems}
    missing = [q for q in questions if any(q.qid not in fresh[name] for name in systems)]
    if missing:
        answerer = Answerer(index)
        _warm(answerer, missing[0], systems)
        for n, question in enumerate(tqdm(missing, desc="chrono time", file=sys.stderr), 1):
            for name in systems:
                fresh[name][question.qid] = _ask(answerer, question, name, code)
            if n % 25 == 0 or n == len(missing):
                for name in systems:
                    _save(paths[name], {**cached[name], **fresh[name]})
    rows = {name: [fresh[name][q.qid] for q in questions] for name in systems}
    counts = {"asked": len(missing), "reused": len(questions) - len(missing)}
    return rows, counts


def _warm(answerer: Answerer, question: Question, systems: Sequence[System]) -> None:
    """One untimed ask per system, so model loading is not counted as a question's time."""
    for name in systems:
        _ask(answerer, question, name, "")


def _ask(answerer: Answerer, question: Question, system: System, code: str) -> Row:
    options = AskOptions(mode="extractive", as_of=question.as_of, use_time=system == "time")
    started = time.perf_counter()
    try:
        answer = answerer.ask(question.text, options=options)
    except WenBaoError as exc:
        seconds = time.perf_counter() - started
        return Row(system, question.qid, "", False, round(seconds, 4), code, str(exc))
    seconds = time.perf_counter() - started
    text = _MARKERS.sub("", answer.text).strip()
    return Row(system, question.qid, text, answer.refused, round(seconds, 4), code)


def _cache_path(system: str, embeddings: WenBaoEmbeddings) -> Path:
    model = re.sub(r"[^A-Za-z0-9_.-]+", "-", embeddings.model_name.rstrip("/").split("/")[-1])
    return CACHE / "timeqa" / model / f"{DATASET}-{system}.jsonl"


def _load(path: Path) -> dict[str, Row]:
    if not path.exists():
        return {}
    rows = (Row(**json.loads(line)) for line in path.read_text("utf-8").splitlines() if line)
    return {row.qid: row for row in rows}


def _current(rows: dict[str, Row], code: str) -> dict[str, Row]:
    stale = sum(row.code != code for row in rows.values())
    if stale:
        _note(f"{stale} cached rows were asked with other retrieval code: not reused")
    return {qid: row for qid, row in rows.items() if row.code == code}


def _save(path: Path, rows: dict[str, Row]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = (json.dumps(asdict(row), ensure_ascii=False) for row in rows.values())
    temporary = path.with_suffix(".tmp")
    temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    temporary.replace(path)


def _jsonl(path: Path) -> Iterable[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        yield from (json.loads(line) for line in lines if line.strip())


def _note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
