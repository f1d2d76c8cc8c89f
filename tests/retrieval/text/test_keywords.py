"""Choosing which question words keyword search reads when their chunks are many."""

from __future__ import annotations

from retrieval.text.keywords import rarest_within

# How many chunks hold each word (a made-up archive).
FREQUENCIES = {"港口": 40, "吞吐量": 120, "记者": 9_000, "情况": 6_000, "集装箱": 300}


def test_every_word_is_kept_when_their_chunks_fit() -> None:
    words = ["记者", "港口", "吞吐量"]
    assert rarest_within(words, FREQUENCIES, 20_000) == words


def test_the_commonest_words_go_first_and_the_order_is_kept() -> None:
    words = ["记者", "港口", "情况", "集装箱", "吞吐量"]
    assert rarest_within(words, FREQUENCIES, 1_000) == ["港口", "集装箱", "吞吐量"]
    assert rarest_within(words, FREQUENCIES, 7_000) == ["港口", "情况", "集装箱", "吞吐量"]


def test_the_rarest_word_is_kept_even_past_the_budget() -> None:
    assert rarest_within(["记者", "情况"], FREQUENCIES, 100) == ["情况"]


def test_words_the_index_has_never_seen_cost_nothing_and_find_nothing() -> None:
    assert rarest_within(["鲸鲨", "记者", "情况"], FREQUENCIES, 100) == ["鲸鲨", "情况"]
    assert rarest_within([], FREQUENCIES, 100) == []
