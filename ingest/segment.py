"""Split loaded sources into articles whose paragraphs are spans of the original text.

Citations point at character offsets of ``SourceText.text``, so nothing here edits the text:
every paragraph is a ``[start, end)`` span, narrowed past whitespace and boilerplate.

A file (a newspaper page rendered to Markdown-ish text) can hold several articles:

* ``# 标题`` starts an article; ``##``/``###`` name a section of the current one, unless the
  next paragraph opens with a news-item lead ("本报讯", "新华社…电", "记者…报道", …) or the
  heading follows a photo caption, in which case it starts a new article.
* A photo caption ("图片来源：…" line, or a paragraph starting "图为") is its own short
  article, so its text never pollutes the previous article's last section; the credit line
  is metadata, not body.
* A byline ("王柯岚 本报记者 叶伟") among an article's first lines, or closing it, is kept as
  body text (so "这篇报道的记者是谁？" finds and quotes it) and recorded as ``Article.byline``;
  a ``##`` heading followed by a byline starts a new article.
* Contact/advert lines and editorial tags are not body; an article made of advert content
  (a subscription box) is dropped entirely, and so is a masthead before the first article
  ("2022年9月14日 星期三"), whose date dates the page's articles (``ingest.dating``).

A ``.jsonl`` record is always exactly one article (the dump already split them).

``article_id`` of a file article is ``sha1(source)[:12]-n`` where ``n`` counts the file's
non-empty articles in order *before* adverts are dropped, so ids of real articles do not
shift when the advert rules change. A record's is ``sha1(source)[:12]#record_id``
(``record_article_id``): the record's own id is part of the key, not the whole key, so equal
ids in two dumps never share chunks.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ingest.cleaning import (
    is_advert_article,
    is_boilerplate_line,
    is_byline,
    masthead_date,
    tidy_byline,
    trim_trailer,
)
from ingest.dating import own_date, share_dates
from ingest.types import Article, Paragraph, SourceText

__all__ = [
    "SEGMENTATION_VERSION",
    "is_boilerplate_line",
    "record_article_id",
    "record_id_of",
    "segment",
]

SEGMENTATION_VERSION = 4
"""Version of the rules that turn a file into articles and chunks (loaders, segmentation,
cleaning, chunking, dating). It is part of every source fingerprint: bump it whenever a rule
change alters what is stored for an unchanged file, so the next ingest re-segments every file
(chunks whose id is unchanged are not embedded again). 2: bylines kept, thin HTML skipped.
3: a record's article id is scoped by its source (``record_article_id``). 4: dates from file
names, mastheads and inferred years, with their origin; relative periods stored (issue 12)."""

_log = logging.getLogger(__name__)

_TITLE_LEN = 40
_SOURCE_KEY_LEN = 12
_DATE_HEAD = 200
_MIN_TITLE_CUT = 6
_MIN_TITLE_SENTENCE = 8
_CAPTION_TITLE = "图片说明"
_BYLINE_LINES = 3

_HEADING_RE = re.compile(r"(#{1,6})(?:[ \t\u3000]+(.*?))?[\s#]*")
_BLANK_LINE_RE = re.compile(r"\n[^\S\n]*\n")
_SPACE_RUN_RE = re.compile(r"\s+")
_LEAD_RE = re.compile(
    r"[（(]?(?:本报讯|本报[\u4e00-\u9fff]{0,6}(?:\d{1,2}月\d{1,2}日)?电"
    r"|本报记者[^。，,]{0,20}?报道|新华社[^。，,]{0,20}?电|中新[网社][^。，,]{0,20}?电"
    r"|[\u4e00-\u9fff]{0,8}记者[^。]{0,20}?报道|据[^。，,]{1,20}?报道)"
)
_CAPTION_SOURCE_RE = re.compile(
    r"[（(]?(?:图片来源|图源|图片提供|供图|摄影)\s*[:：]\s*[^。！？]{0,30}?[）)]?"
    r"|[（(]?图片由[^。！？]{1,20}提供[）)]?"
)
_CAPTION_BODY_RE = re.compile(r"[（(]?图为")
_RECORD_BREAK_RE = re.compile(r"\n|(?<=[。！？!?”』」…])(?:[^\S\n]{2,}|[\u3000\u2003])")
_SENTENCE_END_RE = re.compile(r"[。！？!?]")
_LEADING_DATE_RE = re.compile(
    r"\s*(?:\d{4}年)?\d{1,2}月\d{1,2}日(?:[上下]午|早上|晚上|晚|凌晨|中午)?[，,]\s*"
)
_ORIGINAL_TITLE_RE = re.compile(r"\s*原标题\s*[:：]\s*")
_TITLE_STOP_RE = re.compile(
    r"\s|本报讯|本报综合|本文转自|(?:现代快报|北京时间|[\u4e00-\u9fff]{2}新闻网)讯"
    r"|(?:极目新闻|红星新闻|封面新闻|澎湃新闻|紫牛新闻|潇湘晨报|羊城晚报|扬子晚报|齐鲁晚报"
    r"|大河报|新京报|南都|中新网|新华社|本报)?(?:全媒体|首席|特约|见习|实习)?(?:记者|通讯员)"
    r"|作者[\s:：]|文/|来源[:：]|近日|日前|据悉|\d{1,2}月\d{1,2}日"
)
_REPEATED_TITLE_RE = re.compile(r"(.{6,60}?)\1")


@dataclass(frozen=True)
class _Heading:
    level: int
    text: str


@dataclass(frozen=True)
class _Line:
    """A non-blank, non-heading line, trimmed; ``block`` numbers its blank-line block."""

    start: int
    end: int
    block: int
    text: str


@dataclass(frozen=True)
class _Body:
    line: _Line
    section: str


@dataclass
class _Draft:
    """An article while it is being assembled from lines."""

    title: str = ""
    caption: bool = False
    section: str = ""
    lines: list[_Body] = field(default_factory=list)


def segment(source: SourceText) -> list[Article]:
    """Split ``source`` into articles; boilerplate-only articles are dropped.

    Returns ``[]`` for text that is empty or holds nothing but boilerplate.
    """
    if not source.text.strip():
        return []
    if source.kind == "jsonl":
        return [_record_article(source)]
    drafts = _Builder(_scan(source.text)).run()
    masthead = _masthead(drafts)
    prefix = _source_hash(source.source)
    articles = (
        _finish(source, draft, f"{prefix}-{n}", n, masthead)
        for n, draft in enumerate(drafts)
        if n or masthead is None
    )
    return share_dates([article for article in articles if article is not None])


def _masthead(drafts: list[_Draft]) -> str | None:
    """The date of a masthead that makes up the whole first draft (not an article), else None."""
    first = drafts[0] if drafts else None
    if first is None or first.title or first.caption:
        return None
    return masthead_date([body.line.text for body in first.lines])


def _scan(text: str) -> list[_Heading | _Line]:
    """Cut ``text`` into headings and trimmed lines grouped by blank-line blocks.

    Text without any blank line (PDF extractions, plain dumps) gets one block per line.
    """
    one_per_line = _BLANK_LINE_RE.search(text.strip()) is None
    items: list[_Heading | _Line] = []
    block = pos = 0
    for raw in text.split("\n"):
        start, end = _trim(text, pos, pos + len(raw))
        pos += len(raw) + 1
        heading = _HEADING_RE.fullmatch(text, start, end)
        if heading and heading[2]:
            items.append(_Heading(len(heading[1]), _SPACE_RUN_RE.sub(" ", heading[2])))
        elif start < end and not heading:
            items.append(_Line(start, end, block, text[start:end]))
            block += one_per_line
            continue
        block += 1
    return items


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Narrow ``[start, end)`` past whitespace (including U+3000 and BOM) on both sides."""
    while start < end and (text[start].isspace() or text[start] == "\ufeff"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] == "\ufeff"):
        end -= 1
    return start, end


class _Builder:
    """Turns the scanned items of a file into article drafts, applying the structure rules."""

    def __init__(self, items: list[_Heading | _Line]) -> None:
        self._items = items
        self._drafts: list[_Draft] = []
        self._current = _Draft()

    def run(self) -> list[_Draft]:
        """Return the non-empty drafts in order."""
        for index, item in enumerate(self._items):
            if isinstance(item, _Heading):
                self._heading(item, self._following_text(index))
            else:
                self._line(item)
        self._open()
        return self._drafts

    def _following_text(self, index: int) -> str:
        following = self._items[index + 1] if index + 1 < len(self._items) else None
        return following.text if isinstance(following, _Line) else ""

    def _open(self, title: str = "", *, caption: bool = False) -> None:
        """Close the current draft (kept only if it has body lines) and start another."""
        if self._current.lines:
            self._drafts.append(self._current)
        self._current = _Draft(title=title, caption=caption)

    def _heading(self, heading: _Heading, following: str) -> None:
        current = self._current
        if heading.level == 1 or current.caption or _starts_article(following):
            self._open(heading.text)
        elif not current.lines and not current.title:
            current.title = heading.text
        else:
            current.section = heading.text

    def _line(self, line: _Line) -> None:
        if _CAPTION_SOURCE_RE.fullmatch(line.text):
            self._open(caption=True)
            return
        current = self._current
        new_block = not current.lines or current.lines[-1].line.block != line.block
        if current.caption and current.lines and new_block:
            self._open()
        elif (
            new_block
            and _CAPTION_BODY_RE.match(line.text)
            and not (current.caption and not current.lines)
        ):
            self._open(caption=True)
        self._current.lines.append(_Body(line, self._current.section))


def _starts_article(following: str) -> bool:
    """A news-item lead ("本报讯…") or a byline right under a heading opens a new article."""
    return _LEAD_RE.match(following) is not None or is_byline(following)


def _byline(lines: Sequence[str]) -> str:
    """The byline among an article's first lines, else one closing it; ``""`` if none."""
    found = next((line for line in [*lines[:_BYLINE_LINES], *lines[-1:]] if is_byline(line)), "")
    return tidy_byline(found)


def _finish(
    source: SourceText, draft: _Draft, article_id: str, n: int, masthead: str | None
) -> Article | None:
    """Build the article of ``draft``, or None if it is an advert or has no body left."""
    if is_advert_article(draft.title, [body.line.text for body in draft.lines]):
        _log.debug("dropping advert article %r in %s", draft.title, source.source)
        return None
    paragraphs = _paragraphs(source.text, draft.lines)
    if not paragraphs:
        return None
    title = draft.title or _untitled_title(source, draft, paragraphs, first=n == 0)
    byline = "" if draft.caption else _byline([body.line.text for body in draft.lines])
    return _article(source, article_id, title, paragraphs, byline, masthead=masthead)


def _paragraphs(text: str, lines: list[_Body]) -> tuple[Paragraph, ...]:
    """Join consecutive lines of one block into a paragraph; boilerplate lines split them."""
    groups: list[list[_Body]] = []
    previous_block: int | None = None
    for body in lines:
        if is_boilerplate_line(body.line.text):
            previous_block = None
        elif body.line.block == previous_block:
            groups[-1].append(body)
        else:
            groups.append([body])
            previous_block = body.line.block
    spans = [(group[0].line.start, group[-1].line.end, group[0].section) for group in groups]
    return _clean_spans(text, spans)


def _clean_spans(text: str, spans: Iterable[tuple[int, int, str]]) -> tuple[Paragraph, ...]:
    """Drop portal trailers from each span's end and the spans left empty."""
    paragraphs = []
    for start, end, section in spans:
        stop = trim_trailer(text, start, end)
        if stop > start:
            paragraphs.append(Paragraph(start, stop, section))
    return tuple(paragraphs)


def _article(
    source: SourceText,
    article_id: str,
    title: str,
    paragraphs: tuple[Paragraph, ...],
    byline: str = "",
    *,
    masthead: str | None = None,
) -> Article:
    sections = tuple(dict.fromkeys(p.section for p in paragraphs if p.section))
    texts = [source.text[p.start : p.end] for p in paragraphs]
    head = " ".join([title, *texts[:3]])[:_DATE_HEAD]
    dated = own_date(source, head, "\n".join([title, *texts]), masthead)
    return Article(
        article_id, source.source, title, paragraphs, dated.date, sections, byline,
        dated.origin, dated.reason,
    )  # fmt: skip


def _untitled_title(
    source: SourceText, draft: _Draft, paragraphs: tuple[Paragraph, ...], *, first: bool
) -> str:
    """Title for an article without heading: the file's own title, else its first sentence."""
    if first and not draft.caption and source.title and source.title.strip():
        return _SPACE_RUN_RE.sub(" ", source.title.strip())
    leads = [source.text[p.start : p.end] for p in paragraphs]
    lead = next((text for text in leads if not is_byline(text)), leads[0])
    return _first_sentence(lead) or (_CAPTION_TITLE if draft.caption else lead[:_TITLE_LEN])


def _first_sentence(text: str) -> str:
    """First sentence of ``text`` without a leading "10月28日，" and clipped to a title length."""
    lead = _LEADING_DATE_RE.match(text)
    text = text[lead.end() :] if lead else text
    stop = _SENTENCE_END_RE.search(text)
    if stop:
        text = text[: stop.end() if stop.group() != "。" else stop.start()]
    return _SPACE_RUN_RE.sub(" ", text).strip()[:_TITLE_LEN]


def _record_article(source: SourceText) -> Article:
    """The single article of a ``.jsonl`` record, split on line breaks and indent runs."""
    text = source.text
    spans = []
    pos = 0
    for match in [*_RECORD_BREAK_RE.finditer(text), None]:
        start, end = _trim(text, pos, match.start() if match else len(text))
        if start < end and not is_boilerplate_line(text[start:end]):
            spans.append((start, end, ""))
        pos = match.end() if match else len(text)
    paragraphs = _clean_spans(text, spans) or (Paragraph(*_trim(text, 0, len(text))),)
    title = _record_title(source, text[paragraphs[0].start : paragraphs[0].end])
    article_id = record_article_id(source.source, source.record_id or f"L{source.line or 0}")
    byline = _byline([text[p.start : p.end] for p in paragraphs])
    return _article(source, article_id, title, paragraphs, byline)


def record_article_id(source: str, record_id: str) -> str:
    """The article id of the record ``record_id`` of ``source``: unique per source."""
    return f"{_source_hash(source)}#{record_id}"


def record_id_of(article_id: str) -> str | None:
    """The record's own id inside an article id made by ``record_article_id``, else None."""
    key, mark, record = article_id.partition("#")
    return record if mark and len(key) == _SOURCE_KEY_LEN else None


def _source_hash(source: str) -> str:
    return hashlib.sha1(source.encode("utf-8")).hexdigest()[:_SOURCE_KEY_LEN]


def _record_title(source: SourceText, lead: str) -> str:
    """Title of a record: its ``title`` field, its "原标题：…" lead, or its first sentence."""
    if source.title and source.title.strip():
        return _SPACE_RUN_RE.sub(" ", source.title.strip())
    marker = _ORIGINAL_TITLE_RE.match(source.text)
    if marker:
        title = _original_title(source.text[marker.end() : marker.end() + 3 * _TITLE_LEN])
        if title:
            return title
    return _first_sentence(lead) or lead[:_TITLE_LEN]


def _original_title(text: str) -> str:
    """Cut the title glued to the body after "原标题：" at the first sign of the body.

    Dumps run title, byline and body together ("…沁人心极目新闻记者 林楚晗…"), so the title
    ends at whitespace, a sentence end, a repeated title, a byline or dateline marker.
    """
    cuts = [len(text)]
    repeated = _REPEATED_TITLE_RE.match(text)
    if repeated:
        cuts.append(len(repeated[1]))
    stop = _TITLE_STOP_RE.search(text, _MIN_TITLE_CUT)
    if stop:
        cuts.append(stop.start())
    for end in _SENTENCE_END_RE.finditer(text):
        if end.start() >= _MIN_TITLE_SENTENCE:
            cuts.append(end.start() + (end.group() != "。"))
            break
    return text[: min(cuts)].strip()[:_TITLE_LEN]
