"""Publication dates: the one parser for dates in metadata, headers and article text.

Only complete dates count (year, month and day): "今年7月" says nothing about the year, and
an impossible date ("2023-02-30") is skipped. Results are ISO ``YYYY-MM-DD`` strings.
"""

from __future__ import annotations

import re
from datetime import date

__all__ = ["find_date"]

_SPELLED = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})(?:\s*年\s*(?P<m1>\d{1,2})\s*月\s*(?P<d1>\d{1,2})\s*[日号]?"
    r"|\s*(?P<sep>[-/.])\s*(?P<m2>\d{1,2})\s*(?P=sep)\s*(?P<d2>\d{1,2})(?!\d))"
)
# Compact forms of URLs and feeds: "202308/05" in a path, or a bare "20230805".
_COMPACT = (
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<m>\d{2})/(?P<d>\d{2})"),
    re.compile(r"^\s*(?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})\s*$"),
)


def find_date(text: str | None) -> str | None:
    """The first complete, possible date in ``text`` as ``YYYY-MM-DD``, or None.

    Accepts "2023年8月5日", "2023-08-05 17:56", "2023/8/5", "2023.08.05", ISO datetimes,
    "20230805" on its own and "202308/05" inside a URL.
    """
    if not text:
        return None
    for match in _SPELLED.finditer(text):
        found = _valid(match["y"], match["m1"] or match["m2"], match["d1"] or match["d2"])
        if found is not None:
            return found
    for pattern in _COMPACT:
        for match in pattern.finditer(text):
            found = _valid(match["y"], match["m"], match["d"])
            if found is not None:
                return found
    return None


def _valid(year: str, month: str, day: str) -> str | None:
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None
