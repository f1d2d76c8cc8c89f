"""Claims and scores of ``python -m bench factcheck``, on our own sentences and a tiny corpus."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bench.evaldata import normalise, split_of
from bench.factcheck import Outcome, _baseline, _parse, macro_f1, meets_targets, score
from bench.factclaims import (
    Claim,
    build_claims,
    false_claims,
    move_year,
    sample_questions,
    scale_error,
    shift_digit,
    swap_figure,
    swap_subject,
    true_spans,
)
from bench.retrieval import EvalSet
from retrieval.index import Index
from retrieval.text.figures import figure_key, find_figures
from retrieval.text.sentences import split_sentences
from retrieval.types import SearchFilter, Verdict

PASSAGE = (
    "甲市2023年地区生产总值达到1200亿元，同比增长5.2%。"
    "该市全年新签约项目317个，其中工业项目总投资达到860亿元。"
    "市长张伟表示，北京和上海的企业在该市投资最多。"
)
FIRST = "甲市2023年地区生产总值达到1200亿元，同比增长5.2%。"


def rng() -> random.Random:
    return random.Random("test")


# --- true sentences --------------------------------------------------------------------------


def test_true_sentences_hold_a_gold_answer_and_a_figure() -> None:
    spans = true_spans(PASSAGE, ["1200亿元"])
    assert [PASSAGE[a:b] for a, b in spans] == [FIRST]
    # The sentence holding 张伟 has no figure; a judgement answer matches nothing.
    assert true_spans(PASSAGE, ["张伟"]) == []
    assert true_spans(PASSAGE, ["是"]) == []
    # Full-width digits in the gold answer still match.
    assert len(true_spans(PASSAGE, ["３１７个"])) == 1


# --- the five false claims ---------------------------------------------------------------------


def test_a_scale_error_swaps_yi_and_wan_first() -> None:
    sentence = "项目合同投资额3141.9亿元，带动就业3千人。"
    assert scale_error(sentence, find_figures(sentence)) == (
        "项目合同投资额3141.9万元，带动就业3千人。"
    )
    sentence = "全年接待游客250万人次。"
    assert scale_error(sentence, find_figures(sentence)) == "全年接待游客250亿人次。"
    sentence = "约有3千人参加。"
    assert scale_error(sentence, find_figures(sentence)) == "约有3万人参加。"
    sentence = "共有317个项目。"
    assert scale_error(sentence, find_figures(sentence)) is None


def test_a_shifted_digit_changes_the_value_not_the_kind() -> None:
    sentence = "同比增长5.2%。"
    changed = {shift_digit(sentence, find_figures(sentence), random.Random(n)) for n in range(30)}
    assert changed == {"同比增长6.2%。", "同比增长5.3%。", "同比增长0.52%。", "同比增长52%。"}
    sentence = "共有9个。"
    assert shift_digit(sentence, find_figures(sentence), rng()) is None  # 9 + 1 is no digit


def test_bare_numbers_change_only_when_they_are_quantities() -> None:
    sentence = "他身穿23号球衣。"  # a number that names something
    assert shift_digit(sentence, find_figures(sentence), rng()) is None
    sentence = "粉丝达2540万。"
    assert scale_error(sentence, find_figures(sentence)) == "粉丝达2540亿。"
    assert shift_digit(sentence, find_figures(sentence), rng()) not in {None, sentence}


def test_a_year_moves_by_one() -> None:
    sentence = "2023年8月5日，新园区开工。"
    moved = move_year(sentence, find_figures(sentence), rng())
    assert moved in {"2022年8月5日，新园区开工。", "2024年8月5日，新园区开工。"}
    sentence = "新园区占地300亩。"
    assert move_year(sentence, find_figures(sentence), rng()) is None


def test_a_swapped_figure_comes_from_the_same_passage_with_the_same_unit() -> None:
    sentence = "该市全年新签约项目317个，其中工业项目总投资达到860亿元。"
    swapped = swap_figure(sentence, find_figures(sentence), PASSAGE, rng())
    assert swapped == "该市全年新签约项目317个，其中工业项目总投资达到1200亿元。"
    alone = "新园区占地300亩。"
    assert swap_figure(alone, find_figures(alone), PASSAGE, rng()) is None


def test_a_swapped_subject_is_another_name_of_the_same_group_in_the_passage() -> None:
    passage = "北京的企业去年投资最多。上海的企业今年投资增长了20%。"
    sentence = "北京的企业去年投资最多，达到50亿元。"
    assert swap_subject(sentence, passage, rng()) == "上海的企业去年投资最多，达到50亿元。"
    assert swap_subject("企业去年投资最多，达到50亿元。", passage, rng()) is None
    # 外国 names no place: it is never a subject to swap.
    assert swap_subject("外国企业去年投资最多，达到50亿元。", passage, rng()) is None


def test_a_bare_number_that_names_something_is_not_swapped() -> None:
    passage = "他效力于猛龙1860队。他的球衣号码为23。"
    sentence = "他效力于猛龙1860队。"
    assert swap_figure(sentence, find_figures(sentence), passage, rng()) is None


def test_false_claims_differ_from_every_passage_sentence_and_carry_their_verdicts() -> None:
    claims = false_claims(FIRST, PASSAGE, ["1200亿元"], rng())
    kinds = {c.kind: c for c in claims}
    assert set(kinds) == {"figure_swap", "scale", "digit", "year"}
    seen = {normalise(PASSAGE[a:b]) for a, b in split_sentences(PASSAGE, 0, len(PASSAGE))}
    assert all(normalise(c.text) not in seen for c in claims)
    # The gold answer's figure is the one changed.
    assert "1200亿元" not in kinds["scale"].text and "1200万元" in kinds["scale"].text
    assert kinds["scale"].expected == "contradicted"
    assert kinds["scale"].accepted == {"contradicted"}
    assert kinds["figure_swap"].expected == "misattributed"
    assert kinds["figure_swap"].accepted == {"contradicted", "misattributed"}
    assert kinds["year"].accepted == {"contradicted", "misattributed"}


def test_a_false_claim_equal_to_another_passage_sentence_is_dropped() -> None:
    passage = "今年A项目投资10亿元。今年A项目投资10万元。"
    sentence = "今年A项目投资10亿元。"
    kinds = {c.kind for c in false_claims(sentence, passage, ["10亿元"], rng())}
    assert "scale" not in kinds and "digit" in kinds


# --- claims of an eval set ---------------------------------------------------------------------


def tiny_set(tmp_path: Path) -> EvalSet:
    corpus = {
        "p1": {"title": "", "text": PASSAGE},
        "p2": {"title": "转载", "text": "据报道，" + FIRST},
        "p3": {"title": "", "text": "乙县2022年粮食产量达到35万吨。"},
    }
    qrels = {"q1": {"p1"}, "q2": {"p3"}}
    questions = [("q1", "甲市2023年GDP多少？"), ("q2", "乙县2022年粮食产量多少？")]
    return EvalSet("tiny", tmp_path, questions, qrels, corpus)


def test_build_claims_hides_every_passage_holding_the_sentence(tmp_path: Path) -> None:
    data = tiny_set(tmp_path)
    answers = {"q1": ["1200亿元"], "q2": ["35万吨"]}
    claims = build_claims(data, answers, ["q1", "q2"], seed=0)
    hidden = {c.text: c.hidden for c in claims if c.kind == "hidden"}
    assert hidden[FIRST] == ("p1", "p2")
    assert hidden["乙县2022年粮食产量达到35万吨。"] == ("p3",)
    true = [c for c in claims if c.kind == "true"]
    assert [c.passage_id for c in true] == ["p1", "p3"]
    assert all(c.qid for c in claims)
    # Same seed, other question order: the same claims.
    again = build_claims(data, answers, ["q2", "q1"], seed=0)
    assert sorted(map(repr, again)) == sorted(map(repr, claims))


def test_questions_are_sampled_within_their_split() -> None:
    ids = [f"q{n}" for n in range(60)]
    data = EvalSet("tiny", Path("."), [(q, "问题") for q in ids], {}, {})
    dev = sample_questions(data, "dev", 5, seed=0)
    assert len(dev) == 5 and all(split_of(q) == "dev" for q in dev)
    assert dev == sample_questions(data, "dev", 5, seed=0)
    assert len(sample_questions(data, "test", None, seed=0)) == sum(
        split_of(q) == "test" for q in ids
    )


# --- scores ------------------------------------------------------------------------------------


def outcome(kind: str, called: str, expected: Verdict, accepted: set[str]) -> Outcome:
    claim = Claim(kind, "句子", expected, frozenset(accepted))  # type: ignore[arg-type]
    return Outcome(claim, called, 0.1)  # type: ignore[arg-type]


def test_scores_count_caught_when_neither_supported_nor_not_found() -> None:
    both = {"contradicted", "misattributed"}
    outcomes = [
        outcome("true", "supported", "supported", {"supported"}),
        outcome("true", "contradicted", "supported", {"supported"}),
        outcome("scale", "misattributed", "contradicted", {"contradicted"}),
        outcome("figure_swap", "contradicted", "misattributed", both),
        outcome("digit", "supported", "contradicted", {"contradicted"}),
        outcome("subject", "not_found", "misattributed", both),
        outcome("hidden", "not_found", "not_found", {"not_found"}),
        outcome("hidden", "error", "not_found", {"not_found"}),
    ]
    figures = score(outcomes)
    assert figures["supported_correct"] == 0.5
    assert figures["caught"] == 0.5
    assert figures["called_supported"] == 0.25
    assert figures["exact"] == 0.25
    assert figures["not_found_correct"] == 0.5
    assert figures["claims"] == {"supported": 2, "false": 4, "not_found": 2}
    assert figures["by_kind"]["figure_swap"] == {
        "claims": 1,
        "right": 1.0,
        "verdicts": {"contradicted": 1},
    }
    figures["article"] = {"chars": 3000, "seconds": 12.0}
    assert meets_targets(figures) == {
        "supported": False,
        "caught": False,
        "not_found": False,
        "p95_s": True,
        "article_s": False,
    }


def test_macro_f1_credits_an_accepted_verdict_as_gold() -> None:
    both = {"contradicted", "misattributed"}
    perfect = [
        outcome("true", "supported", "supported", {"supported"}),
        outcome("figure_swap", "contradicted", "misattributed", both),
        outcome("subject", "misattributed", "misattributed", both),
        outcome("hidden", "not_found", "not_found", {"not_found"}),
    ]
    assert macro_f1(perfect) == 1.0
    # Calling everything supported: F1 0.4 on supported (1 right, 3 wrong), 0 on
    # misattributed and not_found; contradicted is neither gold nor called, so left out.
    lazy = [
        outcome(o.claim.kind, "supported", o.claim.expected, set(o.claim.accepted)) for o in perfect
    ]
    assert macro_f1(lazy) == round(0.4 / 3, 3)


def test_dataset_names_accept_folder_names() -> None:
    assert _parse(["--datasets", "chronoqa,cmrc2018_dev"]).datasets == ["chrono", "cmrc"]
    with pytest.raises(SystemExit):
        _parse(["--datasets", "nosuch"])


# --- the baseline on a real index ---------------------------------------------------------------


def test_the_baseline_supports_a_sentence_of_the_page_and_not_a_hidden_one(
    sample_index: Index,
) -> None:
    check = _baseline(sample_index)
    sentence = "该项目总投资约105亿元,分为两期进行。"
    assert check(sentence, None) == "supported"
    assert check(sentence, SearchFilter(sources=("no-such-source",))) == "not_found"


def test_figures_used_by_the_tests_parse_as_expected() -> None:
    keys = [figure_key(f) for f in find_figures(FIRST)]
    assert keys == ["2023年", "120000000000元", "5.2%"]
