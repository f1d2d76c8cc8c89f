"""``python -m bench factcheck``: verdict accuracy and speed of fact-check mode (issue 11).

Claims come from ../shared/eval (CMRC and ChronoQA by default, RGB or DRCD on request), over
the questions of one split (``split_of``; tune on ``--split dev``, publish ``--split test``),
a seeded sample of ``--cap`` per dataset: true sentences, the same sentences with their
passages hidden, and false claims made from them (``bench/factclaims.py`` says how, and which
verdicts count as right for each kind). Indexes are the cached ones of ``bench retrieval``.

Systems, on the same claims in the same run:

- ``wenbao``: ``FactChecker.check(claim, search=...)``'s verdict, without an LLM;
- ``baseline``: dense search with each sentence of the claim: ``supported`` when every
  sentence's top passage clears ``RefusalPolicy().min_dense`` (cosine similarity), else
  ``not_found`` (it never says contradicted or misattributed).

Figures per dataset and system:

- ``supported_correct``: share of true claims called ``supported``;
- ``caught``: share of false claims called ``contradicted`` or ``misattributed``, i.e. neither
  ``supported`` nor ``not_found`` (the issue's "caught, not called supported");
  ``called_supported``: share of false claims called ``supported`` (the worst error);
  ``exact``: share of false claims given a verdict counted right for their kind;
- ``not_found_correct``: share of hidden-passage claims called ``not_found``;
- ``macro_f1`` over the four verdicts: a claim's gold verdict is the one it was called when
  that one is counted right for its kind, else its expected verdict; a label neither in the
  gold nor in the calls is left out of the mean; a check that raised counts as wrong;
- ``p50_s``/``p95_s``: wall seconds per claim, warm; ``claims`` per class; ``by_kind``: claims,
  share right and the verdicts given, per kind; ``article``: seconds to check one text of at
  least 3,000 characters made of true sentences (one a line); ``meets_targets``: each of the
  issue's targets.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from tqdm import tqdm

from bench.common import cache_lock, emit, require_eval
from bench.evaldata import load_answers, percentile
from bench.factclaims import FALSE_KINDS, Claim, article_text, build_claims, sample_questions
from bench.retrieval import FOLDERS, EvalSet, index_folder, load_evalset, wenbao_index
from retrieval.errors import WenBaoError
from retrieval.index import Index
from retrieval.text.sentences import split_sentences
from retrieval.types import VERDICT_ORDER, SearchFilter, Verdict

__all__ = ["TARGETS", "Outcome", "macro_f1", "meets_targets", "run", "score"]

Called = Verdict | Literal["error"]
Check = Callable[[str, SearchFilter | None], Called]
DEFAULT_DATASETS = "cmrc,chrono"
DEFAULT_CAP = 200
WARMUP = 2
TARGETS = {"supported": 0.90, "caught": 0.85, "not_found": 0.80, "p95_s": 0.5, "article_s": 10.0}
_CAUGHT = frozenset({"contradicted", "misattributed"})


@dataclass(frozen=True)
class Outcome:
    """What one system called one claim, and how long the check took."""

    claim: Claim
    called: Called
    seconds: float


def run(argv: list[str]) -> None:
    args = _parse(argv)
    command = (
        f"python -m bench factcheck --split {args.split} --cap {args.cap} "
        f"--datasets {','.join(args.datasets)} --seed {args.seed}"
    )
    _note(f"reproduce: {command}")
    folders = {name: require_eval(FOLDERS[name]) for name in args.datasets}
    from retrieval.index.embeddings import load_embeddings

    embeddings = load_embeddings()
    results = {
        name: _run_dataset(load_evalset(name, folder, None), args, embeddings)
        for name, folder in folders.items()
    }
    emit(
        {
            "benchmark": "factcheck",
            "command": command,
            "split": args.split,
            "cpus": os.cpu_count(),
            "targets": TARGETS,
            "datasets": results,
            "load_avg_1m_at_end": round(os.getloadavg()[0], 2),
        }
    )


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench factcheck")
    parser.add_argument("--split", choices=["test", "dev"], default="test")
    parser.add_argument(
        "--cap", type=int, default=DEFAULT_CAP, help="questions per dataset (0: all)"
    )
    parser.add_argument(
        "--datasets",
        default=DEFAULT_DATASETS,
        help=f"comma-separated, of {', '.join(FOLDERS)} (or their folder names)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the question sample")
    args = parser.parse_args(argv)
    if args.cap < 0:
        parser.error("--cap must be 0 (all questions) or more")
    try:
        args.datasets = [_dataset(n.strip()) for n in args.datasets.split(",") if n.strip()]
    except ValueError as exc:
        parser.error(str(exc))
    return args


def _dataset(name: str) -> str:
    """A dataset's key from its key, its folder name or a prefix of it (``chronoqa``)."""
    found = [key for key, folder in FOLDERS.items() if name == key or folder.startswith(name)]
    if len(found) != 1:
        raise ValueError(f"unknown dataset {name!r}: use one of {', '.join(FOLDERS)}")
    return found[0]


def _run_dataset(data: EvalSet, args: argparse.Namespace, embeddings: Any) -> dict[str, Any]:
    answers = load_answers(data.folder)
    qids = sample_questions(data, args.split, args.cap or None, args.seed)
    claims = build_claims(data, answers, qids, args.seed)
    article = article_text(data, answers, args.split, args.seed)
    _note(f"{data.name}: {len(qids)} questions, {len(claims)} claims, article {len(article)} chars")
    result: dict[str, Any] = {"questions": len(qids), "claims": len(claims)}
    with cache_lock(data.name):
        index, build = wenbao_index(data, embeddings)
        try:
            systems, skipped = _systems(index, data.name)
            result["index_build"] = build
            result["systems"] = {
                name: _measure(f"{data.name} {name}", check, claims, article, data)
                for name, check in systems.items()
            }
            result.update({"skipped": skipped} if skipped else {})
        finally:
            index.close()
    return result


def _systems(index: Index, name: str) -> tuple[dict[str, Check], dict[str, str]]:
    """The systems to run, and those skipped with why."""
    systems: dict[str, Check] = {}
    skipped: dict[str, str] = {}
    try:
        from retrieval.check import FactChecker
    except ImportError as exc:
        skipped["wenbao"] = f"retrieval.check is not importable ({type(exc).__name__}: {exc})"
        _note(f"note: skipping wenbao: {skipped['wenbao']}")
    else:
        from retrieval.settings import Settings

        checker = FactChecker(index, Settings(index_dir=index_folder(name, index.embeddings)))
        systems["wenbao"] = lambda text, search: checker.check(text, search=search).verdict
    systems["baseline"] = _baseline(index)
    return systems, skipped


def _baseline(index: Index) -> Check:
    """Dense search per sentence; supported when every top passage clears the refusal floor."""
    from retrieval.answer.refusal import RefusalPolicy

    floor = RefusalPolicy().min_dense

    def check(text: str, search: SearchFilter | None) -> Called:
        for start, end in split_sentences(text, 0, len(text)):
            hits = index.dense_search(text[start:end], 1, search)
            if not hits or hits[0].score < floor:
                return "not_found"
        return "supported"

    return check


def _measure(
    label: str, check: Check, claims: Sequence[Claim], article: str, data: EvalSet
) -> dict[str, Any]:
    """Check every claim (after a warm-up), then the article; the figures of ``score``."""
    for claim in claims[:WARMUP]:
        _called(check, claim.text, None)
    outcomes = []
    for claim in tqdm(claims, desc=label, unit="claim", file=sys.stderr, leave=False):
        hidden = data.article_ids(claim.hidden)
        search = SearchFilter(exclude_article_ids=hidden) if hidden else None
        started = time.perf_counter()
        called = _called(check, claim.text, search)
        outcomes.append(Outcome(claim, called, time.perf_counter() - started))
    figures = score(outcomes)
    started = time.perf_counter()
    _called(check, article, None)
    figures["article"] = {"chars": len(article), "seconds": _round(time.perf_counter() - started)}
    figures["meets_targets"] = meets_targets(figures)
    _note(f"{label}: {_summary(figures)}")
    return figures


def _called(check: Check, text: str, search: SearchFilter | None) -> Called:
    try:
        return check(text, search)
    except WenBaoError as exc:
        _note(f"check failed ({type(exc).__name__}: {exc}) on {text[:40]!r}")
        return "error"


# --- scoring -----------------------------------------------------------------------------------


def score(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """The module docstring's figures for one system's outcomes."""

    def share(kinds: Sequence[str], good: Callable[[Outcome], bool]) -> float:
        chosen = [o for o in outcomes if o.claim.kind in kinds]
        return _ratio(sum(map(good, chosen)), len(chosen))

    seconds = [o.seconds for o in outcomes]
    kinds = Counter(o.claim.kind for o in outcomes)
    return {
        "supported_correct": share(("true",), lambda o: o.called == "supported"),
        "caught": share(FALSE_KINDS, lambda o: o.called in _CAUGHT),
        "called_supported": share(FALSE_KINDS, lambda o: o.called == "supported"),
        "exact": share(FALSE_KINDS, lambda o: o.called in o.claim.accepted),
        "not_found_correct": share(("hidden",), lambda o: o.called == "not_found"),
        "macro_f1": macro_f1(outcomes),
        "p50_s": _round(percentile(seconds, 50)) if seconds else None,
        "p95_s": _round(percentile(seconds, 95)) if seconds else None,
        "claims": {
            "supported": kinds["true"],
            "false": sum(kinds[k] for k in FALSE_KINDS),
            "not_found": kinds["hidden"],
        },
        "by_kind": {kind: _kind_figures(outcomes, kind) for kind in kinds},
    }


def _kind_figures(outcomes: Sequence[Outcome], kind: str) -> dict[str, Any]:
    chosen = [o for o in outcomes if o.claim.kind == kind]
    return {
        "claims": len(chosen),
        "right": _ratio(sum(o.called in o.claim.accepted for o in chosen), len(chosen)),
        "verdicts": dict(Counter(o.called for o in chosen).most_common()),
    }


def macro_f1(outcomes: Sequence[Outcome]) -> float:
    """Mean F1 over the four verdicts (gold as the module docstring defines it)."""
    gold = [o.called if o.called in o.claim.accepted else o.claim.expected for o in outcomes]
    called = [o.called for o in outcomes]
    scores = []
    for label in VERDICT_ORDER:
        tp = sum(g == label and c == label for g, c in zip(gold, called, strict=True))
        wrong = sum((g == label) != (c == label) for g, c in zip(gold, called, strict=True))
        if tp or wrong:
            scores.append(2 * tp / (2 * tp + wrong))
    return round(sum(scores) / len(scores), 3) if scores else 0.0


def meets_targets(figures: dict[str, Any]) -> dict[str, bool]:
    """Each of the issue's targets, met or not (a missing figure is not met)."""
    article = figures.get("article", {}).get("seconds")
    p95 = figures.get("p95_s")
    return {
        "supported": figures["supported_correct"] >= TARGETS["supported"],
        "caught": figures["caught"] >= TARGETS["caught"],
        "not_found": figures["not_found_correct"] >= TARGETS["not_found"],
        "p95_s": p95 is not None and p95 <= TARGETS["p95_s"],
        "article_s": article is not None and article <= TARGETS["article_s"],
    }


def _summary(figures: dict[str, Any]) -> str:
    names = ("supported_correct", "caught", "not_found_correct", "macro_f1", "p95_s")
    return ", ".join(f"{name} {figures[name]}" for name in names)


def _ratio(part: float, whole: float) -> float:
    return round(part / whole, 3) if whole else 0.0


def _round(seconds: float) -> float:
    return round(seconds, 3)


def _note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
