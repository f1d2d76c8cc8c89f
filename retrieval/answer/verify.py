"""Answer verification: the last check between an answer and the reader.

A reader trusts an answer for its figures, and a figure the cited passage does not state (a
lost 亿, percentage points passed off as a percentage, a number from another article) is the
worst mistake WenBao can make. So every figure of every answer sentence is compared, with the
same parser chunking and retrieval use (``retrieval.text.figures``), with the figures of the
passages that sentence cites. Names are checked too, more loosely, because part-of-speech
tagging is noisy. Findings never rewrite the answer: they become flags for the UI. Only
markers pointing to no passage are removed, since a citation that cannot be opened misleads.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal
from functools import partial

import jieba
import jieba.posseg as pseg

from retrieval.text.figures import Figure, find_figures, normalize_for_match, same_figure
from retrieval.text.keywords import JIEBA_LOCK
from retrieval.text.sentences import Span, split_sentences, trimmed_pieces
from retrieval.types import Chunk, Flag

__all__ = ["AnswerSentence", "Verification", "flags_for_json", "split_answer", "verify"]

MIN_OVERLAP = 0.5
MIN_OVERLAP_CHARS = 4
MAX_FAMOUS_FREQ = 500
MAX_FOREIGN_FREQ = 100

_N = r"[0-9０-９]{1,3}(?:\s*[-–~]\s*[0-9０-９]{1,3})?"
_MARKER = rf"(?:\[\^?|［|【)\s*(?P<nums>{_N}(?:\s*[,，、]\s*{_N})*)\s*(?:\]|］|】)"
_MARKER_RE = re.compile(_MARKER)
_PADDED_MARKER_RE = re.compile(rf"(?P<pad>[ \t]*){_MARKER}")
_MARKER_PART_RE = re.compile(r"(\d+)(?:\s*[-–~]\s*(\d+))?")
_LEADING_MARKERS_RE = re.compile(rf"(?:[\s*_]*{_MARKER})+")
_ORDINAL_MASK_RE = re.compile(r"^([ \t]*(?:[-*+][ \t]+)?[0-9０-９]{1,2})[.．](?=[ \t])", re.M)
_ORDINAL_RE = re.compile(
    r"^\s*(?:#{1,6}\s+)?(?:[-*+]\s+)?(?:[(（][0-9０-９]{1,2}[)）]|[0-9０-９]{1,2}"
    r"(?:[、)）]|[.．](?![0-9０-９])))"
)
_MARKUP_RE = re.compile(r"\*+|__|`")
_SPACE_RE = re.compile(r"\s+")
_WORD_RE = re.compile(r"\w")
_ASCII_LETTER_RE = re.compile(r"[A-Za-z]")
_CJK_NAME_RE = re.compile(r"[\u4e00-\u9fff]{2,}")
_DATE_PART_RE = re.compile(r"(\d+)([年月日])")
_LEAD_NUMBER_RE = re.compile(r"\d[\d,]*(?:\.\d+)?")

_EN_NUM = r"(?<![\d.,])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_EN_MONEY_RE = re.compile(
    rf"(?:(?P<pre>RMB|CNY|US\$|\$|¥|￥)\s?)?{_EN_NUM}(?!\s*[十百千万亿元%％])"
    r"(?:\s*(?P<scale>thousand|million|billion|trillion|bn|mn)\b)?"
    r"(?:\s*(?P<post>yuan|renminbi|RMB|CNY|(?:US |U\.S\. )?dollars|USD)\b)?",
    re.IGNORECASE,
)
_EN_PERCENT_RE = re.compile(
    rf"{_EN_NUM}\s*(?:(?P<points>percentage points?|ppts?\b)|percent\b|per cent\b|pct\b)",
    re.IGNORECASE,
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH = (
    r"(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b\.?"
)
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\b"
_YEAR = r"(?:,?\s+(?P<year>\d{4})\b)"
_EN_DATE_RES = (
    re.compile(rf"\b{_DAY}\s+{_MONTH}{_YEAR}?"),
    re.compile(rf"\b{_MONTH}\s+{_DAY}{_YEAR}?"),
    re.compile(rf"\b{_MONTH}{_YEAR}"),
)
_EN_SCALES = dict(thousand=10**3, million=10**6, mn=10**6, billion=10**9, bn=10**9, trillion=10**12)

_PERSON_TAGS = frozenset({"nr", "nrfg"})
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺"
    "顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施牛樊葛邢齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰"
    "焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂苗谷盛曲翁冉骆蓝路游辛靳管柴鲍喻祁蒲房滕"
    "屈饶解牟艾尤穆卓邝戚岑窦"
)
_NOT_NAME_END = frozenset("区城证园部局所院会委厅省市县镇村站港队党社校室馆")
_ORG_END = frozenset("国院部委行社团体党会协局台司所校学厅署府军队处办盟组站馆")
_REGION_RE = re.compile(r"[东南西北中]{1,3}部")
_COMMON_WORDS = frozenset(
    "高达 高水平 高峰 高新区 安保 盛夏 沙龙 祝福 温馨 钱财 张贴 孙女 荣耀 荣誉 许可证 智慧 文明 "
    "康复 陈述 卫星 明星 严肃处理 严格遵守 师生 二十大 令人 科普 上市公司 交易所 中南部 新兴产业 "
    "党和政府 党组织 党中央 人民政府 中央政府 地方政府 商务中心 质检中心 公安局 税务局 民政局 "
    "人民法院 人民检察院 林草 施策 雷雨 雷阵雨 齐聚 常青 夏令 牟利 毛巾 金山 韩方 任你选".split()
)


@dataclass(frozen=True)
class AnswerSentence:
    """One sentence of an answer: ``text == answer[start:end]``, with the markers it carries.

    Markers written after the sentence's final punctuation ("…12.9%。[1]") belong to it, so a
    claim and its citation are checked together.
    """

    text: str
    start: int
    end: int
    markers: tuple[int, ...]


@dataclass(frozen=True)
class Verification:
    """An answer after checking: its text (dead markers removed), findings, and what it rests on.

    ``support[n]`` holds absolute offsets (original file coordinates) of the sentences of
    passage ``n`` that back the answer, for highlighting inside the citation.
    """

    text: str
    flags: tuple[Flag, ...]
    support: Mapping[int, tuple[tuple[int, int], ...]]


@dataclass(frozen=True)
class _Sentence:
    start: int
    end: int
    text: str
    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class _Passage:
    sentences: tuple[_Sentence, ...]
    norm: str


_Facts = Mapping[int, _Passage]
_Support = dict[int, set[Span]]


@dataclass(frozen=True)
class _Context:
    """One answer sentence being checked: how it is shown, what it cites, what was found."""

    shown: str
    cited: tuple[int, ...]
    facts: _Facts
    support: _Support


def split_answer(text: str) -> list[AnswerSentence]:
    """Sentences of an answer (Chinese or English), each with the markers that follow it.

    Cuts like ``retrieval.text.sentences`` (never inside a figure); a run of markers opening a
    piece is moved to the sentence before, and "1. " list numbers are not sentence ends.
    """
    pieces: list[Span] = []
    for cut, end in split_sentences(_ORDINAL_MASK_RE.sub(r"\1、", text), 0, len(text)):
        start = cut
        if pieces and (lead := _LEADING_MARKERS_RE.match(text, cut, end)):
            pieces[-1], start = (pieces[-1][0], lead.end()), lead.end()
        if _WORD_RE.search(text, start, end):
            pieces.append((start, end))
    return [_answer_sentence(text, s, e) for s, e in trimmed_pieces(text, pieces)]


def verify(text: str, passages: Mapping[int, Chunk], *, check_names: bool = True) -> Verification:
    """Check every figure (and name) of ``text`` against the passages its sentences cite.

    ``passages`` maps marker numbers to the chunks shown to the answerer.
    """
    facts = {n: _passage(chunk) for n, chunk in passages.items()}
    support: _Support = {}
    flags: list[Flag] = []
    for sentence in split_answer(text):
        flags.extend(_check(sentence, facts, support, check_names=check_names))
    spans = {n: tuple(sorted(found)) for n, found in sorted(support.items()) if found}
    return Verification(_rewrite_markers(text, facts), tuple(dict.fromkeys(flags)), spans)


def flags_for_json(flags: Iterable[Flag]) -> list[dict[str, str]]:
    """Flags as plain dictionaries for JSON output and the UI."""
    return [asdict(flag) for flag in flags]


def _answer_sentence(text: str, start: int, end: int) -> AnswerSentence:
    piece = text[start:end]
    numbers = (n for m in _MARKER_RE.finditer(piece) for n in _marker_numbers(m["nums"]))
    return AnswerSentence(piece, start, end, tuple(dict.fromkeys(numbers)))


def _marker_numbers(body: str) -> list[int]:
    numbers: list[int] = []
    for match in _MARKER_PART_RE.finditer(unicodedata.normalize("NFKC", body)):
        low = int(match[1])
        high = int(match[2]) if match[2] else low
        numbers.extend(range(low, max(low, high) + 1) if high - low < 20 else (low, high))
    return numbers


def _rewrite_markers(text: str, facts: _Facts) -> str:
    """Markers in the plain ``[n]`` form later steps renumber; dead numbers dropped."""

    def swap(match: re.Match[str]) -> str:
        kept = [n for n in _marker_numbers(match["nums"]) if n in facts]
        return match["pad"] + "".join(f"[{n}]" for n in dict.fromkeys(kept)) if kept else ""

    return _PADDED_MARKER_RE.sub(swap, text)


def _passage(chunk: Chunk) -> _Passage:
    sentences = tuple(
        _sentence(chunk, a, b) for a, b in split_sentences(chunk.text, 0, len(chunk.text))
    )
    norm = normalize_for_match(f"{chunk.title}\n{chunk.section}\n{chunk.text}")
    return _Passage(sentences, norm)


def _sentence(chunk: Chunk, start: int, end: int) -> _Sentence:
    text = chunk.text[start:end]
    figures = tuple(find_figures(_english_figures(text)[0]))
    return _Sentence(chunk.char_start + start, chunk.char_start + end, text, figures)


def _check(
    sentence: AnswerSentence, facts: _Facts, support: _Support, *, check_names: bool
) -> list[Flag]:
    shown = _SPACE_RE.sub(" ", _MARKUP_RE.sub("", _MARKER_RE.sub("", sentence.text))).strip()
    context = _Context(shown, tuple(n for n in sentence.markers if n in facts), facts, support)
    flags = [_missing(shown, n, facts) for n in sentence.markers if n not in facts]
    claim, originals = _english_figures(_claim(sentence.text))
    figures = [f for f in find_figures(claim) if not _is_code(claim, f)]
    for figure in figures:
        if found := _check_figure(context, figure, originals.get(figure.raw, figure.raw)):
            flags.append(found)
    if check_names:
        flags.extend(_name_flags(context, claim))
    if context.cited and not figures:
        _add_overlap_support(context, claim)
    return flags


def _is_code(claim: str, figure: Figure) -> bool:
    """Digits of a name or code ("COVID-19", "5G", "PM2.5") are not quantities to check."""
    if figure.kind != "number" or figure.unit:
        return False
    before = claim[max(0, figure.start - 2) : figure.start].replace("-", "")
    return bool(_ASCII_LETTER_RE.search(before[-1:] + claim[figure.end : figure.end + 1]))


def _claim(text: str) -> str:
    """What a sentence states: no markers (a space, so digits never join), markup or list number."""
    return _ORDINAL_RE.sub("", _MARKUP_RE.sub("", _MARKER_RE.sub(" ", text)), count=1)


def _missing(shown: str, n: int, facts: _Facts) -> Flag:
    available = _refs(sorted(facts)) or "none"
    message = f"marker [{n}] points to no passage (passages: {available}); removed from the answer"
    return Flag("missing_passage", shown, f"[{n}]", message)


def _check_figure(context: _Context, figure: Figure, item: str) -> Flag | None:
    holders = {n: spans for n, p in context.facts.items() if (spans := _backing(figure, p))}
    backed = [n for n in context.cited if n in holders]
    for n in backed:
        context.support.setdefault(n, set()).update(holders[n])
    if backed:
        return None
    shown, cited = context.shown, context.cited
    if not cited:
        where = f"it is in passage {_refs(holders)}" if holders else "it is in no passage"
        return Flag("uncited_figure", shown, item, f"figure {item} has no citation ({where})")
    if holders:
        message = f"{item} is in passage {_refs(holders)}, not in {_refs(cited)}"
        return Flag("wrong_passage", shown, item, message)
    return Flag("unsupported_figure", shown, item, _unsupported(context, figure, item))


def _backing(figure: Figure, passage: _Passage) -> set[Span]:
    return {
        (s.start, s.end) for s in passage.sentences if any(_supports(figure, f) for f in s.figures)
    }


def _supports(claimed: Figure, stated: Figure) -> bool:
    """Same figure; a date the passage states in more detail; or a bare number (an English
    "317 projects", a year "in 2021") whose value the passage states with a unit."""
    if same_figure(claimed, stated):
        return True
    if claimed.kind == "date":
        return stated.kind == "date" and _date_within(claimed, stated)
    if claimed.kind != "number" or claimed.unit or claimed.value is None:
        return False
    return stated.value == claimed.value or _date_parts(stated).get("年") == str(claimed.value)


def _date_within(claimed: Figure, stated: Figure) -> bool:
    parts, detail = _date_parts(claimed), _date_parts(stated)
    return bool(parts) and all(detail.get(unit) == number for unit, number in parts.items())


def _date_parts(figure: Figure) -> dict[str, str]:
    if figure.kind != "date":
        return {}
    text = unicodedata.normalize("NFKC", figure.raw).replace("号", "日")
    return {unit: str(int(number)) for number, unit in _DATE_PART_RE.findall(text)}


def _unsupported(context: _Context, figure: Figure, item: str) -> str:
    cited = context.cited
    where = f"the cited passage{'s' if len(cited) > 1 else ''} {_refs(cited)}"
    stated = (f for n in cited for s in context.facts[n].sentences for f in s.figures)
    near = _near_misses(figure, item, stated)
    if near:
        return f"figure {item} is not in {where} (it says {', '.join(near)})"
    return f"figure {item} is not in {where} nor in any other passage"


def _near_misses(figure: Figure, item: str, stated: Iterable[Figure]) -> list[str]:
    """Figures with the same number or value but another scale or unit: what a fact-checker
    most needs to see ("3141.9万元" cited, "3141.9亿元" stated)."""
    if figure.kind == "date":
        return []
    number = _number_text(item)
    close = [f for f in stated if _close(figure, number, f)]
    close.sort(key=lambda f: (f.value != figure.value, f.kind != figure.kind))
    return list(dict.fromkeys(normalize_for_match(f.raw) for f in close))[:2]


def _close(figure: Figure, number: str, stated: Figure) -> bool:
    same_value = figure.value is not None and stated.value == figure.value
    return same_value or (bool(number) and _number_text(stated.raw) == number)


def _number_text(written: str) -> str:
    match = _LEAD_NUMBER_RE.search(unicodedata.normalize("NFKC", written))
    return match[0].replace(",", "") if match else ""


def _refs(numbers: Iterable[int]) -> str:
    return "".join(f"[{n}]" for n in numbers)


def _add_overlap_support(context: _Context, claim: str) -> None:
    """A sentence without figures rests on the passage sentence sharing most of its characters."""
    wanted = _chars(claim)
    if sum(wanted.values()) < MIN_OVERLAP_CHARS:
        return
    for n in context.cited:
        sentences = context.facts[n].sentences
        best = max(sentences, key=lambda s: _overlap(wanted, s.text), default=None)
        if best is not None and _overlap(wanted, best.text) >= MIN_OVERLAP:
            context.support.setdefault(n, set()).add((best.start, best.end))


def _chars(text: str) -> Counter[str]:
    return Counter(c for c in normalize_for_match(text).lower() if c.isalnum())


def _overlap(wanted: Counter[str], text: str) -> float:
    return sum((wanted & _chars(text)).values()) / sum(wanted.values())


def _name_flags(context: _Context, claim: str) -> list[Flag]:
    """Names must be in a cited passage (in any passage when the sentence cites none)."""
    cited = context.cited
    pool = [context.facts[n].norm for n in (cited or context.facts)]
    where = f"the cited passage {_refs(cited)}" if cited else "any passage"
    return [
        Flag("unsupported_name", context.shown, name, f"name {name} is not in {where}")
        for name in _names(claim)
        if not any(normalize_for_match(name) in norm for norm in pool)
    ]


def _names(text: str) -> list[str]:
    with JIEBA_LOCK:
        jieba.initialize()
        tagged = [(str(p.word), str(p.flag)) for p in pseg.cut(text)]
        found = [word for word, tag in tagged if _is_name(word, tag)]
    return list(dict.fromkeys(found))


def _is_name(word: str, tag: str) -> bool:
    """Person and organisation names the tagger is fairly sure of; common words it mistags
    as names ("智慧", "高新区") are left out, since a false alarm teaches users to ignore flags."""
    if not _CJK_NAME_RE.fullmatch(word) or word in _COMMON_WORDS:
        return False
    freq = jieba.get_FREQ(word) or 0
    if tag in _PERSON_TAGS:
        surnamed = len(word) <= 3 and word[0] in _SURNAMES
        return surnamed and word[-1] not in _NOT_NAME_END and freq <= MAX_FAMOUS_FREQ
    if tag == "nrt":
        return freq <= MAX_FOREIGN_FREQ
    org = tag == "nt" and len(word) >= 3 and word[-1] in _ORG_END
    return org and not _REGION_RE.fullmatch(word)


def _english_figures(text: str) -> tuple[str, dict[str, str]]:
    """English figures rewritten the way ``find_figures`` reads them ("4.29 billion yuan" as
    "4290000000元", "Oct 28, 2022" as "2022年10月28日"), with each rewrite's original wording."""
    originals: dict[str, str] = {}
    for pattern, build in _EN_RULES:
        text = pattern.sub(partial(_swap, build=build, originals=originals), text)
    return text, originals


def _swap(
    match: re.Match[str], build: Callable[[re.Match[str]], str | None], originals: dict[str, str]
) -> str:
    new = build(match)
    if new is None:
        return match[0]
    originals[new] = match[0].strip()
    return new


def _en_money(match: re.Match[str]) -> str | None:
    if not (match["scale"] or match["post"] or match["pre"]):
        return None
    scale = _EN_SCALES.get((match["scale"] or "").lower(), 1)
    value = Decimal(match["num"].replace(",", "")) * scale
    currency = f"{match['pre'] or ''}{match['post'] or ''}".lower()
    unit = "美元" if ("$" in currency or "dollar" in currency or "usd" in currency) else "元"
    return format(value.normalize(), "f") + (unit if match["pre"] or match["post"] else "")


def _en_percent(match: re.Match[str]) -> str:
    return match["num"].replace(",", "") + ("个百分点" if match["points"] else "%")


def _en_date(match: re.Match[str]) -> str:
    groups = match.groupdict()
    month = _MONTHS.index(match["month"][:3]) + 1
    year = f"{groups['year']}年" if groups.get("year") else ""
    day = f"{int(groups['day'])}日" if groups.get("day") else ""
    return f"{year}{month}月{day}"


_EN_RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str | None]], ...] = (
    *((pattern, _en_date) for pattern in _EN_DATE_RES),
    (_EN_PERCENT_RE, _en_percent),
    (_EN_MONEY_RE, _en_money),
)
