"""What the index holds: articles (paged, by source and date), one article's original text,
one chunk, the sources, the counts (reader keys); uploads and deletes (editor keys).
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from api.auth import require
from api.errors import ApiError
from api.options import search_filter
from api.runtime import runtime
from api.schemas import Filters
from api.service import source_id
from retrieval.types import ArticleDate, Chunk, SearchFilter, SourceInfo

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["index"])
MAX_PAGE = 200


READER, EDITOR = Depends(require("reader")), Depends(require("editor"))


@router.get("/stats", dependencies=[READER])
def stats(request: Request) -> JSONResponse:
    """Counts of files, articles and chunks, the embedder, and sources an ingest left half done."""
    index = runtime(request).service.reader().index
    found = index.stats()
    return JSONResponse(
        {
            "files": found.files,
            "articles": found.articles,
            "chunks": found.chunks,
            "embedding_model": found.embedding_model,
            "last_ingest": found.last_ingest,
            "incomplete_sources": [source_id(s) for s in index.incomplete_sources()],
        }
    )


@router.get("/sources", dependencies=[READER])
def sources(request: Request) -> JSONResponse:
    """Every ingested source file with its id (for filters and deletes) and counts."""
    found = runtime(request).service.sources()
    return JSONResponse({"sources": [_source_row(info) for info in found]})


@router.get("/articles", dependencies=[READER])
def articles(
    request: Request,
    *,
    source: Annotated[str | None, Query(description="a source id from /v1/sources")] = None,
    date_from: Annotated[str | None, Query(description="YYYY-MM-DD, inclusive")] = None,
    date_to: Annotated[str | None, Query(description="YYYY-MM-DD, inclusive")] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> JSONResponse:
    """Articles with their dates, paged; a date limit leaves out undated articles."""
    service = runtime(request).service
    limits = search_filter(service, Filters(date_from=date_from, date_to=date_to))
    path = service.source(source) if source else None
    found = [a for a in service.reader().index.article_dates(path) if _within(a, limits)]
    page = found[offset : offset + limit]
    return JSONResponse(
        {
            "total": len(found),
            "offset": offset,
            "limit": limit,
            "articles": [_article_json(a) for a in page],
        }
    )


@router.get("/articles/{article_id}", dependencies=[READER])
def article(article_id: str, request: Request) -> JSONResponse:
    """One article's original text (the text citation offsets point into) and metadata."""
    index = runtime(request).service.reader().index
    index.refresh()
    found = index.article(article_id)
    if found is None:
        raise ApiError(404, "not_found", f"There is no article {article_id!r}: see /v1/articles.")
    return JSONResponse(
        _source_json(found.source)
        | {
            "article_id": found.article_id,
            "title": found.title,
            "date": found.date,
            "date_origin": found.date_origin,
            "date_reason": found.date_reason,
            "byline": found.byline,
            "text": found.text,
        }
    )


@router.get("/chunks/{chunk_id}", dependencies=[READER])
def chunk(chunk_id: str, request: Request) -> JSONResponse:
    """One indexed passage: its exact text and offsets in its article's original text."""
    index = runtime(request).service.reader().index
    index.refresh()
    found = index.ledger.get_chunks([chunk_id]).get(chunk_id)
    if found is None:
        raise ApiError(
            404, "not_found", f"There is no chunk {chunk_id!r}: take ids from citations."
        )
    return JSONResponse(_chunk_json(found))


@router.post("/ingest", dependencies=[EDITOR])
def ingest(request: Request, files: Annotated[list[UploadFile], File()]) -> JSONResponse:
    """Upload files (multipart field ``files``) and ingest them. Each is saved under the index's
    uploads folder by a safe base name, whatever name the client sends."""
    uploads = [(f.filename or "upload", f.file.read()) for f in files]
    report = runtime(request).service.ingest(uploads)
    return JSONResponse(
        {
            "ingested": report.ingested,
            "articles": report.articles,
            "chunks_added": report.chunks_added,
            "chunks_unchanged": report.chunks_unchanged,
            "skipped": [
                {"name": s.path, "reason": s.reason, "code": s.code} for s in report.skipped
            ],
        }
    )


@router.delete("/sources/{ident}", dependencies=[EDITOR])
def delete_source(ident: str, request: Request) -> JSONResponse:
    """Remove a source's chunks and articles (and its file, when it was uploaded)."""
    source, removed = runtime(request).service.remove(ident)
    return JSONResponse(_source_json(source) | {"chunks_removed": removed})


def _within(article: ArticleDate, limits: SearchFilter | None) -> bool:
    if limits is None:
        return True
    day = article.date
    if day is None or len(day) != len("2022-09-14"):
        return False
    return (limits.date_from or day) <= day <= (limits.date_to or day)


def _source_json(source: str) -> dict[str, Any]:
    return {"source_id": source_id(source), "source": source, "name": PurePath(source).name}


def _source_row(info: SourceInfo) -> dict[str, Any]:
    counts = {"articles": info.articles, "chunks": info.chunks, "ingested_at": info.ingested_at}
    return _source_json(info.source) | counts


def _article_json(article: ArticleDate) -> dict[str, Any]:
    return _source_json(article.source) | {
        "article_id": article.article_id,
        "title": article.title,
        "date": article.date,
        "date_origin": article.date_origin,
    }


def _chunk_json(found: Chunk) -> dict[str, Any]:
    return _source_json(found.source) | {
        "chunk_id": found.chunk_id,
        "article_id": found.article_id,
        "title": found.title,
        "section": found.section,
        "text": found.text,
        "char_start": found.char_start,
        "char_end": found.char_end,
        "index": found.index,
        "date": found.date,
    }
