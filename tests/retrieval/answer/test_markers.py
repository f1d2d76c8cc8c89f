"""Citation markers: sentences carry the markers after them; dead markers are dropped."""

from __future__ import annotations

from retrieval.answer.markers import claim_text, rewrite_markers, shown_text, split_answer


def test_markers_after_the_full_stop_belong_to_the_sentence_before() -> None:
    sentences = split_answer("河西新区今年种下三千棵树。[1]【2】另有两座公园开放[3-4]。")
    assert [s.markers for s in sentences] == [(1, 2), (3, 4)]
    assert all(s.text == "河西新区今年种下三千棵树。[1]【2】另有两座公园开放[3-4]。"[s.start : s.end]
               for s in sentences)  # fmt: skip


def test_markers_to_missing_passages_are_removed_and_the_rest_made_plain() -> None:
    assert rewrite_markers("公园开放 [1，5]。", {1, 2}) == "公园开放 [1]。"
    assert rewrite_markers("公园开放[9]。", {1}) == "公园开放。"


def test_claim_and_shown_text_drop_markers_markup_and_list_numbers() -> None:
    assert claim_text("1. **新增**绿地12公顷[2]") == " 新增绿地12公顷 "
    assert shown_text("**新增**  绿地12公顷[2]") == "新增 绿地12公顷"
