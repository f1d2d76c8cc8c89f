"""Decode the bytes of a text file: UTF-8 (with or without BOM), GB18030/GBK, Big5, or a guess.

Chinese encodings are arbitrated here rather than left to charset-normalizer, because the
detector mislabels short GBK text (as cp949, Big5, even UTF-16).
"""

from __future__ import annotations

import codecs
from collections.abc import Callable

from retrieval.errors import LoadError

__all__ = ["BINARY_REASON", "decode"]

BINARY_REASON = "binary or undecodable file (not UTF-8, GB18030 or Big5 text); convert it to UTF-8"
_COMMON_SHARE = 0.5
_SCORE_SAMPLE = 20_000


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode as UTF-8 (BOM or fast path), the declared charset, GB18030/Big5, or a guess.

    Chinese is arbitrated here rather than left to charset-normalizer because the detector
    mislabels short GBK text (as cp949, Big5, even UTF-16).

    Raises:
        LoadError: the bytes contain NULs or decode as none of these encodings.
    """
    if b"\x00" in data:
        raise LoadError(BINARY_REASON, "binary")
    if data.startswith(codecs.BOM_UTF8):
        found = _decode_as(data[len(codecs.BOM_UTF8) :], "utf-8", "utf-8-sig")
    else:
        found = _decode_as(data, "utf-8") or _decode_as(data, declared)
        found = found or _decode_chinese(data) or _decode_detected(data)
    if found is None:
        raise LoadError(BINARY_REASON, "binary")
    return found


def _decode_as(data: bytes, codec: str | None, name: str | None = None) -> tuple[str, str] | None:
    """Strictly decode as ``codec`` (reported as ``name``), or None if it does not fit."""
    if codec is None:
        return None
    try:
        return data.decode(codec), name or codec
    except (UnicodeDecodeError, LookupError):
        return None


def _decode_chinese(data: bytes) -> tuple[str, str] | None:
    """Pick GB18030 or Big5 by which decoding yields mostly common characters of its script.

    Misdecoded bytes land on rare characters, so the share of common ones tells them apart;
    ties go to GB18030 because the corpus is mostly mainland news.
    """
    best: tuple[float, str, str] | None = None
    for encoding, is_common in (("gb18030", _is_common_gb), ("big5", _is_common_big5)):
        decoded = _decode_as(data, encoding)
        score = _common_share(decoded[0], is_common) if decoded else 0.0
        if decoded and score >= _COMMON_SHARE and (best is None or score > best[0]):
            best = (score, *decoded)
    return None if best is None else (best[1], best[2])


def _common_share(text: str, is_common: Callable[[str], bool]) -> float:
    """Share of non-ASCII, non-space characters (in a sample) that ``is_common`` accepts."""
    wide = [char for char in text[:_SCORE_SAMPLE] if ord(char) > 0x7F and not char.isspace()]
    if not wide:
        return 0.0
    return sum(1 for char in wide if is_common(char)) / len(wide)


def _is_common_gb(char: str) -> bool:
    """GB2312 punctuation rows (A1, A3) or level-1 hanzi (the 3,755 most frequent)."""
    try:
        lead = char.encode("gb2312")[0]
    except UnicodeEncodeError:
        return False
    return lead in (0xA1, 0xA3) or 0xB0 <= lead <= 0xD7


def _is_common_big5(char: str) -> bool:
    """Big5 symbols (A140-A3BF) or the frequently used hanzi block (A440-C67E)."""
    try:
        code = int.from_bytes(char.encode("big5"), "big")
    except UnicodeEncodeError:
        return False
    return 0xA140 <= code <= 0xC67E


def _decode_detected(data: bytes) -> tuple[str, str] | None:
    """Fall back to charset-normalizer for other encodings (e.g. Latin text in cp1252)."""
    from charset_normalizer import from_bytes

    match = from_bytes(data).best()
    if match is None:
        return None
    name = codecs.lookup(str(match.encoding)).name
    if name.startswith(("utf-16", "utf-32")):
        return None
    return _decode_as(data, name)
