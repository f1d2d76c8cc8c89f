"""The pure parts of ``python -m bench time``: yes/no polarity, the order/same slice, the hit
rule, figures and targets, the split sample; and its registration (no eval data needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

import bench.common
from bench.__main__ import main
from bench.timeqa import (
    Question,
    Row,
    chose,
    figures,
    hit,
    lead,
    meets_targets,
    polarity,
    reference_polarity,
    references,
    run,
    select,
    slice_of,
)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("是的，两场展会都在2021年举办。[1][2]", "yes"),
        ("是。", "yes"),
        ("是同一个月：都在2022年5月。", "yes"),
        ("对，都在同一天。", "yes"),
        ("Yes, both were in 2019.", "yes"),
        ("不是，前者在3月，后者在4月。[1]", "no"),
        ("不是同一年。", "no"),
        ("否。", "no"),
        ("不，两者相隔一年。", "no"),
        ("不在同一个月：一个在6月，一个在7月。", "no"),
        ("No. The first was in March.", "no"),
        ("[1]「不是」，二者相差三天。", "no"),
        # Quotes that merely open with the characters are no answer.
        ("对于新规，市民反应不一。", None),
        ("否则工程将延期到明年。", None),
        ("不少企业在去年上半年扩产。", None),
        ("是否延期仍未确定。", None),
        ("新馆于2020年10月开放。", None),
        ("", None),
    ],
)
def test_polarity_reads_the_answers_leading_yes_or_no(answer: str, expected: str | None) -> None:
    assert polarity(answer) == expected


def test_reference_polarity_only_for_a_bare_yes_or_no() -> None:
    assert reference_polarity(["是的"]) == "yes"
    assert reference_polarity(["是"]) == "yes"
    assert reference_polarity(["不是"]) == "no"
    assert reference_polarity(["否。"]) == "no"
    assert reference_polarity(["不再收取停车费"]) is None
    assert reference_polarity(["未通过"]) is None


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("河口大桥通车和新机场开航，哪个事件发生得更早？", "order"),
        ("以下三件事中哪一个最早发生：甲、乙、丙？", "order"),
        ("图书节开幕与长跑赛举行，哪个先发生？", "order"),
        ("下面这几件事里，最早发生的是哪一件？", "order"),
        ("相比新馆开放，旧馆关闭哪个事件更晚发生？", "order"),
        ("Which came first, the bridge opening or the airport launch?", "order"),
        ("新馆开放和旧馆关闭是在同一个月吗？", "same"),
        ("两场比赛是否在同一年举行？", "same"),
        ("这两件事发生在同一天吗？", "same"),
        ("Did both happen in the same year?", "same"),
        ("去年哪个城市的地铁客流最多？", None),
        ("哪位先生在发布会上发言？", None),
        ("哪个频道播出了今年的晚会？", None),
        ("哪个品牌在早上发布了新品？", None),
        ("联赛今年最早什么时候开赛？", None),
    ],
)
def test_slice_of_finds_order_and_same_period_questions(question: str, expected: str) -> None:
    assert slice_of(question) == expected


def question(qid: str, answers: tuple[str, ...], **kinds: str) -> Question:
    return Question(
        qid=qid,
        text=kinds.get("text", "新馆何时开放？"),
        question_date=kinds.get("date", "2024-03-01"),
        temporal_type=kinds.get("temporal", "absolute"),
        answer_type=kinds.get("answer", "time"),
        answers=answers,
    )


def row(qid: str, answer: str, *, refused: bool = False, seconds: float = 0.5) -> Row:
    return Row("time", qid, answer, refused, seconds, "code")


def test_hit_by_polarity_for_yes_no_references_and_by_span_otherwise() -> None:
    yes = question("a", ("是的",), answer="judgement")
    no = question("b", ("不是",), answer="judgement")
    span = question("c", ("2020年10月",))
    assert hit(row("a", "是的，同在2021年。"), yes)
    assert not hit(row("b", "不是同一年，但都是春季。"), yes)
    assert hit(row("b", "不是同一年，但都是春季。"), no)
    # "不是" contains "是": a span rule would wrongly hit here.
    assert not hit(row("a", "不是。"), yes)
    assert hit(row("c", "新馆于２０２０年１０月开放。"), span)
    assert not hit(row("c", "新馆于2021年开放。"), span)
    assert not hit(row("c", "新馆于2020年10月开放。", refused=True), span)


def test_an_order_answer_is_judged_on_the_event_it_chose_first() -> None:
    order = question(
        "o", ("旧馆关闭。",), answer="entity", text="新馆开放和旧馆关闭，哪个事件发生得更早？"
    )
    chose_right = "「旧馆关闭」更早（2019年3月1日），「新馆开放」在2020年10月8日。"
    chose_wrong = "「新馆开放」更早（2019年3月1日），「旧馆关闭」在2020年10月8日。"
    assert lead(chose_right) == "「旧馆关闭」更早（2019年3月1日）"
    assert hit(row("o", chose_right), order)
    assert not hit(row("o", chose_wrong), order)
    # Elsewhere the whole answer counts.
    plain = question("p", ("旧馆关闭。",), answer="entity", text="去年三月发生了什么？")
    assert hit(row("p", chose_wrong), plain)


def test_an_order_answer_may_word_the_chosen_event_otherwise() -> None:
    answer = "「市长为新桥剪彩」更早（2018年5月2日），「老桥拆除」在2019年6月1日。"
    assert chose(answer, ["新桥由市长剪彩启用"])
    assert not chose(answer, ["老桥被拆除"])
    assert not chose(answer, ["体育馆落成"])  # close to neither
    assert not chose("市长为新桥剪彩更早。", ["新桥由市长剪彩启用"])  # no quoted events
    order = question(
        "o", ("新桥由市长剪彩启用。",), answer="entity", text="老桥拆除和新桥剪彩，哪个先发生？"
    )
    assert hit(row("o", answer), order)


def test_references_also_match_without_trailing_punctuation_or_a_bracketed_note() -> None:
    assert references(["旧馆关闭。"]) == ("旧馆关闭。", "旧馆关闭")
    assert references(["旧馆关闭（2019年3月1日）"]) == ("旧馆关闭（2019年3月1日）", "旧馆关闭")
    assert references(["第（二）期工程"]) == ("第（二）期工程",)
    span = question("s", ("旧馆关闭（2019年3月1日）。",), answer="entity")
    assert hit(row("s", "据报道，旧馆关闭后改建为书店。"), span)


def test_question_date_counts_only_when_iso() -> None:
    assert question("a", ("x",)).as_of == "2024-03-01"
    assert question("a", ("x",), date="2024-3-1").as_of is None
    assert question("a", ("x",), date="").as_of is None


def test_figures_split_by_type_and_slice_and_check_the_targets() -> None:
    questions = {
        "a": question("a", ("2020年",), temporal="absolute"),
        "b": question("b", ("2021年",), temporal="absolute"),
        "c": question("c", ("3月",), temporal="relative", answer="time"),
        "d": question(
            "d", ("是的",), temporal="aggregate", answer="judgement", text="两馆是同一年开放的吗？"
        ),
    }
    rows = [
        row("a", "于2020年开放。", seconds=0.1),
        row("b", "于2022年开放。", seconds=0.2),
        row("c", "", refused=True, seconds=0.3),
        row("d", "是的，同年开放。", seconds=1.0),
    ]
    result = figures(rows, questions)
    assert result["hit_rate"] == 0.5
    assert result["refusal_rate"] == 0.25
    assert result["by_temporal_type"]["absolute"] == {"n": 2, "hit_rate": 0.5, "refusal_rate": 0.0}
    assert result["by_temporal_type"]["relative"]["hit_rate"] == 0.0
    assert result["by_answer_type"]["judgement"]["hit_rate"] == 1.0
    assert result["by_temporal_and_answer_type"]["aggregate/judgement"]["n"] == 1
    assert result["order_same"] == {"n": 1, "hit_rate": 1.0, "refusal_rate": 0.0}
    assert result["same"]["n"] == 1 and result["order"]["n"] == 0
    answered = ("于2020年开放。", "于2022年开放。", "是的，同年开放。")
    assert result["mean_answer_chars"] == round(sum(map(len, answered)) / 3, 1)
    assert result["p95_s"] == pytest.approx(0.895)
    targets = meets_targets(result)
    assert targets["overall_hit"] == {"value": 0.5, "target": 0.6, "met": False}
    assert targets["relative_within_of_absolute"]["value"] == 0.5
    assert not targets["relative_within_of_absolute"]["met"]
    assert targets["order_same_hit"]["met"]


def test_select_takes_a_stable_sample_of_one_split() -> None:
    pool = [question(f"q{n:03d}", ("x",)) for n in range(200)]
    dev = select(pool, "dev", None)
    assert 0 < len(dev) < 200
    sample = select(pool, "dev", 10)
    assert len(sample) == 10 and set(q.qid for q in sample) <= set(q.qid for q in dev)
    assert [q.qid for q in sample] == [q.qid for q in select(pool, "dev", 10)]
    assert len(select(pool, "all", None)) == 200


def test_bench_time_is_registered_and_skips_without_the_eval_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(bench.common, "SHARED_EVAL", tmp_path)
    with pytest.raises(SystemExit) as stopped:
        main(["time", "--cap", "5"])
    assert stopped.value.code == 0
    assert "skipped" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run(["--cap", "0"])
