"""The fact-check view and record: claims marked in place, facts and evidence behind a click,
figures marked on both sides, everything escaped. Reports are built by hand: these tests are
about rendering, not checking."""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import PurePath

import pytest

from retrieval.errors import RetrievalError, StoreError
from retrieval.types import (
    VERDICT_ORDER,
    CheckedClaim,
    CheckedFact,
    CheckReport,
    Citation,
    Verdict,
)
from ui.export import check_report_markdown
from ui.factcheck import (
    check_html,
    claim_spans,
    evidence_figures,
    fact_html,
    legend_html,
    verdict_counts,
)
from ui.messages import APP, VERDICTS_ZH, check_error_text, error_text
from ui.style import CHECK_CSS, PAGE_CSS, VERDICT_COLOURS

# The article the evidence comes from (our own sentences), and the pasted draft.
ARTICLE = "园区简报。\n今年1-8月,新区新签约项目59个,合同投资额1028.8亿元。\n其中百亿元级项目3个。"
SENTENCE = "今年1-8月,新区新签约项目59个,合同投资额1028.8亿元。"
EVIDENCE = "1028.8亿元"
PASTED = "据报道，新区合同投资额1028.8万元。新区签约项目59个。另有一句闲话。"
WRONG = "新区合同投资额1028.8万元。"
RIGHT = "新区签约项目59个。"


def citation(n: int = 1, **changes: object) -> Citation:
    start, end = ARTICLE.index(SENTENCE), len(ARTICLE)
    figure = ARTICLE.index(EVIDENCE)
    fields: dict[str, object] = {
        "n": n,
        "chunk_id": "c1",
        "article_id": "a1",
        "source": "/srv/wenbao/index/uploads/简报.txt",
        "title": "新区招商",
        "section": "",
        "char_start": start,
        "char_end": end,
        "quote": ARTICLE[start:end],
        "date": "2022-09-01",
        "highlights": ((start, start + len(SENTENCE)), (figure, figure + len(EVIDENCE))),
        **changes,
    }
    return Citation(**fields)  # type: ignore[arg-type]


def fact(claim: str, figure: str, verdict: Verdict, **changes: object) -> CheckedFact:
    start = PASTED.index(claim) + claim.index(figure)
    fields: dict[str, object] = {
        "kind": "figure",
        "text": figure,
        "start": start,
        "end": start + len(figure),
        "verdict": verdict,
        "reason": f"文章写的是{EVIDENCE}，不是{figure}" if verdict != "supported" else "数字一致",
        "citations": (citation(),),
        **changes,
    }
    return CheckedFact(**fields)  # type: ignore[arg-type]


def claim(text: str, verdict: Verdict, *facts: CheckedFact) -> CheckedClaim:
    start = PASTED.index(text)
    return CheckedClaim(text, start, start + len(text), verdict, facts)


def report(*claims: CheckedClaim, text: str = PASTED) -> CheckReport:
    none: Verdict = "not_found"
    worst = max((c.verdict for c in claims), key=VERDICT_ORDER.index, default=none)
    return CheckReport(text, worst, claims, seconds=0.75)


WRONG_CLAIM = claim(WRONG, "contradicted", fact(WRONG, "1028.8万元", "contradicted"))
RIGHT_CLAIM = claim(RIGHT, "supported", fact(RIGHT, "59个", "supported"))


class _Visible(HTMLParser):
    """The text a reader sees with every claim closed (facts and evidence hidden), and the
    text of each element of one class (nested ones each get their own run)."""

    def __init__(self, css_class: str = "") -> None:
        super().__init__(convert_charrefs=True)
        self.css_class = css_class
        self.closed_text = ""
        self.runs: list[str] = []
        self._stack: list[tuple[bool, int | None]] = []  # (hidden, index of its run)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.handle_data("\n")
            return
        classes = (dict(attrs).get("class") or "").split()
        hidden = "wb-claim-body" in classes or any(h for h, _ in self._stack)
        run = None
        if self.css_class in classes:
            run = len(self.runs)
            self.runs.append("")
        self._stack.append((hidden, run))

    def handle_endtag(self, tag: str) -> None:
        if tag != "br" and self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        if not any(h for h, _ in self._stack):
            self.closed_text += data
        for _, run in self._stack:
            if run is not None:
                self.runs[run] += data


def visible(fragment: str, css_class: str = "") -> _Visible:
    parser = _Visible(css_class)
    parser.feed(fragment)
    return parser


def test_the_pasted_text_is_shown_as_pasted_with_each_claim_marked_by_its_verdict() -> None:
    shown = check_html(report(WRONG_CLAIM, RIGHT_CLAIM))
    assert shown.startswith('<div class="wb-check">') and "\n" not in shown
    assert visible(shown).closed_text == PASTED  # nothing added, nothing lost
    assert '<details class="wb-claim wb-v-contradicted" id="wb-claim-1">' in shown
    assert '<details class="wb-claim wb-v-supported" id="wb-claim-2">' in shown
    summaries = re.findall(r"<summary[^>]*>(.*?)</summary>", shown)
    assert [visible(s).closed_text for s in summaries] == [WRONG, RIGHT]
    assert "另有一句闲话" not in "".join(visible(shown, "wb-claim").runs)  # not a claim


def test_a_claims_facts_are_marked_in_it_and_its_evidence_opens_below() -> None:
    shown = check_html(report(WRONG_CLAIM, RIGHT_CLAIM))
    summary = shown[shown.index("<summary") : shown.index("</summary>")]
    assert '<mark class="wb-fact wb-v-contradicted">1028.8万元</mark>' in summary
    assert 'title="矛盾：' in summary  # the verdict in words on hover
    body = visible(shown, "wb-claim-body").runs
    assert len(body) == 2 and "矛盾" in body[0] and "数字" in body[0]
    assert f"文章写的是{EVIDENCE}，不是1028.8万元" in body[0]
    assert SENTENCE in body[0] and "新区招商" in body[0] and "简报.txt" in body[0]


def test_the_evidence_figure_is_marked_from_its_highlight_and_no_other_figure_is() -> None:
    shown = fact_html(fact(WRONG, "1028.8万元", "contradicted"), "chk1-1")
    passage = shown[shown.index('<div class="wb-quote">') :]
    assert visible(passage, "wb-fig").runs == [EVIDENCE]  # not 59个, not 1-8月
    assert visible(passage, "wb-hl").runs[0].startswith("今年1-8月")  # the evidence sentence
    assert visible(shown, "wb-said").runs == ["1028.8万元"]  # the claim's side, in the fact line


def test_a_figure_written_another_way_in_the_evidence_sentence_is_marked() -> None:
    start = ARTICLE.index(SENTENCE)  # one highlight only: the sentence, no figure span
    evidence = citation(highlights=((start, start + len(SENTENCE)),))
    supported = fact(WRONG, "1028.8万元", "supported", text="10288000万元", citations=(evidence,))
    assert evidence_figures(supported, evidence) == ("10288000万元",)
    shown = fact_html(supported, "x")
    assert visible(shown[shown.index('<div class="wb-quote">') :], "wb-fig").runs == [EVIDENCE]


def test_what_the_evidence_states_instead_is_shown_and_marked() -> None:
    shown = fact_html(fact(WRONG, "1028.8万元", "contradicted", stated=EVIDENCE), "x")
    head = shown[: shown.index('<div class="wb-src"')]
    assert f'{APP.check_stated}<mark class="wb-fig">{EVIDENCE}</mark>' in head


def test_every_piece_of_untrusted_text_is_escaped() -> None:
    pasted = "<script>alert(1)</script> 投资额$5$万元。 \\(x\\)"
    bad_claim = CheckedClaim(pasted, 0, len(pasted), "not_found", ())
    nasty = citation(title="<img src=x onerror=alert(1)>", source="/x/<b>.txt")
    bad_fact = replace(
        fact(WRONG, "1028.8万元", "misattributed", citations=(nasty,)),
        reason="<i>属于另一主体</i>",
        stated="<u>1</u>",
        text="<s>5</s>",
    )
    shown = check_html(report(bad_claim, text=pasted)) + fact_html(bad_fact, 'x"><b>')
    for raw in ("<script", "<img", "<i>", "<u>", "<s>", "<b>", "$", "\\"):
        assert raw not in shown, raw
    assert "&lt;script&gt;" in shown and "&lt;img src=x onerror=alert(1)&gt;" in shown
    assert visible(check_html(report(bad_claim, text=pasted))).closed_text == pasted


def test_claim_offsets_that_do_not_hold_the_claim_are_looked_up_or_left_out() -> None:
    moved = replace(RIGHT_CLAIM, start=0, end=len(RIGHT))  # offsets of another sentence
    lost = CheckedClaim("文中没有的一句。", 0, 8, "not_found", ())
    spans = claim_spans(report(lost, WRONG_CLAIM, moved))
    assert [(c.text, PASTED[a:b]) for c, (a, b) in spans] == [(WRONG, WRONG), (RIGHT, RIGHT)]
    shown = check_html(report(lost, WRONG_CLAIM, moved))
    assert visible(shown).closed_text == PASTED and shown.count("<details") == 2


def test_overlapping_facts_show_the_worse_verdict_where_they_overlap() -> None:
    whole = fact(WRONG, "合同投资额1028.8万元", "supported")
    figure = fact(WRONG, "1028.8万元", "misattributed")
    shown = check_html(report(claim(WRONG, "misattributed", whole, figure)))
    summary = shown[shown.index("<summary") : shown.index("</summary>")]
    assert '<mark class="wb-fact wb-v-supported">合同投资额</mark>' in summary
    assert '<mark class="wb-fact wb-v-misattributed">1028.8万元</mark>' in summary


def test_a_fact_that_is_the_whole_claim_is_not_marked_again_inside_it() -> None:
    statement = fact(RIGHT, RIGHT[:-1], "supported", kind="name")
    shown = check_html(
        report(claim(RIGHT, "supported", statement, fact(RIGHT, "59个", "supported")))
    )
    summary = shown[shown.index("<summary") : shown.index("</summary>")]
    assert visible(summary, "wb-fact").runs == ["59个"]
    assert f'<mark class="wb-fig wb-said">{RIGHT[:-1]}</mark>' in shown  # listed as a fact


def test_a_claim_without_facts_or_evidence_says_so() -> None:
    empty = claim(RIGHT, "not_found")
    assert APP.check_no_facts in check_html(report(empty))
    alone = fact(RIGHT, "59个", "not_found", citations=(), reason="没有找到相关段落")
    assert APP.check_no_evidence in fact_html(alone, "x") and 'class="wb-src"' not in fact_html(
        alone, "x"
    )


def test_the_legend_names_the_four_verdicts_in_chinese_with_their_counts() -> None:
    checked = report(WRONG_CLAIM, RIGHT_CLAIM)
    legend = legend_html(checked)
    words = [VERDICTS_ZH[v] for v in VERDICT_ORDER]
    assert words == ["支持", "未找到", "张冠李戴", "矛盾"]
    assert [legend.index(w) for w in words] == sorted(legend.index(w) for w in words)
    assert verdict_counts(checked) == {"contradicted": 1, "supported": 1}
    assert '<span class="wb-key wb-v-contradicted"' in legend and "矛盾</span> 1" in legend
    assert "张冠李戴</span> 0" in legend and "共 2 句 · 用时 0.8 秒" in legend


def test_every_verdict_has_a_colour_in_the_page_styles() -> None:
    assert set(VERDICT_COLOURS) == set(VERDICT_ORDER)
    for verdict in VERDICT_ORDER:
        assert f".wb-v-{verdict} {{ --wb-v:" in CHECK_CSS
    assert CHECK_CSS in PAGE_CSS and "details.wb-claim { display: inline; }" in CHECK_CSS


def test_the_record_lists_every_claim_fact_and_citation_in_full() -> None:
    checked = report(WRONG_CLAIM, RIGHT_CLAIM)
    roots = (PurePath("/srv/wenbao/index"),)
    record = check_report_markdown(checked, checked_at="2026-11-26 08:00:00", roots=roots)
    for piece in (
        "# 核查报告",
        "- 核查时间: 2026-11-26 08:00:00",
        "- 结论: 矛盾 · 共 2 句 · 用时 0.8 秒",
        "## 核查的文字",
        f"> {PASTED}",
        "## 第 1 句：矛盾",
        f"> {WRONG}",
        "### 数字「1028.8万元」：矛盾",
        f"- 理由: 文章写的是{EVIDENCE}，不是1028.8万元",
        "## 第 2 句：支持",
        "### 数字「59个」：支持",
        "#### [1] 新区招商",
        "路径: `uploads/简报.txt`",
        f"> {SENTENCE}",
        f"- 字符 {ARTICLE.index(SENTENCE)}–{ARTICLE.index(SENTENCE) + len(SENTENCE)}: 「",
    ):
        assert piece in record, piece
    assert record.count("#### [1] 新区招商") == 2  # each fact's citation, in full
    assert "/srv" not in record and record.endswith("\n") and not record.endswith("\n\n")


def test_the_record_escapes_untrusted_text_and_says_what_is_missing() -> None:
    pasted = "<script>x</script>[链接](http://a)。"
    alone = CheckedFact("name", "<b>某人</b>", 0, 5, "not_found", "<i>无</i>")
    checked = CheckReport(
        pasted, "not_found", (CheckedClaim(pasted, 0, len(pasted), "not_found", (alone,)),)
    )
    record = check_report_markdown(checked)
    assert "<script>" not in record and "<b>" not in record and "<i>" not in record
    assert "&lt;script&gt;" in record and "](http" not in record
    assert "### 名称「&lt;b&gt;某人&lt;/b&gt;」：未找到" in record
    assert APP.check_no_evidence in record


@pytest.mark.parametrize(
    ("error", "says", "own"),
    [
        (RetrievalError("The text is empty: paste a claim."), "这段文字没能核查", True),
        (StoreError("The index is locked."), "无法读取或写入知识库", False),
    ],
)
def test_check_errors_are_worded_for_a_text_not_a_question(
    error: RetrievalError | StoreError, says: str, own: bool
) -> None:
    words = check_error_text(error)
    assert says in words.message and "问题" not in words.message
    assert words.detail == str(error)
    assert (words != error_text(error)) is own  # only a refused text needs its own words
