"""Publication-date lines of the knowledge-base panel."""

from __future__ import annotations

from retrieval.types import ArticleDate
from ui.dates import article_choice, date_line


def dated(**fields: object) -> ArticleDate:
    base = {"article_id": "a1#1", "source": "x.txt", "title": "青禾县经济", "date": None}
    return ArticleDate(**{**base, **fields})  # type: ignore[arg-type]


def test_a_line_names_the_date_and_where_it_came_from() -> None:
    line = date_line(dated(date="2022", date_origin="inferred", date_reason="最晚的整年是2021年"))
    assert line == "《青禾县经济》 2022 · 推断：最晚的整年是2021年"
    assert (
        date_line(dated(date="2022-10-20", date_origin="given"))
        == "《青禾县经济》 2022-10-20 · 人工指定"
    )


def test_an_unknown_date_says_so_and_an_untitled_article_shows_its_id() -> None:
    assert date_line(dated()) == "《青禾县经济》 发布日期不明"
    assert date_line(dated(title="", date="2023-01-02")) == "a1#1 2023-01-02"
    assert article_choice(dated()) == "青禾县经济（日期不明）"
