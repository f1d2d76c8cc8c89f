"""Answerability rows: each eval question asked as it is, with its passages hidden, and with
its subject swapped for another name; what WenBao's answer step saw and would do.

Shared by ``python -m bench calibrate`` (fits the model on dev rows) and ``python -m bench
answer`` (reports on test rows). A row keeps the features, the hard rule that decided (if
any), what the hand-set ``RefusalPolicy`` would do (the baseline) and the extractive answer
that would be given, so any calibration can be scored without asking again. Rows are cached
per embedder, dataset and split under ``bench/cache/probe/``, stamped with a hash of the
``retrieval`` sources: stale rows are reported, and ``--refresh`` asks again.

Variants (labels for the model):
- ``answerable``: the question with every passage in the index (label 1);
- ``held_out``: its relevant passages hidden (``SearchFilter.exclude_article_ids``, the
  README's refusal test; label 0);
- ``swapped``: the first name the question gives (``retrieval.answer.subjects.focus``) replaced by
  another name from the same eval set that its relevant passages never mention (label 0).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bench.common import CACHE, REPO, cache_lock, require_eval
from bench.evaldata import answer_hit, load_answers, split_of
from bench.retrieval import FOLDERS, EvalSet, load_evalset, wenbao_index
from retrieval.answer.chain import Answerer, AskOptions
from retrieval.answer.subjects import Focus, focus, unmentioned
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.text.figures import normalize_for_match
from retrieval.types import SearchFilter

__all__ = ["ENGLISH", "Row", "code_hash", "evalset_for", "probe"]

VARIANTS = ("answerable", "held_out", "swapped")
# English questions: our own translations of CMRC questions (bench/data/README.md).
ENGLISH = {"dev": "cmrc_en_dev.jsonl", "test": "cmrc_en.jsonl"}
_MARKERS = re.compile(r"\[\d+\]")
K = 6


@dataclass(frozen=True)
class Row:
    dataset: str
    split: str
    variant: str
    qid: str
    question: str
    features: dict[str, float]
    rule: str | None
    refused_by_rules: bool
    draft: str
    hit: bool
    seconds: float

    @property
    def label(self) -> int:
        return int(self.variant == "answerable")


def probe(
    dataset: str, split: str, cap: int | None, embeddings: WenBaoEmbeddings, *, refresh: bool
) -> list[Row]:
    """The rows of ``dataset``'s ``split`` (at most ``cap`` questions, a seeded sample)."""
    path = _cache_path(dataset, split, cap, embeddings)
    if path.exists() and not refresh:
        stamp = (
            path.with_suffix(".code").read_text("utf-8")
            if path.with_suffix(".code").exists()
            else ""
        )
        if stamp != code_hash():
            _note(f"{path.name}: rows were asked with other retrieval code; --refresh asks again")
        return [Row(**json.loads(line)) for line in path.read_text("utf-8").splitlines()]
    data = _evalset(dataset, split, cap)
    with cache_lock(_base(data).name):
        index, _build = wenbao_index(_base(data), embeddings)
        try:
            rows = list(_ask(Answerer(index, refusal="rules"), data, split))
        finally:
            index.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = (json.dumps(asdict(r), ensure_ascii=False) for r in rows)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.with_suffix(".code").write_text(code_hash(), encoding="utf-8")
    return rows


def _note(message: str) -> None:
    print(message, file=sys.stderr)


def _ask(answerer: Answerer, data: EvalSet, split: str) -> Iterator[Row]:
    answers = load_answers(data.folder)
    pool = _name_pool(data)
    rng = random.Random(0)
    for qid, question in tqdm(data.questions, desc=f"{data.name} {split}", file=sys.stderr):
        hidden = data.article_ids(data.qrels[qid])
        asks = [("answerable", question, ()), ("held_out", question, hidden)]
        swapped = _swap(question, pool, data, qid, rng)
        if swapped:
            asks.append(("swapped", swapped, ()))
        for variant, text, excluded in asks:
            yield _row(answerer, data, split, (variant, qid, text, excluded), answers[qid])


def _row(
    answerer: Answerer,
    data: EvalSet,
    split: str,
    ask: tuple[str, str, str, tuple[str, ...]],
    gold: list[Any],
) -> Row:
    variant, qid, text, excluded = ask
    options = AskOptions(k=K, mode="extractive", search=SearchFilter(exclude_article_ids=excluded))
    started = time.perf_counter()
    seen = answerer.inspect(text, options)
    seconds = time.perf_counter() - started
    draft = _MARKERS.sub("", seen.draft)
    return Row(
        dataset=data.name,
        split=split,
        variant=variant,
        qid=qid,
        question=text,
        features=seen.features,
        rule=seen.rule,
        refused_by_rules=seen.refused_by_rules,
        draft=draft,
        hit=bool(draft) and answer_hit(draft, gold, data.name),
        seconds=round(seconds, 4),
    )


def _name_pool(data: EvalSet) -> list[tuple[str, tuple[str, ...]]]:
    """Every name the questions give, with its proper-name words."""
    pool: dict[str, tuple[str, ...]] = {}
    for _qid, question in data.questions:
        about = focus(question)
        pool.update(zip(about.names, about.parts, strict=True))
    return sorted(pool.items())


def _swap(
    question: str,
    pool: list[tuple[str, tuple[str, ...]]],
    data: EvalSet,
    qid: str,
    rng: random.Random,
) -> str | None:
    """``question`` with its first name replaced by one its relevant passages never mention
    (by the answerer's own rule), or None when it names nothing."""
    names = focus(question).names
    norm = normalize_for_match(question).lower()
    if not names or names[0] not in norm or not pool:
        return None
    passages = " ".join(data.corpus[p]["title"] + data.corpus[p]["text"] for p in data.qrels[qid])
    for _try in range(20):
        other, parts = rng.choice(pool)
        if other in norm or names[0] in other or other in names[0]:
            continue
        if unmentioned(Focus((other,), (), (parts,)), passages):
            return norm.replace(names[0], other, 1)
    return None


def _evalset(dataset: str, split: str, cap: int | None) -> EvalSet:
    base = "cmrc" if dataset == "cmrc_en" else dataset
    data = load_evalset(base, require_eval(FOLDERS[base]), None)
    if dataset == "cmrc_en":
        english = _english(split)
        questions = [(qid, english[qid]) for qid, _ in data.questions if qid in english]
        return EvalSet("cmrc_en", data.folder, questions, data.qrels, data.corpus)
    chosen = [(qid, q) for qid, q in data.questions if split_of(qid) == split]
    if cap and len(chosen) > cap:
        chosen = sorted(random.Random(0).sample(chosen, cap))
    return EvalSet(data.name, data.folder, chosen, data.qrels, data.corpus)


def _english(split: str) -> dict[str, str]:
    path = REPO / "bench" / "data" / ENGLISH[split]
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return {row["_id"]: row["text"] for row in rows}


def evalset_for(dataset: str) -> EvalSet:
    """The eval set whose cached index ``dataset``'s questions are asked on."""
    base = "cmrc" if dataset == "cmrc_en" else dataset
    return load_evalset(base, require_eval(FOLDERS[base]), None)


def _base(data: EvalSet) -> EvalSet:
    return data if data.name != "cmrc_en" else EvalSet("cmrc", *_rest(data))


def _rest(data: EvalSet) -> tuple[Any, ...]:
    return (data.folder, data.questions, data.qrels, data.corpus)


def _cache_path(dataset: str, split: str, cap: int | None, embeddings: WenBaoEmbeddings) -> Path:
    model = re.sub(r"[^A-Za-z0-9_.-]+", "-", embeddings.model_name.rstrip("/").split("/")[-1])
    return CACHE / "probe" / model / f"{dataset}-{split}-{cap or 'all'}.jsonl"


# Modules that only render or parse the command line: rows do not depend on them.
_NOT_ANSWERING = frozenset({"cli.py", "__main__.py"})


def code_hash() -> str:
    """Rows depend on the answer step's code (every ``retrieval`` module, in every layer,
    but the CLI); a change to it makes cached rows stale."""
    digest = hashlib.sha256()
    root = REPO / "retrieval"
    for path in sorted(root.rglob("*.py")):
        if path.name not in _NOT_ANSWERING:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]
