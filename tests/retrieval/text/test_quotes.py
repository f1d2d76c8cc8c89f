"""Tests of retrieval.text.quotes: quotations found exactly, nearly or closest, and speakers."""

from __future__ import annotations

import pytest

from retrieval.text.quotes import (
    find_quotations,
    find_quote,
    quote_diff,
    same_speaker,
    speaker_of,
)

ARTICLE = (
    "据了解，该项目分两期建设。“我们看重企业的龙头带动效应,而企业看中科学城的发展前景和未来,"
    "双方一拍即合。”西部(重庆)科学城招商公司有关负责人说,建设项目将提供上游原料支持。"
    "营业收入增长12.9%。"
)
QUOTE = "我们看重企业的龙头带动效应,而企业看中科学城的发展前景和未来,双方一拍即合。"


def test_an_exact_quote_is_found_at_its_offsets() -> None:
    span = find_quote(QUOTE, ARTICLE)
    assert span is not None and span.found == "exact" and span.similarity == 1.0
    assert ARTICLE[span.start : span.end] == QUOTE and not span.diff


@pytest.mark.parametrize(
    "quote",
    [
        "我们看重企业的龙头带动效应，而企业看中科学城的发展前景和未来，双方一拍即合",  # punctuation
        "我們看重企業的龍頭帶動效應,而企業看中科學城的發展前景和未來,雙方一拍即合。",  # Traditional
        "我们 看重企业的龙头带动效应 而企业看中科学城的发展前景和未来 双方一拍即合",  # spaces
        "营业收入增长１２．９％",  # full width
    ],
)
def test_near_quotes_map_back_to_the_original_text(quote: str) -> None:
    span = find_quote(quote, ARTICLE)
    assert span is not None and span.found == "near"
    found = ARTICLE[span.start : span.end]
    assert found[0] == ("营" if quote.startswith("营") else "我")
    assert found.rstrip("。")[-1] in {"合", "%"}


def test_a_changed_quote_gets_the_closest_span_and_a_character_diff() -> None:
    span = find_quote("我们看重企业的龙头带动效应,而企业看中科学城的人才优势和未来", ARTICLE)
    assert span is not None and span.found == "closest" and 0.6 < span.similarity < 1.0
    changed = [(p.quote, p.article) for p in span.diff if p.op != "equal"]
    assert ("人才优势", "发展前景") in changed
    assert ARTICLE[span.start : span.end].startswith("我们看重")


def test_a_decimal_point_is_not_folded_away() -> None:
    span = find_quote("营业收入增长129%", ARTICLE)
    assert span is None or span.found == "closest"


def test_nothing_to_find_in_or_with_empty_text() -> None:
    assert find_quote("", ARTICLE) is None
    assert find_quote("任何话", "") is None


def test_diff_pieces_rebuild_both_sides() -> None:
    pieces = quote_diff("abcdef", "abXdeg")
    assert "".join(p.quote for p in pieces) == "abcdef"
    assert "".join(p.article for p in pieces) == "abXdeg"


def test_speakers_after_and_before_the_words() -> None:
    start = ARTICLE.index("我们")
    end = ARTICLE.index("”") + 1
    assert speaker_of(ARTICLE, start, end) == "西部(重庆)科学城招商公司有关负责人"
    before = "科学城相关负责人表示：“科学城正积极构建软件产业格局。”"
    assert speaker_of(before, before.index("“"), len(before)) == "科学城相关负责人"
    english = '"We value the project," said Li Wei, the manager.'
    assert speaker_of(english, 0, english.index(",") + 2) == "Li Wei"
    assert speaker_of("他说：“很好，很好的项目。”", 3, 14) is None  # a pronoun is nobody


def test_same_speaker_ignores_generic_words_but_not_other_bodies() -> None:
    assert same_speaker("科学城招商公司负责人", "西部(重庆)科学城招商公司有关负责人")
    assert same_speaker("国核铀业负责人", "西部(重庆)科学城招商公司有关负责人") is False
    assert same_speaker(None, "李克强") is None


def test_find_quotations_keeps_quotes_with_words_or_a_speaker() -> None:
    text = "推动“双链”融合。李克强说：“要建设智能网联汽车产业集群。”“短句”张三称。"
    found = [(q.text, q.speaker) for q in find_quotations(text)]
    assert found == [("要建设智能网联汽车产业集群。", "李克强"), ("短句", "张三")]
    for quote in find_quotations(text):
        assert text[quote.start : quote.end] == quote.text
