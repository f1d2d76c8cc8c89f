"""Line-level boilerplate rules for news text: contact lines, adverts, bylines, editor tags.

Newspaper pages and web dumps mix the article body with subscription adverts, contact blocks,
bylines and portal trailers ("返回搜狐，查看更多责任编辑："). Indexed, adverts, contact lines and
trailers crowd out real passages in retrieval and end up quoted as evidence, so segmentation
drops them. Bylines are kept (they answer "who wrote this?") and also recorded as the article's
``byline``. Every rule
here looks at one line (or the tail of one span) and is deliberately narrow: a real news
sentence that merely mentions 电话 or 公众号 must survive, so the rules demand a short line
made mostly of a label plus a number, address or name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from retrieval.text.dates import find_date

__all__ = [
    "is_advert_article",
    "is_advert_line",
    "is_boilerplate_line",
    "is_byline",
    "is_contact_line",
    "masthead_date",
    "tidy_byline",
    "trim_trailer",
]

_MAX_CONTACT_LINE = 80
_MAX_EDITORIAL_LINE = 60
_MAX_PROMO_LINE = 25
_MAX_BYLINE = 40
_TRAILER_WINDOW = 80
_MIN_NEWS_PROSE = 100
_MAX_MASTHEAD_LINES = 3
_MAX_MASTHEAD_LINE = 60

_CONTACT_RE = re.compile(
    r"[（(【\[]?(?P<prefix>[\u4e00-\u9fff]{0,6}?)"
    r"(?P<label>电话|热线|手机|传真|电子邮箱|邮箱|电子邮件|E-?mail|QQ|微信|邮编|网址|联系人)"
    r"(?:号码|地址|号)?(?:\s*[（(][^）)]{0,10}[）)])?\s*[:：]\s*(?P<value>.*?)[）)】\]]?",
    re.IGNORECASE,
)
_CONTACT_VALUE_RE = re.compile(
    r"\+?\d[\d\s\-]{4,}\d|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?:https?://|www\.)\S+|[A-Za-z][\w-]{5,}"
)
_CONTACT_FILLER_RE = re.compile(r"[\d\W_]|转|或|分机|及|和")
_MAX_CONTACT_LEFTOVER = 2
_MAX_CONTACT_NAME = 8

_ADVERT_RE = re.compile(
    r"^(?:邮发代号|(?:全年|半年|每月|年)?订阅价|(?:订|定|零售)价\s*[:：]|欢迎订阅|敬请订阅"
    r"|(?:发行|广告|订阅|征订)(?:联系人|热线|部|电话)?\s*[:：])"
    r"|^\d+(?:\.\d+)?元\s*/\s*(?:份|年|期|月|本)$"
)
_PROMO_RE = re.compile(r"公众号|扫码|二维码|扫一扫|长按识别")
_EDITORIAL_RE = re.compile(
    r"[（(【\[]?(?:责任编辑|责编|编辑|校对|审核|终审|初审|复审|值班编辑|监制|来源|稿源)\s*[:：].{0,30}"
    r"|[（(]完[）)]|-?END-?|返回搜狐，?查看更多.*|更多精彩内容请进入.{0,12}"
    r"|(?:版权声明|版权所有|免责声明).*|.*(?:未经授权|禁止转载|不得转载).*",
    re.IGNORECASE,
)
_TRAILER_RE = re.compile(
    r"(?:返回搜狐，?查看更多|[【\[（(]?(?:责任编辑|责编|编辑|校对)(?:\s*[:：]|\s)\s*"
    r"[\u4e00-\u9fff·\s]{0,16}(?:[A-Z]{2,4}\d{2,6})?\s*[】\]）)]?"
    r"|更多精彩内容请进入[\u4e00-\u9fff]{0,10}|[（(]完[）)])\s*$"
)
_ADVERT_TITLE_RE = re.compile(
    r"^\W*(?:欢迎|敬请|诚邀)?(?:订阅|征订)|^\W*(?:广告|版权声明|免责声明|联系我们)\W*$"
)

_BYLINE_MARK_RE = re.compile(r"记者|通讯员|实习生")
_BYLINE_ROLE_RE = re.compile(
    r"(?:本报|特约|见习|实习|首席|全媒体|驻[\u4e00-\u9fff]{1,4})*(?:记者|通讯员|实习生)"
    r"|摄影|文/图|图/文|[□■◎●]|摄"
)
_BYLINE_SEP_RE = re.compile(r"[\s、，,/／:：|丨（）()【】\[\]]+")
_NAME_RE = re.compile(r"[\u4e00-\u9fff·]{2,5}")
_BYLINE_EDGE_RE = re.compile(r"^[\s□■◎●（(【\[]+|[\s（(）)】\]]+$")
_SPACES_RE = re.compile(r"\s+")
_SENTENCE_END_RE = re.compile(r"[。！？!?]")


def is_contact_line(line: str) -> bool:
    """True for a short "label: phone/e-mail/name" line such as ``电话: 010-68667266``.

    A sentence that mentions a phone number ("市民可拨打电话：12345反映问题。") is kept: after
    removing the numbers and addresses, almost nothing may be left of the value.
    """
    line = line.strip()
    match = _CONTACT_RE.fullmatch(line) if len(line) <= _MAX_CONTACT_LINE else None
    if match is None:
        return False
    value = match["value"]
    if match["label"] == "联系人":
        return 0 < len(_CONTACT_VALUE_RE.sub("", value).strip()) <= _MAX_CONTACT_NAME
    if not _CONTACT_VALUE_RE.search(value):
        return False
    leftover = _CONTACT_FILLER_RE.sub("", _CONTACT_VALUE_RE.sub("", value))
    return len(leftover) <= _MAX_CONTACT_LEFTOVER


def is_advert_line(line: str) -> bool:
    """True for subscription, advert and contact lines: the stuff of a page's advert box."""
    line = line.strip()
    if is_contact_line(line) or _ADVERT_RE.search(line):
        return True
    return len(line) <= _MAX_PROMO_LINE and _PROMO_RE.search(line) is not None


def is_boilerplate_line(line: str) -> bool:
    """True for a line that is never article body: advert/contact lines and editorial tags."""
    line = line.strip()
    if is_advert_line(line):
        return True
    return len(line) <= _MAX_EDITORIAL_LINE and _EDITORIAL_RE.fullmatch(line) is not None


def is_advert_article(title: str, lines: Sequence[str]) -> bool:
    """True when an article is a subscription advert or contact box rather than news.

    Either its title announces it ("欢迎订阅…"), or at least half of its (two or more) lines
    are advert/contact lines and what is left is too little prose to be a news item: a
    notice that ends in a contact block is news whose contact lines get dropped one by one.
    Editorial tags count as neither.
    """
    if _ADVERT_TITLE_RE.search(title):
        return True
    adverts = [is_advert_line(line) for line in lines]
    prose = sum(len(line) for line in lines if not is_boilerplate_line(line))
    return sum(adverts) >= 2 and 2 * sum(adverts) >= len(lines) and prose < _MIN_NEWS_PROSE


def masthead_date(lines: Sequence[str]) -> str | None:
    """The date of a page's masthead, when ``lines`` are one and nothing else, else None.

    A masthead is a few short lines without a sentence that hold a complete date:
    ``2022年9月14日 星期三``, ``中国高新技术产业导报 2022年9月14日 第5版``,
    ``发布时间：2022-09-14 10:30 来源：新华网``. It dates the page, and is not an article.
    """
    if not 0 < len(lines) <= _MAX_MASTHEAD_LINES:
        return None
    if any(len(line) > _MAX_MASTHEAD_LINE or _SENTENCE_END_RE.search(line) for line in lines):
        return None
    return find_date(" ".join(lines))


def is_byline(line: str) -> bool:
    """True for a line holding only reporter roles and names: ``王柯岚 本报记者 叶伟``."""
    line = line.strip()
    if len(line) > _MAX_BYLINE or not _BYLINE_MARK_RE.search(line):
        return False
    names = _BYLINE_SEP_RE.split(_BYLINE_ROLE_RE.sub(" ", line))
    return all(_NAME_RE.fullmatch(name) for name in names if name)


def tidy_byline(line: str) -> str:
    """A byline line as article metadata: marks and brackets around it dropped, spaces single.

    ``"□本报记者  张三 李四"`` → ``"本报记者 张三 李四"``; ``"（记者 张三）"`` → ``"记者 张三"``.
    """
    return _SPACES_RE.sub(" ", _BYLINE_EDGE_RE.sub("", line.strip()))


def trim_trailer(text: str, start: int, end: int) -> int:
    """Return the end of span ``[start, end)`` of ``text`` without its portal trailers.

    Web dumps glue "返回搜狐，查看更多责任编辑：" or "（完）" to the last sentence with no line
    break, so a whole-line rule cannot catch them; the span is shortened instead of the text
    being edited, which keeps citation offsets valid.
    """
    while end > start:
        match = _TRAILER_RE.search(text, max(start, end - _TRAILER_WINDOW), end)
        if match is None:
            break
        end = match.start()
        while end > start and text[end - 1].isspace():
            end -= 1
    return end
