"""Restate an article's figure in the unit a question asked for, beside the original.

A question asking "多少万元" about a sentence saying "1028.8亿元" is easier to check with
"1028.8亿元（= 10,288,000万元）". The figure as written is never changed: the conversion is
only ever added beside it, computed with exact ``Decimal`` arithmetic and never rounded.
Only scale words (万, 亿, 万亿, 千万, 百万 …) change; the currency or count unit stays the same.
"""

from __future__ import annotations

import re
from decimal import Decimal

from retrieval.text.figures import Figure, normalize_for_match

__all__ = ["MAX_DECIMALS", "conversion_note", "format_with_conversion"]

MAX_DECIMALS = 6
_CONVERTIBLE = frozenset({"money", "count"})
_APPROXIMATORS = ("多", "余")
_SCALE = r"(?:[十百千]?(?:万亿|亿|万)|千(?![瓦克米伏帕卡兆])|百(?![分米克]))"
_UNIT_RE = re.compile(rf"(?P<scale>{_SCALE})?(?P<base>.+)")
_WRITTEN_RE = re.compile(rf"[0-9][0-9,]*(?:\.[0-9]+)?[多余]?(?P<scale>{_SCALE})?")
_EXPONENTS = {"十": 1, "百": 2, "千": 3, "万": 4, "亿": 8}
_BASE_ALIASES = {"人民币": "元", "港币": "港元"}


def conversion_note(figure: Figure, wanted_unit: str) -> str | None:
    """``figure`` restated in ``wanted_unit`` ("1028.8亿元" in "万元" → "10,288,000万元").

    None when no restatement is due: the figure is not money or a count, is approximate
    ("1000多万元"), is already in that unit, is in another unit ("美元" asked in "元"), or
    would need more than ``MAX_DECIMALS`` decimals in the asked unit.
    """
    wanted = _parse_unit(normalize_for_match(wanted_unit))
    if wanted is None or not _convertible(figure) or figure.value is None:
        return None
    exponent, base = wanted
    if base != _base(figure.unit) or exponent == _written_exponent(figure.raw):
        return None
    number = _format_number(figure.value.scaleb(-exponent), grouped=exponent < 8)
    return None if number is None else f"{number}{normalize_for_match(wanted_unit)}"


def format_with_conversion(raw: str, note: str) -> str:
    """The figure as written with its restatement beside it: "1028.8亿元（= 10,288,000万元）"."""
    return f"{raw}（= {note}）"


def _convertible(figure: Figure) -> bool:
    return figure.kind in _CONVERTIBLE and not figure.unit.startswith(_APPROXIMATORS)


def _parse_unit(unit: str) -> tuple[int, str] | None:
    """``(power of ten, base unit)`` of a unit such as "万元" (4, "元"); None if it is empty."""
    match = _UNIT_RE.fullmatch(unit)
    if match is None:
        return None
    return _exponent(match["scale"]), _base(match["base"])


def _written_exponent(raw: str) -> int:
    """The power of ten of the scale word the figure was written with ("1028.8亿元" → 8)."""
    match = _WRITTEN_RE.match(normalize_for_match(raw))
    return _exponent(match["scale"]) if match else 0


def _exponent(scale: str | None) -> int:
    return sum(_EXPONENTS[char] for char in scale or "")


def _base(unit: str) -> str:
    return _BASE_ALIASES.get(unit, unit)


def _format_number(value: Decimal, *, grouped: bool) -> str | None:
    """``value`` in plain digits without trailing zeros; thousands separators from 10,000
    when ``grouped``; None if it needs more than ``MAX_DECIMALS`` decimals."""
    exact = value.normalize()
    exponent = exact.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -MAX_DECIMALS:
        return None
    pattern = ",f" if grouped and exact >= 10_000 else "f"
    return format(exact, pattern)
