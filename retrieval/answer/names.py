"""Names in answer sentences: person and organisation names a cited passage must contain.

Part-of-speech tagging is noisy, so only names the tagger is fairly sure of are checked, and
common words it mistags as names are left out: a false alarm teaches users to ignore flags.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import jieba
import jieba.posseg as pseg

from retrieval.text.figures import normalize_for_match
from retrieval.text.keywords import JIEBA_LOCK

__all__ = ["is_name", "names", "unsupported_names"]

MAX_FAMOUS_FREQ = 500
MAX_FOREIGN_FREQ = 100
_CJK_NAME_RE = re.compile(r"[\u4e00-\u9fff]{2,}")
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


def unsupported_names(claim: str, passages: Sequence[str]) -> list[str]:
    """Names in ``claim`` that none of ``passages`` (normalised for matching) contains."""
    return [n for n in names(claim) if not any(normalize_for_match(n) in p for p in passages)]


def names(text: str) -> list[str]:
    with JIEBA_LOCK:
        jieba.initialize()
        tagged = [(str(p.word), str(p.flag)) for p in pseg.cut(text)]
        found = [word for word, tag in tagged if is_name(word, tag)]
    return list(dict.fromkeys(found))


def is_name(word: str, tag: str) -> bool:
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
