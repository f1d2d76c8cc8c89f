"""问报 WenBao: the Streamlit front page (placeholder until the chat UI lands: index statistics)."""

from __future__ import annotations

import os

import streamlit as st

from retrieval.embeddings import load_embeddings
from retrieval.errors import WenBaoError
from retrieval.index import Index
from retrieval.settings import Settings
from retrieval.types import IndexStats


@st.cache_resource
def open_index() -> Index:
    settings = Settings.from_env(os.environ)
    return Index(settings, load_embeddings(settings.embedding_model))


def show_stats(stats: IndexStats) -> None:
    files, articles, chunks = st.columns(3)
    files.metric("文件", stats.files)
    articles.metric("文章", stats.articles)
    chunks.metric("段落", stats.chunks)
    st.caption(f"嵌入模型: {stats.embedding_model} · 索引: {stats.where}")
    if stats.last_ingest:
        st.caption(f"最近导入: {stats.last_ingest}")


def main() -> None:
    st.set_page_config(page_title="问报 WenBao", page_icon="📰")
    st.title("问报 WenBao")
    try:
        stats = open_index().stats()
    except WenBaoError as exc:
        st.error(str(exc))
        return
    if stats.chunks == 0:
        st.info("索引是空的:先运行 `python -m ingest data` 导入文章。")
        return
    show_stats(stats)


main()
