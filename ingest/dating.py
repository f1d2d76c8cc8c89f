"""Publication dates of segmented articles, and where each came from (``DateOrigin``).

The order of precedence (issue 12): a date given to ingest (``--date``) or a correction
(both ``given``, applied by the index when it writes, so they survive re-ingests), then the
record's or file's ``metadata`` (JSONL ``date``/``publish_date``, HTML meta, .docx core
properties), a plausible date in the ``filename`` (``2022-09-14_….txt``), a ``dateline`` in
the article's head (``本报讯（2022年9月14日）``) or the masthead of its page
(``2022年9月14日 星期三``), and last an ``inferred`` year: the latest full year the article
reports on, when it also speaks of a later one (2021年… 今年前三季度 → 2022). An article of a
file (a newspaper page) that still has no date takes the date of the nearest dated article of
the same file, marked ``inferred`` with that reason. Otherwise the date stays unknown.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import PurePath

from ingest.types import Article, SourceText
from retrieval.text.dates import date_in_name, find_date, infer_year
from retrieval.types import DateOrigin

__all__ = ["Dated", "own_date", "share_dates"]


@dataclass(frozen=True)
class Dated:
    """A publication date (``None``: unknown), its origin and, for an inferred one, why."""

    date: str | None = None
    origin: DateOrigin | None = None
    reason: str = ""


def own_date(source: SourceText, head: str, body: str, masthead: str | None = None) -> Dated:
    """The date of one article from what it and its source carry, by precedence.

    ``head`` is the article's title and first lines (where a dateline stands), ``body`` its
    whole text (for the inferred year), ``masthead`` the date of its page's masthead.
    """
    day = find_date(source.date)
    if day:
        return Dated(day, "metadata")
    day = date_in_name(PurePath(source.source).name)
    if day:
        return Dated(day, "filename")
    day = find_date(head)
    if day:
        return Dated(day, "dateline")
    if masthead:
        return Dated(masthead, "dateline", "the masthead of the page")
    inferred = infer_year(body)
    return Dated(inferred[0], "inferred", inferred[1]) if inferred else Dated()


def share_dates(articles: list[Article]) -> list[Article]:
    """Articles of one file with the undated ones dated like the nearest dated one before
    them (else the first after): the articles of a page appeared together."""
    dated = [a for a in articles if a.date]
    if not dated or len(dated) == len(articles):
        return articles
    shared: list[Article] = []
    previous = dated[0]
    for article in articles:
        if article.date:
            previous = article
            shared.append(article)
        else:
            reason = f"the date of another article of the same file: {previous.title}"
            shared.append(
                dataclasses.replace(
                    article, date=previous.date, date_origin="inferred", date_reason=reason
                )
            )
    return shared
