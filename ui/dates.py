"""Publication dates in the knowledge-base panel: one line per article, saying where its date
came from (given, metadata, file name, dateline, inferred) so a user knows which to correct."""

from __future__ import annotations

from retrieval.types import ArticleDate, DateOrigin

__all__ = ["DATE_ORIGINS", "MAX_DATED_ROWS", "article_choice", "date_line"]

MAX_DATED_ROWS = 20
"""Articles listed per source; a long JSONL dump lists its first ones and a count."""

DATE_ORIGINS: dict[DateOrigin, str] = {
    "given": "人工指定",
    "metadata": "元数据",
    "filename": "文件名",
    "dateline": "正文电头",
    "inferred": "推断",
}


def date_line(article: ArticleDate) -> str:
    """``《标题》 2022-10-20 · 推断：…`` (plain text; the caller escapes it)."""
    title = f"《{article.title}》" if article.title else article.article_id
    if article.date is None:
        return f"{title} 发布日期不明"
    origin = DATE_ORIGINS.get(article.date_origin, "") if article.date_origin else ""
    reason = f"：{article.date_reason}" if article.date_reason else ""
    return f"{title} {article.date}" + (f" · {origin}{reason}" if origin else "")


def article_choice(article: ArticleDate) -> str:
    """The article as one option of the correction form: title and current date."""
    title = article.title or article.article_id
    return f"{title}（{article.date or '日期不明'}）"
