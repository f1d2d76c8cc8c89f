"""Tests of ingest.loaders on real fixture files built in tmp_path."""

from __future__ import annotations

import json
import logging
import os
import random
from datetime import datetime
from pathlib import Path

import docx
import pytest
from pypdf import PdfWriter

from ingest.loaders import (
    DEFAULT_MAX_BYTES,
    MIN_ARTICLE_UNITS,
    SUPPORTED_SUFFIXES,
    iter_files,
    load_file,
    text_units,
)
from ingest.types import SourceText
from retrieval.errors import LoadError

REPO_ROOT = Path(__file__).resolve().parents[2]
EVAL_DIR = REPO_ROOT.parent / "shared" / "eval"

PARAGRAPHS = (
    "产业是西部科学城高质量发展的关键支撑。产业兴则城市兴，产业强则区域强。科学城自2020年"
    "全面启动建设以来，围绕建设以高新技术产业为重点的产业创新引领区目标，加速壮大新一代信息技术产业。",
    "今年上半年，科学城规模以上工业总产值同比增长百分之十二，集成电路、汽车电子、生物医药等"
    "重点产业集群持续壮大，一批重大项目相继落地投产。",
    "科学城相关负责人表示，下一步将继续推动产业链与创新链深度融合，完善从基础研究到成果转化的"
    "全链条服务体系，为高质量发展注入新动能。",
)

HTML_PAGE = f"""<!DOCTYPE html><html><head><meta charset="{{charset}}">
<title>重庆科学城建产业创新引领区</title>
<meta property="article:published_time" content="2023-08-05T17:56:00+08:00">
<style>body {{{{ color: red }}}} .nav {{{{ display: none }}}}</style>
<script>var tracker = "脚本里的文字不应出现";</script></head>
<body><nav class="nav"><ul><li><a href="/">首页导航</a></li><li><a href="/news">新闻中心</a></li>
<li><a href="/about">关于我们</a></li></ul></nav>
<article><h1>重庆科学城建产业创新引领区</h1>
<p>{PARAGRAPHS[0]}</p><p>{PARAGRAPHS[1]}</p><p>{PARAGRAPHS[2]}</p></article>
<footer><p>版权所有 &copy; 2023 新闻网 京ICP备12345678号</p><p>联系我们 | 广告服务</p></footer>
<script>console.log("另一个脚本");</script></body></html>"""


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8", newline="")
    else:
        path.write_bytes(data)
    return path


def load_one(path: Path, **kwargs: int) -> SourceText:
    sources = load_file(path, **kwargs)
    assert len(sources) == 1
    assert sources[0].source == str(path)
    return sources[0]


def minimal_pdf(text: str, title: str) -> bytes:
    """A one-page PDF with a Helvetica text layer, built by hand (no PDF writer needed)."""
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Title (%s) >>" % title.encode("latin-1"),
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


# --- public constants and iteration -------------------------------------------------------


def test_public_constants() -> None:
    expected = {".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".pdf", ".jsonl"}
    assert set(SUPPORTED_SUFFIXES) == expected
    assert DEFAULT_MAX_BYTES == 50 * 1024 * 1024


def test_iter_files_recurses_sorted_and_skips_hidden(tmp_path: Path) -> None:
    for name in ("b.txt", "a.md", "sub/z.txt", "sub/deeper/c.pdf", "notes.xyz", "c.jsonl"):
        write(tmp_path / name, "x")
    write(tmp_path / ".hidden.txt", "x")
    write(tmp_path / ".git" / "config.txt", "x")
    write(tmp_path / "sub" / ".secret" / "d.txt", "x")
    single = write(tmp_path.parent / f"{tmp_path.name}-single.txt", "x")

    found = list(iter_files([tmp_path, single]))

    inside = ["a.md", "b.txt", "c.jsonl", "notes.xyz", "sub/deeper/c.pdf", "sub/z.txt"]
    assert found == [tmp_path / name for name in inside] + [single]


def test_iter_files_missing_path_raises(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="does not exist") as caught:
        list(iter_files([tmp_path / "nope"]))
    assert caught.value.code == "missing"


# --- plain text and encodings -------------------------------------------------------------

SHORT_SIMPLIFIED = "北京今天天气晴朗"
NEWS_SIMPLIFIED = (
    "新华社北京8月5日电 记者从国家统计局获悉，今年上半年经济运行总体平稳。\n第二段。\n"
)
SHORT_TRADITIONAL = "臺灣新聞報導今天天氣晴朗"
NEWS_TRADITIONAL = "總統府發言人表示，將會繼續推動兩岸交流。\n"


@pytest.mark.parametrize(
    ("text", "codec", "expected_encoding"),
    [
        ("plain ASCII news\n", "utf-8", "utf-8"),
        (NEWS_SIMPLIFIED, "utf-8", "utf-8"),
        (NEWS_SIMPLIFIED, "utf-8-sig", "utf-8-sig"),
        (SHORT_SIMPLIFIED, "gbk", "gb18030"),
        ("你好", "gbk", "gb18030"),
        ("中国人民银行宣布降息", "gbk", "gb18030"),
        (NEWS_SIMPLIFIED, "gbk", "gb18030"),
        (NEWS_SIMPLIFIED + "𠀀", "gb18030", "gb18030"),
        (SHORT_TRADITIONAL, "big5", "big5"),
        (SHORT_SIMPLIFIED, "big5", "big5"),
        (NEWS_TRADITIONAL, "big5", "big5"),
        ("我們", "big5", "big5"),
    ],
)
def test_txt_decodes_encoding(
    tmp_path: Path, text: str, codec: str, expected_encoding: str
) -> None:
    path = write(tmp_path / "article.txt", text.encode(codec))

    loaded = load_one(path)

    assert loaded.text == text
    assert loaded.encoding == expected_encoding
    assert loaded.kind == "txt"


@pytest.mark.parametrize(("raw", "expected"), [("a\r\nb\r\n", "a\nb\n"), ("a\rb\r", "a\nb\n")])
def test_txt_normalises_newlines_only(tmp_path: Path, raw: str, expected: str) -> None:
    path = write(tmp_path / "lines.txt", ("  标题\t" + raw).encode("gbk"))

    assert load_one(path).text == "  标题\t" + expected


@pytest.mark.parametrize("name", ["notes.md", "notes.markdown"])
def test_markdown_loads_as_md(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / name, "# 标题\n\n正文内容。\n")

    loaded = load_one(path)

    assert (loaded.kind, loaded.text) == ("md", "# 标题\n\n正文内容。\n")


def test_real_sample_article_is_verbatim() -> None:
    path = REPO_ROOT / "data" / "articles" / "000_3df2ea797cd76329.txt"

    loaded = load_one(path)

    assert loaded.text == path.read_bytes().decode("utf-8")
    assert loaded.encoding == "utf-8"


# --- rejected files -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "reason", "code"),
    [
        ("empty.txt", b"", "empty", "empty"),
        ("blank.txt", b" \n\t\r\n  ", "empty", "empty"),
        ("blank-bom.md", " \u3000\n".encode("utf-8-sig"), "empty", "empty"),
        ("binary.txt", b"\x00" + random.Random(7).randbytes(2048) + b"\x00", "binary", "binary"),
        ("undecodable.txt", b"\xff\xfe\xff\x80\x81" * 50, "binary", "binary"),
        ("notes.xyz", b"some text", "unsupported", "unsupported"),
        ("noext", b"some text", "unsupported", "unsupported"),
        ("broken.docx", b"PK\x03\x04 this is not a zip", "docx", "corrupt"),
        ("broken.pdf", b"%PDF-1.4\n garbage without objects", "PDF", "corrupt"),
        (
            "nothing.jsonl",
            b'\n{bad json\n[1, 2]\n{"title": "x"}\n',
            "no valid article",
            "no_records",
        ),
    ],
)
def test_bad_files_raise_load_error(
    tmp_path: Path, name: str, data: bytes, reason: str, code: str
) -> None:
    path = write(tmp_path / name, data)

    with pytest.raises(LoadError, match=reason) as caught:
        load_file(path)

    assert "\n" not in str(caught.value)
    assert caught.value.code == code


def test_oversized_file_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "big.txt", "新闻" * 100)

    with pytest.raises(LoadError, match="limit") as caught:
        load_file(path, max_bytes=100)
    assert caught.value.code == "too_large"
    assert load_one(path, max_bytes=600).text == "新闻" * 100


def test_unreadable_file_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "locked.txt", "秘密")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as root: chmod 000 files stay readable")
        with pytest.raises(LoadError, match="permission denied"):
            load_file(path)
    finally:
        path.chmod(0o644)


def test_permission_error_becomes_load_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "locked.txt", "秘密")

    def deny(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", deny)

    with pytest.raises(LoadError, match="permission denied") as caught:
        load_file(path)
    assert caught.value.code == "permission"


def test_directory_passed_to_load_file_is_rejected(tmp_path: Path) -> None:
    folder = tmp_path / "folder.txt"
    folder.mkdir()

    with pytest.raises(LoadError, match="cannot read") as caught:
        load_file(folder)
    assert caught.value.code == "unreadable"


# --- HTML ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("charset", "codec"), [("utf-8", "utf-8"), ("gbk", "gbk")])
def test_html_keeps_main_text_only(tmp_path: Path, charset: str, codec: str) -> None:
    page = HTML_PAGE.format(charset=charset)
    path = write(tmp_path / "page.html", page.encode(codec))

    loaded = load_one(path)

    assert loaded.kind == "html"
    assert all(paragraph in loaded.text for paragraph in PARAGRAPHS)
    assert f"{PARAGRAPHS[0]}\n\n{PARAGRAPHS[1]}" in loaded.text
    for noise in ("首页导航", "新闻中心", "脚本", "另一个脚本", "版权所有", "color", "广告服务"):
        assert noise not in loaded.text
    assert loaded.title == "重庆科学城建产业创新引领区"
    assert loaded.date == "2023-08-05"
    assert loaded.encoding == ("utf-8" if codec == "utf-8" else "gb18030")


def test_html_without_article_text_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "empty.htm", "<html><head><script>var x=1;</script></head></html>")

    with pytest.raises(LoadError, match="no article text") as caught:
        load_file(path)
    assert caught.value.code == "no_text"


THIN_PAGE = """<html><head><title>{title}</title></head><body>
<nav><a href="/">首页</a> <a href="/news">新闻</a> <a href="/about">关于我们</a></nav>
<div class="content"><p>{body}</p></div>
<footer>版权所有 新闻网</footer></body></html>"""


@pytest.mark.parametrize("body", ["你好", "抱歉，您访问的页面不存在，请返回首页", "Page not found"])
def test_html_with_too_little_text_is_not_an_article(tmp_path: Path, body: str) -> None:
    path = write(tmp_path / "thin.html", THIN_PAGE.format(title="提示", body=body))

    with pytest.raises(LoadError, match=r"^the page has only \d+ characters") as caught:
        load_file(path)

    assert caught.value.code == "too_short"
    assert "\n" not in str(caught.value) and "not an article" in str(caught.value)


def test_html_with_a_one_sentence_brief_is_an_article(tmp_path: Path) -> None:
    brief = "本报讯 今年1-10月，高新区合同投资额达到4.29亿元，同比增长12.9%。"
    path = write(tmp_path / "brief.html", THIN_PAGE.format(title="高新区投资", body=brief))

    assert brief in load_one(path).text


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("页面不存在", 5),
        ("Page not found", 3),
        ("营收4.29亿元", 6),
        ("  ，。!? ", 0),
        ("東京タワー と 서울", 8),
    ],
)
def test_text_units_count_cjk_characters_and_other_words(text: str, units: int) -> None:
    assert text_units(text) == units


def test_minimum_is_for_html_only(tmp_path: Path) -> None:
    short = "你好。"
    assert text_units(short) < MIN_ARTICLE_UNITS

    assert load_one(write(tmp_path / "note.txt", short)).text == short


# --- Word ---------------------------------------------------------------------------------


def test_docx_paragraphs_headings_tables_and_properties(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("科学城建设", level=0)
    document.add_paragraph(PARAGRAPHS[0])
    document.add_heading("产业集群", level=1)
    document.add_heading("重点项目", level=2)
    document.add_paragraph(PARAGRAPHS[1])
    document.add_paragraph("")
    table = document.add_table(rows=2, cols=2)
    for index, value in enumerate(["指标", "增幅", "产值", "12%"]):
        table.cell(index // 2, index % 2).text = value
    document.core_properties.title = "科学城报道"
    document.core_properties.created = datetime(2023, 8, 5, 9, 30)
    path = tmp_path / "report.docx"
    document.save(str(path))

    loaded = load_one(path)

    assert loaded.text == (
        f"# 科学城建设\n\n{PARAGRAPHS[0]}\n\n# 产业集群\n\n## 重点项目\n\n{PARAGRAPHS[1]}"
        "\n\n指标 | 增幅\n\n产值 | 12%"
    )
    assert (loaded.kind, loaded.title, loaded.date) == ("docx", "科学城报道", "2023-08-05")


def test_docx_without_metadata_has_no_template_date(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("只有一段。")
    path = tmp_path / "plain.docx"
    document.save(str(path))

    loaded = load_one(path)

    assert (loaded.text, loaded.title, loaded.date) == ("只有一段。", None, None)


def test_docx_without_text_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "blank.docx"
    docx.Document().save(str(path))

    with pytest.raises(LoadError, match="without text") as caught:
        load_file(path)
    assert caught.value.code == "no_text"


# --- PDF ----------------------------------------------------------------------------------


def test_pdf_text_layer_and_title(tmp_path: Path) -> None:
    path = write(tmp_path / "paper.pdf", minimal_pdf("Rates were cut by 25 basis points.", "Rates"))

    loaded = load_one(path)

    assert loaded.text.strip() == "Rates were cut by 25 basis points."
    assert (loaded.kind, loaded.title) == ("pdf", "Rates")


def test_scanned_pdf_without_text_layer_is_rejected(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    path = tmp_path / "scan.pdf"
    with path.open("wb") as handle:
        writer.write(handle)

    with pytest.raises(LoadError, match="scanned PDF without a text layer; OCR it first") as caught:
        load_file(path)
    assert caught.value.code == "no_text"


def test_password_protected_pdf_is_rejected(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    path = tmp_path / "locked.pdf"
    with path.open("wb") as handle:
        writer.write(handle)

    with pytest.raises(LoadError, match="password-protected") as caught:
        load_file(path)
    assert caught.value.code == "password"


# --- JSON Lines ---------------------------------------------------------------------------


def test_jsonl_skips_bad_lines_and_maps_fields(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    lines = [
        '{"_id": "a1", "header": "2023-08-05 17:56", "text": "第一篇。"}',
        "",
        '{"_id": "a2", "text": "第二篇 {broken',
        '{"id": 7, "title": "标题", "content": "第三篇。", "publish_date": "2023年8月6日"}',
        '{"title": "", "body": "第四篇。", "header": "https://news.example.cn/a/4.html 来源"}',
        '{"_id": "a5", "title": "无正文"}',
        '{"_id": "a6", "text": "第六篇。", "header": "[2023/8/7  10:00]", "url": "https://x.cn/6"}',
    ]
    path = write(tmp_path / "dump.jsonl", "\r\n".join(lines) + "\n")

    with caplog.at_level(logging.WARNING, logger="ingest.loaders"):
        records = load_file(path)

    got = [(r.line, r.record_id, r.title, r.text, r.date, r.url) for r in records]
    assert got == [
        (1, "a1", None, "第一篇。", "2023-08-05", None),
        (4, "7", "标题", "第三篇。", "2023-08-06", None),
        (5, "L5", None, "第四篇。", None, "https://news.example.cn/a/4.html"),
        (7, "a6", None, "第六篇。", "2023-08-07", "https://x.cn/6"),
    ]
    assert {r.kind for r in records} == {"jsonl"}
    assert {r.source for r in records} == {str(path)}
    warned = [record.getMessage() for record in caplog.records]
    assert len(warned) == 2
    assert any(":3:" in message for message in warned)
    assert any(":6:" in message for message in warned)


def test_jsonl_in_gbk_is_decoded(tmp_path: Path) -> None:
    path = write(tmp_path / "gbk.jsonl", '{"_id": "g", "text": "北京今天天气晴朗"}\n'.encode("gbk"))

    (record,) = load_file(path)

    assert (record.text, record.encoding) == ("北京今天天气晴朗", "gb18030")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-08-05 17:56", "2023-08-05"),
        ("2023/8/5", "2023-08-05"),
        ("2023年8月5日", "2023-08-05"),
        ("2023-08-05T17:56:00+08:00", "2023-08-05"),
        ("来源：湖南日报  |  2023年08月05日 09:12:00", "2023-08-05"),
        ("202307/2510:15:08", "2023-07-25"),
        ("20230805", "2023-08-05"),
        ("8-4 14:30", None),
        ("2023-02-30", None),
        ("记者：袁云儿", None),
        ("", None),
    ],
)
def test_jsonl_header_dates(tmp_path: Path, value: str, expected: str | None) -> None:
    line = json.dumps({"_id": "d", "header": value, "text": "正文。"}, ensure_ascii=False)
    path = write(tmp_path / "dates.jsonl", line + "\n")

    (record,) = load_file(path)

    assert record.date == expected


@pytest.mark.parametrize(
    ("relative", "count", "has_titles"),
    [
        ("news_sample/news_2000.jsonl", 2000, False),
        ("rgb_zh_refine/corpus.jsonl", None, False),
        ("cmrc2018_dev/corpus.jsonl", None, True),
    ],
)
def test_real_eval_corpora_load(relative: str, count: int | None, has_titles: bool) -> None:
    path = EVAL_DIR / relative
    if not path.is_file():
        pytest.skip(f"evaluation data not present at {path}")
    expected = count or sum(1 for line in path.open(encoding="utf-8") if line.strip())

    records = load_file(path)

    assert len(records) == expected
    assert all(record.text.strip() and record.record_id for record in records)
    assert len({record.record_id for record in records}) == expected
    assert any(record.title for record in records) == has_titles
    if count == 2000:
        assert records[0].record_id == "documents_dup_part_5_part_2:1717"
        assert records[0].date == "2023-08-05"
        assert sum(record.date is not None for record in records) > 1400
