"""Tests of article segmentation and boilerplate cleaning (ingest.segment, ingest.cleaning)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from ingest.cleaning import is_boilerplate_line, is_byline, is_contact_line, trim_trailer
from ingest.segment import record_article_id, record_id_of, segment
from ingest.types import Article, SourceText
from retrieval.text.dates import find_date

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_PAGE = REPO_ROOT / "data" / "articles" / "000_3df2ea797cd76329.txt"
NEWS_JSONL = REPO_ROOT.parent / "shared" / "eval" / "news_sample" / "news_2000.jsonl"

Expected = list[tuple[str, list[tuple[str, str]]]]

NOTICE = (
    "为进一步方便市民办事，市政务服务中心自8月起推出延时服务，工作日中午和傍晚均可办理社保、"
    "公积金、不动产登记等高频事项，周六上午也安排专人值守，市民可通过以下方式咨询预约。"
)


def _source(
    text: str, kind: str = "md", title: str | None = None, date: str | None = None
) -> SourceText:
    return SourceText("data/articles/page.md", text, kind, title=title, date=date)


def _check_spans(source: SourceText, articles: list[Article]) -> None:
    """Every paragraph is a non-empty span of the original text without outer whitespace."""
    for article in articles:
        assert article.paragraphs
        for p in article.paragraphs:
            assert 0 <= p.start < p.end <= len(source.text)
            piece = source.text[p.start : p.end]
            assert piece == piece.strip()
            assert source.text.find(piece, p.start) == p.start


def _shape(source: SourceText) -> Expected:
    articles = segment(source)
    _check_spans(source, articles)
    return [
        (a.title, [(p.section, source.text[p.start : p.end]) for p in a.paragraphs])
        for a in articles
    ]


STRUCTURE_CASES: list[tuple[str, str, Expected]] = [
    (
        "hash_starts_article",
        "# 甲新闻\n\n甲文一。\n\n甲文二。\n\n# 乙新闻\n\n乙文一。",
        [("甲新闻", [("", "甲文一。"), ("", "甲文二。")]), ("乙新闻", [("", "乙文一。")])],
    ),
    (
        "double_hash_is_section",
        "# 甲新闻\n\n导语。\n\n## 第一部分\n\n正文一。\n\n### 第二部分\n\n正文二。",
        [("甲新闻", [("", "导语。"), ("第一部分", "正文一。"), ("第二部分", "正文二。")])],
    ),
    (
        "double_hash_with_benbaoxun_is_article",
        "# 甲新闻\n\n甲文。\n\n## 乙新闻\n\n本报讯 乙文。\n\n乙文二。",
        [("甲新闻", [("", "甲文。")]), ("乙新闻", [("", "本报讯 乙文。"), ("", "乙文二。")])],
    ),
    (
        "double_hash_with_xinhua_dateline_is_article",
        "# 甲新闻\n\n甲文。\n\n## 乙新闻\n\n新华社北京8月5日电 乙文。",
        [("甲新闻", [("", "甲文。")]), ("乙新闻", [("", "新华社北京8月5日电 乙文。")])],
    ),
    (
        "contact_lines_dropped_sentence_kept",
        f"# 甲新闻\n\n{NOTICE}\n\n电话：010-12345678\n\n邮箱：news@example.com\n\n"
        "传真: 010-87654321\n\nQQ：576556752\n\n市民可拨打电话：12345反映问题。\n\n"
        "责任编辑：张三\n\n（完）\n\n扫码关注",
        [("甲新闻", [("", NOTICE), ("", "市民可拨打电话：12345反映问题。")])],
    ),
    (
        "contact_line_inside_block_splits_it",
        "# 甲新闻\n\n第一行。\n电话：010-12345678\n第二行。",
        [("甲新闻", [("", "第一行。"), ("", "第二行。")])],
    ),
    (
        "subscription_advert_dropped",
        "# 甲新闻\n\n正文。\n\n# 欢迎订阅2023年《某某报》\n\n邮发代号：1-206\n\n"
        "深入报道科技新闻\n\n全年订阅价：\n192元/份",
        [("甲新闻", [("", "正文。")])],
    ),
    (
        "contact_box_dropped_by_its_lines",
        "# 甲新闻\n\n正文。\n\n# 联系方式\n\n发行联系人：刘琴\n\n电话：010-68667266转223\n\n"
        "邮箱：zhengding@example.org",
        [("甲新闻", [("", "正文。")])],
    ),
    (
        "caption_with_credit_line_is_separate",
        "# 甲新闻\n\n## 小节\n\n正文。\n\n\n\n图片来源:常州高新区\n\n"
        "10月28日,某项目开工仪式在常州举行。图为开工现场。",
        [
            ("甲新闻", [("小节", "正文。")]),
            (
                "某项目开工仪式在常州举行",
                [("", "10月28日,某项目开工仪式在常州举行。图为开工现场。")],
            ),
        ],
    ),
    (
        "tuwei_caption_then_heading",
        "# 甲新闻\n\n正文。\n\n图为某地风光。\n\n## 乙新闻\n\n乙文。",
        [
            ("甲新闻", [("", "正文。")]),
            ("图为某地风光", [("", "图为某地风光。")]),
            ("乙新闻", [("", "乙文。")]),
        ],
    ),
    (
        "byline_after_title_kept",
        "# 甲新闻\n\n王柯岚 本报记者 叶伟\n\n正文。",
        [("甲新闻", [("", "王柯岚 本报记者 叶伟"), ("", "正文。")])],
    ),
    (
        "byline_with_roles_kept",
        "# 甲新闻\n\n□本报记者 张三 通讯员 李四、王五\n\n正文。",
        [("甲新闻", [("", "□本报记者 张三 通讯员 李四、王五"), ("", "正文。")])],
    ),
    (
        "byline_under_subheading_starts_article",
        "# 甲新闻\n\n甲文。\n\n## 乙新闻\n\n本报记者 张三\n\n乙文。",
        [("甲新闻", [("", "甲文。")]), ("乙新闻", [("", "本报记者 张三"), ("", "乙文。")])],
    ),
    (
        "lines_without_blank_lines_are_paragraphs",
        "第一段内容。\n第二段内容。",
        [("第一段内容", [("", "第一段内容。"), ("", "第二段内容。")])],
    ),
    (
        "block_lines_stay_one_paragraph",
        "# 甲新闻\n\n行一  \n行二\n\n行三",
        [("甲新闻", [("", "行一  \n行二"), ("", "行三")])],
    ),
    (
        "fullwidth_spaces_and_space_lines",
        "# 甲新闻\n\n\u3000\u3000正文一。\u3000\n\n \n\u3000\u3000正文二。\n",
        [("甲新闻", [("", "正文一。"), ("", "正文二。")])],
    ),
    (
        "trailer_trimmed_from_paragraph",
        "# 甲新闻\n\n正文。返回搜狐，查看更多责任编辑：",
        [("甲新闻", [("", "正文。")])],
    ),
    ("heading_only", "# 甲新闻\n\n## 小节\n", []),
    ("empty", "", []),
    ("whitespace_only", " \n\u3000\n\n", []),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [case[1:] for case in STRUCTURE_CASES],
    ids=[case[0] for case in STRUCTURE_CASES],
)
def test_structure(text: str, expected: Expected) -> None:
    assert _shape(_source(text)) == expected


@pytest.mark.parametrize(
    ("text", "byline"),
    [
        ("# 甲新闻\n\n王柯岚 本报记者 叶伟\n\n正文。", "王柯岚 本报记者 叶伟"),
        (
            "# 甲新闻\n\n□本报记者  张三 通讯员 李四、王五\n\n正文。",
            "本报记者 张三 通讯员 李四、王五",
        ),
        ("甲新闻标题\n本报记者 张三 李四\n正文第一句。", "本报记者 张三 李四"),
        ("# 甲新闻\n\n正文一。\n\n正文二。\n\n（记者 张三 李四）", "记者 张三 李四"),
        ("# 甲新闻\n\n正文。记者从会上获悉，项目已开工。", ""),
        ("# 甲新闻\n\n图为开工现场。记者 张三 摄", ""),
    ],
)
def test_byline_is_article_metadata_and_stays_in_the_text(text: str, byline: str) -> None:
    source = _source(text)
    (article,) = segment(source)
    assert article.byline == byline
    spans = [source.text[p.start : p.end] for p in article.paragraphs]
    assert all(any(word in span for span in spans) for word in byline.split())


def test_byline_is_never_the_title_of_an_untitled_article() -> None:
    (article,) = segment(_source("本报记者 张三\n\n某市今天召开新闻发布会。", kind="txt"))
    assert (article.title, article.byline) == ("某市今天召开新闻发布会", "本报记者 张三")


def test_record_byline() -> None:
    (article,) = segment(_record("某市召开发布会。\n本报记者 张三 李四\n会议介绍了进展。"))
    assert article.byline == "本报记者 张三 李四"
    assert segment(_record("某市召开发布会。会议介绍了进展。"))[0].byline == ""


def test_untitled_first_article_takes_source_title() -> None:
    source = _source("正文一。\n\n正文二。", kind="html", title="网页标题")
    assert [a.title for a in segment(source)] == ["网页标题"]


def test_article_ids_are_stable_and_unique() -> None:
    source = _source("# 甲\n\n甲文。\n\n# 欢迎订阅\n\n邮发代号：1-206\n\n# 乙\n\n乙文。")
    prefix = hashlib.sha1(source.source.encode("utf-8")).hexdigest()[:12]
    ids = [a.article_id for a in segment(source)]
    assert ids == [f"{prefix}-0", f"{prefix}-2"]
    assert ids == [a.article_id for a in segment(source)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023年8月5日，某地发生", "2023-08-05"),
        ("发布于 2023 年 8 月 5 日", "2023-08-05"),
        ("2023-08-05 17:56", "2023-08-05"),
        ("截至2023/8/5收盘", "2023-08-05"),
        ("2023.08.05 讯", "2023-08-05"),
        ("今年7月，8月5日", None),
        ("2021年,西部科学城", None),
        ("2023年2月30日 然后 2023年3月1日", "2023-03-01"),
        ("编号12023-08-05", None),
        ("", None),
    ],
)
def test_find_date(text: str, expected: str | None) -> None:
    assert find_date(text) == expected


def test_article_date_from_source_or_head() -> None:
    with_meta = _source("# 甲\n\n2022年1月2日电 正文。", date="2023-08-05")
    assert [a.date for a in segment(with_meta)] == ["2023-08-05"]
    from_head = _source("# 甲\n\n本报2022年1月2日电 正文。")
    assert [a.date for a in segment(from_head)] == ["2022-01-02"]
    relative = _source("# 甲\n\n今年7月，正文。")
    assert [a.date for a in segment(relative)] == [None]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("电话: 010-68667266转223, 13811505950", True),
        ("邮箱: zhengding@chih.org", True),
        ("传真: 010-68669206", True),
        ("微信(QQ): 576556752", True),
        ("发行联系人: 刘琴", True),
        ("（联系电话：0371-12345678）", True),
        ("E-mail：news@example.com", True),
        ("市民可拨打电话：12345反映问题。", False),
        ("记者拨打该公司客服电话，无人接听。", False),
        ("电话：暂无人接听", False),
        ("据介绍，如有需要，可拨打电话：0371-12345678。", False),
    ],
)
def test_is_contact_line(line: str, expected: bool) -> None:
    assert is_contact_line(line) is expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("邮发代号: 1-206", True),
        ("全年订阅价:", True),
        ("192元/份", True),
        ("导报微信公众号", True),
        ("责任编辑：张三", True),
        ("【责任编辑：陈戈辉】", True),
        ("（完）", True),
        ("扫码关注", True),
        ("返回搜狐，查看更多", True),
        (
            "据人民日报微信公众号报道，7月26日20时至27日6时，四川省泸州市古蔺县出现极端强降雨。",
            False,
        ),
        ("该报订阅量逐年下降，发行部门正在想办法。", False),
        ("产业是科技创新的“主战场”。", False),
    ],
)
def test_is_boilerplate_line(line: str, expected: bool) -> None:
    assert is_boilerplate_line(line) is expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("王柯岚 本报记者 叶伟", True),
        ("本报记者 张三 通讯员 李四", True),
        ("□本报记者 杨镭", True),
        ("记者 张三 摄", True),
        ("本报讯 焦作高新区强力抓产业培育", False),
        ("记者从河北省气象灾害防御指挥部获悉", False),
        ("张三", False),
    ],
)
def test_is_byline(line: str, expected: bool) -> None:
    assert is_byline(line) is expected


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("正文。返回搜狐，查看更多责任编辑：", "正文。"),
        ("正文。（完）", "正文。"),
        ("正文。(责任编辑：卢其龙 CN070)", "正文。"),
        ("正文。  【编辑:钱姣姣】   ", "正文。"),
        ("正文。更多精彩内容请进入国内新闻", "正文。"),
        ("他做过多年编辑。", "他做过多年编辑。"),
        ("（完）", ""),
    ],
)
def test_trim_trailer(text: str, kept: str) -> None:
    assert text[: trim_trailer(text, 0, len(text))] == kept


# --- .jsonl records ---------------------------------------------------------------------


def _record(text: str, title: str | None = None, date: str | None = None) -> SourceText:
    return SourceText("news.jsonl", text, "jsonl", record_id="rec:1", title=title, date=date)


@pytest.mark.parametrize(
    ("text", "title"),
    [
        (
            "原标题：武汉市冶金街道：夏日“送清凉”，暖“新”关怀沁人心极目新闻记者 林楚晗通讯员 熊卉"
            "8月2日，在武汉市青山区总工会的指导下开展活动。",
            "武汉市冶金街道：夏日“送清凉”，暖“新”关怀沁人心",
        ),
        (
            "原标题：谭雅玲：当前人民币贬值与2022年有何不同？作者 谭雅玲 "
            "人民币对美元汇率年内首破7.3。",
            "谭雅玲：当前人民币贬值与2022年有何不同？",
        ),
        (
            "原标题：党旗在基层一线高高飘扬 ▏“作为村支书，得为大家把事做好”□本报记者 杨镭",
            "党旗在基层一线高高飘扬",
        ),
        (
            "原标题：商丘职业技术学院开展实践活动商丘职业技术学院开展实践活动正文从这里开始。",
            "商丘职业技术学院开展实践活动",
        ),
        (
            "原标题：邵阳市发改委关于“全国生态日”倡议书8月15日是第一个全国生态日。",
            "邵阳市发改委关于“全国生态日”倡议书",
        ),
        (
            "教育部曝光：7起违反教师职业行为十项准则典型案例！中新网8月16日电据教育部网站消息。",
            "教育部曝光：7起违反教师职业行为十项准则典型案例！",
        ),
        (
            "7月27日，红星新闻记者从四川省获悉，四川发布预警。",
            "红星新闻记者从四川省获悉，四川发布预警",
        ),
    ],
)
def test_record_title(text: str, title: str) -> None:
    (article,) = segment(_record(text))
    assert article.title == title
    assert record_id_of(article.article_id) == "rec:1"
    assert article.article_id == record_article_id("news.jsonl", "rec:1")


def test_record_title_field_wins() -> None:
    (article,) = segment(_record("原标题：别的标题 正文。", title="字段标题"))
    assert article.title == "字段标题"


def test_record_paragraphs_split_on_indent_runs_and_trailers_dropped() -> None:
    source = _record(
        "第一段。   第二段。\u2003\u2003第三段，IT之家 8 月 1 日消息。"
        "                    责任编辑：张三"
    )
    (article,) = segment(source)
    _check_spans(source, [article])
    texts = [source.text[p.start : p.end] for p in article.paragraphs]
    assert texts == ["第一段。", "第二段。", "第三段，IT之家 8 月 1 日消息。"]


def test_record_that_is_all_boilerplate_keeps_its_text() -> None:
    (article,) = segment(_record("  责任编辑：张三 "))
    assert article.title
    assert [(p.start, p.end) for p in article.paragraphs] == [(2, 9)]


def test_record_date() -> None:
    assert segment(_record("正文。", date="2023-08-05"))[0].date == "2023-08-05"
    assert segment(_record("截至2023年8月8日收盘，某股下跌。"))[0].date == "2023-08-08"
    assert segment(_record("")) == []


def test_news_2000_records() -> None:
    if not NEWS_JSONL.exists():
        pytest.skip(f"{NEWS_JSONL} not available")
    items = [json.loads(line) for line in NEWS_JSONL.read_text(encoding="utf-8").splitlines()]
    sources = [
        SourceText(source=str(NEWS_JSONL), text=item["text"], kind="jsonl", record_id=item["_id"])
        for item in items
    ]
    results = [segment(source) for source in sources]
    assert len(results) == 2000
    for source, articles in zip(sources, results, strict=True):
        assert len(articles) == 1
        (article,) = articles
        assert source.record_id is not None
        assert article.article_id == record_article_id(source.source, source.record_id)
        assert record_id_of(article.article_id) == source.record_id
        assert article.title.strip()
        assert not article.title.startswith("原标题")
        _check_spans(source, articles)
        last = article.paragraphs[-1]
        assert "返回搜狐" not in source.text[last.start : last.end]


# --- the real sample page ---------------------------------------------------------------

LEAD_TITLE = "推动产业链创新链“双链”融合 西部(重庆)科学城建产业创新引领区"
LEAD_SECTIONS = (
    "深挖招商引资“源头活水” 产业集聚硕果盈枝",
    "围绕产业链部署创新链 打造新型制造业产业集群",
    "围绕创新链布局产业链 发挥创新效能提升产业能级",
)
CAPTION_TITLE = "伟泰科技高端精密组件产业化基地项目开工仪式在常州高新区举行"
JIAOZUO_TITLE = "焦作高新区:产业发展创新高"
ADVERT_STRINGS = ("订阅", "电话", "邮箱", "传真", "010-68667266", "zhengding", "576556752", "192元")


@pytest.fixture(scope="module")
def sample_page() -> tuple[SourceText, list[Article]]:
    if not SAMPLE_PAGE.exists():
        pytest.skip(f"{SAMPLE_PAGE} not available")
    source = SourceText(
        source=str(SAMPLE_PAGE), text=SAMPLE_PAGE.read_text(encoding="utf-8"), kind="txt"
    )
    return source, segment(source)


def test_sample_page_articles(sample_page: tuple[SourceText, list[Article]]) -> None:
    source, articles = sample_page
    _check_spans(source, articles)
    assert [a.title for a in articles] == [LEAD_TITLE, CAPTION_TITLE, JIAOZUO_TITLE]
    assert [a.sections for a in articles] == [LEAD_SECTIONS, (), ()]
    # No date on the page: the lead reports on 2021年 and on 今年 (a later year); the other
    # two articles of the page take its year.
    assert [(a.date, a.date_origin) for a in articles] == [("2022", "inferred")] * 3
    assert "2021年" in articles[0].date_reason and articles[1].date_reason.startswith("the date")
    prefix = hashlib.sha1(source.source.encode("utf-8")).hexdigest()[:12]
    assert [a.article_id for a in articles] == [f"{prefix}-{n}" for n in range(3)]


def test_sample_page_lead_article(sample_page: tuple[SourceText, list[Article]]) -> None:
    source, articles = sample_page
    lead = articles[0]
    texts = [source.text[p.start : p.end] for p in lead.paragraphs]
    assert texts[0] == lead.byline == "王柯岚 本报记者 叶伟"
    assert texts[1].startswith("产业,是西部(重庆)科学城")
    assert [a.byline for a in articles[1:]] == ["", ""]
    assert [p.section for p in lead.paragraphs[:3]] == ["", "", ""]
    assert {p.section for p in lead.paragraphs[3:]} == set(LEAD_SECTIONS)
    third = [p for p in lead.paragraphs if p.section == LEAD_SECTIONS[2]]
    assert source.text[third[0].start : third[0].end].startswith("产业是科技创新的")
    assert texts[-1].endswith("力争建成西部有影响力的软件产业园。")


def test_sample_page_caption_and_item(sample_page: tuple[SourceText, list[Article]]) -> None:
    source, articles = sample_page
    caption, item = articles[1], articles[2]
    caption_texts = [source.text[p.start : p.end] for p in caption.paragraphs]
    assert len(caption_texts) == 1
    assert caption_texts[0].startswith("10月28日,伟泰科技")
    assert caption_texts[0].endswith("共同为项目开工奠基培土。")
    item_texts = [source.text[p.start : p.end] for p in item.paragraphs]
    assert len(item_texts) == 4
    assert item_texts[0].startswith("本报讯 焦作高新区")
    all_texts = [source.text[p.start : p.end] for a in articles for p in a.paragraphs]
    assert not any("图片来源" in text for text in all_texts)


def test_sample_page_advert_dropped(sample_page: tuple[SourceText, list[Article]]) -> None:
    source, articles = sample_page
    advert_start = source.text.index("# 欢迎订阅")
    for article in articles:
        for p in article.paragraphs:
            text = source.text[p.start : p.end]
            assert p.end <= advert_start
            assert not [word for word in ADVERT_STRINGS if word in text], text
