"""Time-order questions: timelines, "which came first", "the same year?", and their events."""

from __future__ import annotations

import pytest

from retrieval.answer.temporal import temporal_ask

PORT, BRIDGE, TUNNEL = "河湾码头开港", "南岸大桥合龙", "北港隧道开工"


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("河湾新城的时间线", "河湾新城"),
        ("河湾新城今年有哪些签约项目？按时间排列", "河湾新城今年有哪些签约项目"),
        ("请按时间顺序列出河湾新城的建设进展", "河湾新城的建设进展"),
        ("河湾新城大事记", "河湾新城"),
        ("Give me a timeline of the harbour district", "the harbour district"),
    ],
)
def test_timeline_questions(question: str, subject: str) -> None:
    found = temporal_ask(question)
    assert found is not None and found.kind == "timeline"
    assert found.subject == subject


@pytest.mark.parametrize(
    ("question", "events", "direction"),
    [
        (f"{PORT}和{BRIDGE}哪个先发生？", (PORT, BRIDGE), "first"),
        (f"关于{PORT}与{BRIDGE}，这两件事谁发生得早一些？", (PORT, BRIDGE), "first"),
        (f"以下事件中哪个最早：{PORT}、{BRIDGE}还是{TUNNEL}？", (PORT, BRIDGE, TUNNEL), "first"),
        (f"在{PORT}、{BRIDGE}和{TUNNEL}中，哪个事件发生得最晚？", (PORT, BRIDGE, TUNNEL), "last"),
        (f"相比{PORT}，{BRIDGE}哪个事件更晚发生？", (PORT, BRIDGE), "last"),
        (
            f"{PORT}、{BRIDGE}、{TUNNEL}，这三个事件中最早发生的是哪个？",
            (PORT, BRIDGE, TUNNEL),
            "first",
        ),
        (f"“{PORT}”和‘{BRIDGE}’哪个更早？", (PORT, BRIDGE), "first"),
        ("工业和信息化部发文和南岸大桥合龙哪个更晚？", ("工业和信息化部发文", BRIDGE), "last"),
        ("河湾码頭開港和南岸大橋合龍哪個先發生？", ("河湾码頭開港", "南岸大橋合龍"), "first"),
        # names sharing one predicate: each name is given the predicate
        (
            "青禾区和白鹭镇哪个先完成棚户区改造？",
            ("青禾区完成棚户区改造", "白鹭镇完成棚户区改造"),
            "first",
        ),
        (
            "云溪茶厂與竹橋藤編谁更晚获得出口资质？",
            ("云溪茶厂获得出口资质", "竹橋藤編获得出口资质"),
            "last",
        ),
    ],
)
def test_order_questions_and_their_events(
    question: str, events: tuple[str, ...], direction: str
) -> None:
    found = temporal_ask(question)
    assert found is not None and found.kind == "order"
    assert (found.events, found.direction, found.yes_no) == (events, direction, False)


@pytest.mark.parametrize(
    ("question", "direction"),
    [
        (f"{PORT}在{BRIDGE}之前吗？", "first"),
        (f"{PORT}是在{BRIDGE}之后发生的吗？", "last"),
        (f"{PORT}比{BRIDGE}早吗？", "first"),
        (f"{PORT}是否早于{BRIDGE}？", "first"),
    ],
)
def test_yes_no_order_questions(question: str, direction: str) -> None:
    found = temporal_ask(question)
    assert found is not None and found.kind == "order" and found.yes_no
    assert (found.events, found.direction) == ((PORT, BRIDGE), direction)


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        (f"{PORT}和{BRIDGE}是同一年吗？", "year"),
        (f"{PORT}与{BRIDGE}是否在同一个月发生？", "month"),
        (f"{PORT}和{BRIDGE}是发生在同一天吗", "day"),
        (f"{PORT}的日期和{BRIDGE}的日期是在同一周吗？", "week"),
        (f"{PORT}和{BRIDGE}是同一年份发生的吗？", "year"),
        ("河湾码頭開港和南岸大橋合龍是同一個月嗎？", "month"),
    ],
)
def test_same_time_questions(question: str, unit: str) -> None:
    found = temporal_ask(question)
    assert found is not None and found.kind == "same" and found.unit == unit
    assert len(found.events) == 2
    assert all(e and e[-1] not in "的？吗" for e in found.events)


def test_joiners_inside_a_name_or_a_reciprocal_phrase_do_not_split() -> None:
    found = temporal_ask("南港区的启用与河湾大学与北岸研究所合作研制芯片是同一年发生的吗？")
    assert found is not None
    assert found.events == ("南港区的启用", "河湾大学与北岸研究所合作研制芯片")
    found = temporal_ask("2019年，河湾码头开港、南岸大桥合龙和北港隧道开工哪个最早发生？")
    assert found is not None and found.events == (PORT, BRIDGE, TUNNEL)  # 2019年 is context


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Which came first, the harbour opening or the bridge closure?", "order"),
        ("Did the harbour opening happen before the bridge closure?", "order"),
        ("Did the harbour opening and the bridge closure happen in the same year?", "same"),
        ("What happened first, the harbour opening or the bridge closure?", "order"),
    ],
)
def test_english_questions(question: str, kind: str) -> None:
    """Order, before and same-period forms, "which" and "what happened" alike."""
    found = temporal_ask(question)
    assert found is not None and found.kind == kind and found.english
    assert found.events[-1] == "the bridge closure"


@pytest.mark.parametrize(
    "question",
    [
        "河湾码头哪一年开港？",
        "哪家公司最早入驻河湾新城？",
        "河湾新城今年GDP增长多少？",
        "南岸大桥和北港隧道的投资各是多少？",
        "What did the harbour district invest in?",
    ],
)
def test_other_questions_are_not_temporal(question: str) -> None:
    assert temporal_ask(question) is None
