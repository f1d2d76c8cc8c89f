"""Tests of retrieval.check.names: a claim that copies a sentence with one name changed."""

from __future__ import annotations

from dataclasses import replace

from retrieval.check.evidence import Sentence
from retrieval.check.names import SWAP_OVERLAP, swapped_name
from retrieval.check.verdicts import judge_name
from retrieval.text.claims import overlap
from retrieval.types import Chunk

FOUNDING = "蓝鲸科技公司于2016年在杭州成立，创始人为王立新。"
DEAL = "2019年，青禾区与鹿鸣湾区签署合作协议，由青禾区投资12亿元建设产业园。"


def _sentence(text: str, claim: str, context: str = "", start: int = 100) -> Sentence:
    chunk = Chunk("c1", "a1", "page.txt", "标题", "", text, start, start + len(text), 0)
    return Sentence(chunk, start, start + len(text), text, context, overlap(claim, text), 1)


def test_a_place_put_in_another_places_stead_is_found() -> None:
    claim = "蓝鲸科技公司于2016年在南京成立，创始人为王立新。"
    swap = swapped_name(claim, [_sentence(FOUNDING, claim)])
    assert swap is not None
    assert (swap.claimed, swap.stated) == ("南京", "杭州")
    assert claim[swap.start : swap.end] == "南京"
    assert FOUNDING[swap.span[0] - 100 : swap.span[1] - 100] == "杭州"


def test_the_claim_name_is_found_even_when_the_article_names_it_elsewhere() -> None:
    # 石桥镇 is named in the paragraph before: it is in the article, in another role.
    claim = "2019年，青禾区与鹿鸣湾区签署合作协议，由石桥镇投资12亿元建设产业园。"
    sentence = _sentence(DEAL, claim, context="石桥镇位于青禾区北部。")
    swap = swapped_name(claim, [sentence])
    assert swap is not None and (swap.claimed, swap.stated) == ("石桥镇", "青禾区")


def test_a_person_named_only_in_the_sentence_is_found_from_the_claims_side() -> None:
    claim = "蓝鲸科技公司于2016年在杭州成立，创始人为李卫东。"
    swap = swapped_name(claim, [_sentence(FOUNDING, claim)])
    assert swap is not None and (swap.claimed, swap.stated) == ("李卫东", "王立新")
    judged = judge_name(swap, english=False)
    assert judged.verdict == "misattributed" and "王立新" in judged.reason
    assert judged.citations and (swap.span in judged.citations[0].highlights)


def test_the_claims_own_sentence_or_a_referent_is_no_swap() -> None:
    assert swapped_name(FOUNDING, [_sentence(FOUNDING, FOUNDING)]) is None
    claim = "蓝鲸科技公司于2016年在杭州成立，创始人为王立新。"
    referent = "该公司于2016年在杭州成立，创始人为王立新。"
    assert swapped_name(claim, [_sentence(referent, claim, context=FOUNDING)]) is None


def test_one_best_sentence_naming_everything_rules_a_swap_out() -> None:
    claim = "蓝鲸科技公司于2016年在南京成立，创始人为王立新。"
    other = _sentence(FOUNDING, claim)
    own = replace(_sentence(claim, claim, start=300), overlap=other.overlap)
    assert swapped_name(claim, [other, own]) is None


def test_a_sentence_holding_little_of_the_claim_is_not_its_sentence() -> None:
    claim = "蓝鲸科技公司于2016年在南京成立，创始人为王立新，总部设在滨江。"
    sentence = _sentence("杭州是浙江省会。", claim)
    assert sentence.overlap < SWAP_OVERLAP
    assert swapped_name(claim, [sentence]) is None
