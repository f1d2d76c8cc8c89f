"""``python -m bench answer [--dataset rgb|cmrc|all] [--limit-queries N]``: answer quality.

On the cached WenBao index of each dataset (built by ``python -m bench retrieval``, or here):
answer hit rate and mean answer length on answerable questions, citation precision, and the
refusal test of ../shared/eval/README.md: a fixed seeded 1-in-6 subset of questions is asked
with its relevant passages hidden (``SearchFilter.exclude_article_ids``, equivalent to an
index built without them) and must be refused. Some of those answers are still stated by
other passages (RGB repeats questions: rq158 and rq215 both ask the 2023 国考 quota), so the
held-out answers are split into ``held_out_answered_with_gold`` (right, from another passage)
and ``held_out_wrong_answers`` (the dangerous kind). Baselines in the same run, without
WenBao's re-ranking: (a) BM25 retrieval with the same extractive answerer, (b) the top dense
passage pasted as the answer.
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.common import cache_lock, emit, require_eval
from bench.evaldata import answer_hit, load_answers, normalise, percentile, refusal_split
from bench.retrieval import FOLDERS, EvalSet, load_evalset, wenbao_index
from retrieval.chain import Answerer, AskOptions
from retrieval.embeddings import load_embeddings
from retrieval.hybrid import FusionConfig
from retrieval.types import Answer, SearchFilter

_MARKERS = re.compile(r"\[\d+\]")


@dataclass(frozen=True)
class Outcome:
    qid: str
    held_out: bool
    answer: Answer
    seconds: float


def run(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench answer")
    parser.add_argument("--dataset", choices=["rgb", "cmrc", "all"], default="rgb")
    parser.add_argument("--limit-queries", type=int)
    parser.add_argument("--k", type=int, default=6)
    parser.add_argument("--show-misses", type=int, default=0, help="print N misses to stderr")
    args = parser.parse_args(argv)
    names = ["rgb", "cmrc"] if args.dataset == "all" else [args.dataset]
    embeddings = load_embeddings()
    report: dict[str, Any] = {"benchmark": "answer", "k": args.k, "datasets": {}}
    for name in names:
        data = load_evalset(name, require_eval(FOLDERS[name]), args.limit_queries)
        with cache_lock(name):
            report["datasets"][name] = _run_dataset(data, embeddings, args)
    emit(report)


def _run_dataset(data: EvalSet, embeddings: Any, args: argparse.Namespace) -> dict[str, Any]:
    index, _build = wenbao_index(data, embeddings)
    answers = load_answers(data.folder)
    held_out = refusal_split([qid for qid, _ in data.questions])
    systems = {
        "wenbao": Answerer(index),
        "bm25_extractive": Answerer(index, fusion=FusionConfig(method="keyword", rerank_depth=0)),
    }
    result: dict[str, Any] = {"queries": len(data.questions), "held_out": len(held_out)}
    for label, answerer in systems.items():
        outcomes = _ask_all(answerer, data, held_out, args.k)
        result[label] = _score(outcomes, answers, data.name)
        if label == "wenbao" and args.show_misses:
            _show_misses(outcomes, answers, data, args.show_misses)
    result["top_passage_pasted"] = _pasted_baseline(systems["wenbao"], data, answers, args.k)
    index.close()
    return result


def _ask_all(answerer: Answerer, data: EvalSet, held_out: set[str], k: int) -> list[Outcome]:
    outcomes = []
    for qid, question in data.questions:
        hidden = tuple(sorted(data.qrels[qid])) if qid in held_out else ()
        options = AskOptions(
            k=k, mode="extractive", search=SearchFilter(exclude_article_ids=hidden)
        )
        started = time.perf_counter()
        answer = answerer.ask(question, (), options)
        outcomes.append(Outcome(qid, qid in held_out, answer, time.perf_counter() - started))
    return outcomes


def _score(
    outcomes: Sequence[Outcome], answers: dict[str, list[Any]], dataset: str
) -> dict[str, float]:
    answerable = [o for o in outcomes if not o.held_out]
    held = [o for o in outcomes if o.held_out]
    answered = [o for o in answerable if not o.answer.refused]
    hits = [
        o
        for o in answerable
        if not o.answer.refused and answer_hit(_plain(o.answer), answers[o.qid], dataset)
    ]
    lengths = [len(_plain(o.answer)) for o in answered]
    cited = [(o, c) for o in answered for c in o.answer.citations]
    precise = [1 for o, c in cited if _contains_answer(c.quote, answers[o.qid])]
    seconds = [o.seconds * 1000 for o in outcomes]
    held_answered = [o for o in held if not o.answer.refused]
    held_gold = [o for o in held_answered if answer_hit(_plain(o.answer), answers[o.qid], dataset)]
    return {
        "answer_hit_rate": _ratio(len(hits), len(answerable)),
        "mean_answer_chars": round(sum(lengths) / len(lengths), 1) if lengths else 0.0,
        "citation_precision": _ratio(len(precise), len(cited)),
        "refusal_rate_held_out": _ratio(sum(o.answer.refused for o in held), len(held)),
        "held_out_answered_with_gold": _ratio(len(held_gold), len(held)),
        "held_out_wrong_answers": _ratio(len(held_answered) - len(held_gold), len(held)),
        "false_refusal_rate": _ratio(len(answerable) - len(answered), len(answerable)),
        "flagged_answers": _ratio(sum(bool(o.answer.flags) for o in answered), len(answered)),
        "p50_ms": round(percentile(seconds, 50), 1),
        "p95_ms": round(percentile(seconds, 95), 1),
    }


def _pasted_baseline(
    answerer: Answerer, data: EvalSet, answers: dict[str, list[Any]], k: int
) -> dict[str, float]:
    """Baseline (b)-style answer: the whole top dense passage, no re-ranking, no refusal."""
    from retrieval.hybrid import hybrid_search

    dense = FusionConfig(method="dense", rerank_depth=0)
    texts = {
        qid: _top_text(hybrid_search(answerer.index, q, 1, dense)) for qid, q in data.questions
    }
    hits = [answer_hit(texts[qid], answers[qid], data.name) for qid, _ in data.questions]
    return {
        "answer_hit_rate": _ratio(sum(hits), len(hits)),
        "mean_answer_chars": round(sum(len(t) for t in texts.values()) / max(len(texts), 1), 1),
    }


def _top_text(hits: Sequence[Any]) -> str:
    return hits[0].chunk.text if hits else ""


def _show_misses(
    outcomes: Sequence[Outcome], answers: dict[str, list[Any]], data: EvalSet, limit: int
) -> None:
    import sys

    questions = dict(data.questions)
    shown = 0
    for o in outcomes:
        wrong_refusal = o.held_out != o.answer.refused
        miss = not o.held_out and not answer_hit(_plain(o.answer), answers[o.qid], data.name)
        if (wrong_refusal or miss) and shown < limit:
            shown += 1
            tag = "HELD-OUT answered" if o.held_out else ("REFUSED" if o.answer.refused else "MISS")
            said = _plain(o.answer)[:160]
            print(
                f"{tag} {o.qid} {questions[o.qid]} gold={answers[o.qid]} -> {said}", file=sys.stderr
            )


def _plain(answer: Answer) -> str:
    return _MARKERS.sub("", answer.text)


def _contains_answer(quote: str, gold: Sequence[Any]) -> bool:
    text = normalise(quote)
    items = [i for item in gold for i in (item if isinstance(item, list) else [item])]
    return any(normalise(str(i)) in text for i in items)


def _ratio(part: float, whole: float) -> float:
    return round(part / whole, 3) if whole else 0.0
