"""Request fields to the library's options: ``AskOptions`` and ``SearchFilter``."""

from __future__ import annotations

from api.schemas import Filters
from api.service import Service, source_id
from retrieval.answer.chain import AskOptions
from retrieval.errors import RetrievalError
from retrieval.text.dates import iso_date
from retrieval.types import AnswerMode, SearchFilter

__all__ = ["ask_options", "search_filter"]


def ask_options(
    service: Service,
    k: int | None,
    mode: AnswerMode | None,
    filters: Filters | None,
    as_of: str | None,
) -> AskOptions:
    """The options of one question (``k`` defaults to ``WENBAO_K``)."""
    return AskOptions(
        k=service.settings.k if k is None else k,
        mode=mode,
        search=search_filter(service, filters),
        as_of=as_of,
    )


def search_filter(service: Service, filters: Filters | None) -> SearchFilter | None:
    """The search limits of ``filters``, sources named by id or recorded path.

    Raises:
        RetrievalError: a source is unknown or a date is not ``YYYY-MM-DD``.
    """
    if filters is None:
        return None
    found = SearchFilter(
        sources=_sources(service, filters.sources),
        article_ids=tuple(filters.article_ids),
        date_from=_date(filters.date_from, "filters.date_from"),
        date_to=_date(filters.date_to, "filters.date_to"),
    )
    return None if found.empty else found


def _sources(service: Service, wanted: list[str]) -> tuple[str, ...]:
    if not wanted:
        return ()
    known = {info.source: source_id(info.source) for info in service.sources()}
    by_id = {ident: source for source, ident in known.items()}
    chosen: list[str] = []
    for item in wanted:
        source = item if item in known else by_id.get(item)
        if source is None:
            raise RetrievalError(
                f"filters.sources: there is no source {item!r}: use an id from GET /v1/sources."
            )
        chosen.append(source)
    return tuple(chosen)


def _date(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    if iso_date(value) != value:
        raise RetrievalError(f"{name} {value!r} is not a date: give YYYY-MM-DD, e.g. 2022-09-14.")
    return value
