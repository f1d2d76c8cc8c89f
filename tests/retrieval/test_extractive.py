"""Which sentence answers: datelines, questions asked back, restated headings, names, dates."""

from __future__ import annotations

import pytest

from retrieval.extractive import extract
from retrieval.questions import analyse
from retrieval.types import Chunk, Hit


def hits(*texts: str) -> list[Hit]:
    chunks = [
        Chunk(f"c{i}", f"a{i}", "s.txt", "", "", t, 0, len(t), 0) for i, t in enumerate(texts)
    ]
    return [Hit(chunk, 1.0 - i / 10, i + 1, "hybrid", 0.9) for i, chunk in enumerate(chunks)]


def answer(question: str, *texts: str) -> str:
    extraction = extract(analyse(question), hits(*texts))
    assert extraction.best is not None
    return extraction.best.text


def test_a_wire_dateline_is_not_the_answer_to_when() -> None:
    text = "新华社北京1月25日电（记者赵雪彤）第24届冬奥会将于2022年2月4日开幕。"
    best = answer("冬奥会什么时候开幕?", text)
    assert best.startswith("第24届") and "1月25日" not in best


@pytest.mark.parametrize(
    ("question", "texts", "expected"),
    [
        (
            "2023年春晚吉祥物是什么",
            ["2023年北京卫视春晚吉祥物是什么？", "2023年央视春晚吉祥物是兔圆圆，由设计师创作。"],
            "兔圆圆",
        ),
        (
            "卡塔尔世界杯决赛队伍",
            ["卡塔尔世界杯决赛队伍.", "卡塔尔世界杯决赛由阿根廷队对阵法国队，比赛十分精彩。"],
            "阿根廷",
        ),
        (
            "卡塔尔世界杯冠军是谁",
            ["卡塔尔世界杯冠军是阿根廷。", "卡塔尔世界杯冠军球队的庆祝活动持续了一周。"],
            "阿根廷",
        ),
        (
            "北京冬奥会开幕日期是什么时候",
            ["北京冬奥会开幕式于2月举行。", "北京冬奥会于2022年2月4日开幕。"],
            "2022年2月4日",
        ),
        (
            "首都高校志愿者有多少人",
            ["首都高校志愿者工作有序推进。", "首都高校将有1.4万名师生作为志愿者。"],
            "1.4万名",
        ),
        (
            "2022清明档票房是多少",
            ["2022清明档观影热情不高。", "2022清明档总票房1.20亿，观影人次342万。"],
            "1.20亿",
        ),
        (
            "塞尔维亚总统选举谁赢了",
            ["塞尔维亚总统选举于4月3日举行。", "塞尔维亚总统选举中武契奇赢得连任。"],
            "武契奇",
        ),
    ],
)
def test_the_sentence_that_holds_the_answer_wins(
    question: str, texts: list[str], expected: str
) -> None:
    assert expected in answer(question, *texts)


@pytest.mark.parametrize(
    ("question", "text", "fits"),
    [
        ("外语学院成立于哪一年？", "中南民族大学外语学院成立于1985年。", True),
        ("2022年法网开始时间", "2022年法网吸引了众多观众。", False),
        ("2022年法网开始时间", "2022年法网于5月22日开赛。", True),
    ],
)
def test_a_date_answers_when_it_is_not_the_questions_own(
    question: str, text: str, fits: bool
) -> None:
    extraction = extract(analyse(question), hits(text))
    assert extraction.best is not None and extraction.best.fits is fits
