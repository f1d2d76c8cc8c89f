"""问报 WenBao: the Streamlit chat over the indexed news articles.

Wiring only: answers come from ``retrieval.answer.chain``, their HTML from ``ui.present``,
the Markdown record from ``ui.export``, uploads from ``ingest.uploads``. Settings are
read from the environment once per run; the embedder, index and answerer are built once per
process. Every ``WenBaoError`` becomes a one-line ``st.error``.
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime
from pathlib import PurePath
from typing import Any

import streamlit as st

from ingest.pipeline import IngestOptions
from ingest.uploads import (
    UPLOAD_TYPES,
    UploadReport,
    describe,
    ingest_uploads,
    remove_source,
    uploads_folder,
)
from retrieval.answer.chain import Answerer, AskOptions
from retrieval.answer.llm import make_chat_model
from retrieval.errors import WenBaoError
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings, load_embeddings
from retrieval.settings import Settings
from retrieval.types import Answer, AnswerMode, Citation, IndexStats
from ui.export import answer_markdown
from ui.present import (
    LABELS_ZH,
    AnswerStream,
    Turn,
    answer_figures,
    answer_html,
    confidence_text,
    context_window,
    date_filter,
    flag_sentences,
    flag_text,
    history,
    labels_for,
    md_escape,
    mode_text,
    notice_text,
    passage_html,
    plain_html,
    source_html,
)

MAX_K = 20
# Styles for the classes ui.present puts on its HTML.
PAGE_CSS = """
.wb-answer { font-size: 1.05rem; line-height: 1.75; }
.wb-answer sup a { text-decoration: none; font-weight: 600; padding: 0 1px; }
.wb-answer strong.wb-fig { color: #9a3412; }
.wb-flag { text-decoration: underline wavy #d97706; text-underline-offset: 3px; }
.wb-sources-title { font-weight: 600; font-size: .9rem; color: #4b5563; margin: .6rem 0 -.2rem; }
.wb-src { scroll-margin-top: 4rem; }
.wb-src-head { font-weight: 600; margin-bottom: .15rem; }
.wb-src-head .wb-n { color: #2563eb; margin-right: .35rem; }
.wb-meta { color: #6b7280; font-size: .82rem; margin-bottom: .4rem; }
.wb-meta code { font-size: .78rem; }
.wb-quote, .wb-context { font-size: .93rem; line-height: 1.7; border-left: 3px solid #cbd5e1;
  padding: .1rem 0 .1rem .7rem; color: #374151; }
mark.wb-passage { background: #eff6ff; color: inherit; padding: 0; }
mark.wb-hl { background: #fef3c7; color: inherit; padding: 0 1px; border-radius: 2px; }
mark.wb-fig { background: #fcd34d; color: #111827; font-weight: 700; padding: 0 2px;
  border-radius: 3px; }
.wb-question { white-space: pre-wrap; }
.wb-file { font-weight: 600; font-size: .88rem; word-break: break-all; line-height: 1.3; }
"""

OUT_OF_STEP = (
    "索引在一次中断的导入之后不完整:请再次运行 `python -m ingest PATH` 修复,"
    "在此之前回答可能缺少段落。"
)
FIRST_RUN = (
    "知识库还是空的。请在左侧边栏上传新闻文章(txt、md、html、docx、pdf、jsonl),"
    "或在终端运行 `python -m ingest data` 导入示例文章,然后在这里提问。"
)


@st.cache_resource(show_spinner="正在加载嵌入模型…")
def embedder(model: str) -> WenBaoEmbeddings:
    """One embedder per model and process: loading it is the slowest step of a cold start."""
    return load_embeddings(model)


@st.cache_resource(show_spinner="正在打开知识库…")
def answerer(settings: Settings) -> Answerer:
    """One index and answerer per settings and process, shared by every browser session."""
    index = Index(settings, embedder(settings.embedding_model))
    return Answerer(index, chat_model=make_chat_model(settings))


def state() -> Any:
    """This browser session's state, with the keys the app uses set up on first use."""
    session = st.session_state
    session.setdefault("turns", [])
    session.setdefault("uploader", 0)
    session.setdefault("report", None)
    return session


def main() -> None:
    st.set_page_config(page_title="问报 WenBao", page_icon=":material/newspaper:")
    st.html(f"<style>{PAGE_CSS}</style>")
    st.title("问报 WenBao")
    try:
        settings = Settings.from_env(os.environ)
        bot = answerer(settings)
        options = sidebar(settings, bot.index)
        if bot.index.stats().chunks == 0:
            st.info(FIRST_RUN)
            return
        if not bot.index.is_consistent():
            st.warning(OUT_OF_STEP)
        chat(bot, options)
    except WenBaoError as exc:
        st.error(str(exc))


def chat(bot: Answerer, options: AskOptions) -> None:
    """The conversation so far, then the input box; a new question is answered in place."""
    turns: list[Turn] = state().turns
    if not turns:
        st.caption("例如:科学城核心区2021年GDP增长多少? 回答里的 [n] 链接到下方的原文段落。")
    for turn in turns:
        show_turn(turn, bot.index)
    question = st.chat_input("提问 / Ask about the articles…")
    if question:
        turns.append(ask(bot, question, history(turns), options))


def ask(bot: Answerer, question: str, earlier: list[str], options: AskOptions) -> Turn:
    """Answer ``question`` (streamed in LLM mode) and return the turn to remember."""
    turn = Turn(uuid.uuid4().hex[:8], question, datetime.now().strftime("%Y-%m-%d %H:%M:%S"))
    with st.chat_message("user"):
        st.markdown(plain_html(question), unsafe_allow_html=True)
    with st.chat_message("assistant"):
        try:
            answer = answer_now(bot, question, earlier, options)
        except WenBaoError as exc:
            st.error(str(exc))
            return Turn(turn.msg_id, question, turn.asked_at, error=str(exc))
        turn = Turn(turn.msg_id, question, turn.asked_at, answer=answer)
        show_answer(turn, answer, bot.index)
    return turn


def answer_now(bot: Answerer, question: str, earlier: list[str], options: AskOptions) -> Answer:
    """Extractive answers at once; LLM answers streamed, then replaced by the checked text."""
    if options.mode != "llm":
        with st.spinner(labels_for(question).searching):
            return bot.ask(question, earlier, options)
    stream = AnswerStream(bot.stream(question, earlier, options))
    draft = st.empty()
    with draft.container():
        st.write_stream(stream.pieces())
    draft.empty()
    if stream.answer is None:
        raise WenBaoError("The answer stream ended without an answer: ask again.")
    return stream.answer


def show_turn(turn: Turn, index: Index) -> None:
    with st.chat_message("user"):
        st.markdown(plain_html(turn.question), unsafe_allow_html=True)
    with st.chat_message("assistant"):
        if turn.answer is None:
            st.error(turn.error or "")
        else:
            show_answer(turn, turn.answer, index)


def show_answer(turn: Turn, answer: Answer, index: Index) -> None:
    """The answer (or refusal), its notices and checks, the sources, and the export."""
    labels = labels_for(answer.question)
    if answer.refused:
        st.info(md_escape(answer.text))
    elif answer.reliability == "check":
        st.warning(labels.check_lead, icon=":material/help:")
        st.markdown(answer_html(answer, turn.msg_id), unsafe_allow_html=True)
    else:
        st.markdown(answer_html(answer, turn.msg_id), unsafe_allow_html=True)
    if answer.standalone_question != answer.question:
        st.caption(md_escape(labels.rewritten.format(answer.standalone_question)))
    if answer.notice:
        st.warning(notice_text(answer, labels))
    for flagged in flag_sentences(answer):
        st.warning(flag_text(flagged, labels), icon=":material/warning:")
    if answer.citations:
        st.markdown(plain_html(labels.sources, "wb-sources-title"), unsafe_allow_html=True)
        for citation in answer.citations:
            show_source(citation, answer, turn.msg_id, index)
    show_export(turn, answer)


def show_source(citation: Citation, answer: Answer, msg_id: str, index: Index) -> None:
    """One cited passage, and the article around it behind an expander."""
    labels, figures = labels_for(answer.question), answer_figures(answer)
    with st.container(border=True):
        st.markdown(source_html(citation, figures, msg_id, labels), unsafe_allow_html=True)
        with st.expander(labels.context, icon=":material/article:"):
            article = index.article(citation.article_id)
            view = (
                context_window(article.text, citation, figures=figures)
                if article is not None
                else passage_html(citation, figures)
            )
            st.markdown(view, unsafe_allow_html=True)


def show_export(turn: Turn, answer: Answer) -> None:
    labels = labels_for(answer.question)
    record = answer_markdown(answer, asked_at=turn.asked_at)
    parts = [mode_text(answer, labels), confidence_text(answer, labels)]
    parts += [labels.seconds.format(answer.seconds), turn.asked_at]
    st.caption(" · ".join(p for p in parts if p))
    left, right = st.columns([1, 2], vertical_alignment="top")
    left.download_button(
        labels.download,
        record,
        file_name=f"wenbao-{turn.msg_id}.md",
        mime="text/markdown",
        key=f"download-{turn.msg_id}",
        icon=":material/download:",
        on_click="ignore",
    )
    with right.expander(labels.copy, icon=":material/content_copy:"):
        st.code(record, language="markdown", wrap_lines=True)


def sidebar(settings: Settings, index: Index) -> AskOptions:
    """New conversation, knowledge base (counts, upload, sources) and answer settings."""
    with st.sidebar:
        if st.button("新对话", icon=":material/add_comment:", width="stretch"):
            state().turns = []
        st.header("知识库")
        show_stats(index.stats())
        upload(settings, index)
        show_sources(settings, index)
        st.header("设置")
        return ask_options(settings)


def show_stats(stats: IndexStats) -> None:
    files, articles, chunks = st.columns(3)
    files.metric("文件", stats.files)
    articles.metric("文章", stats.articles)
    chunks.metric("段落", stats.chunks)
    st.caption(f"嵌入模型:`{stats.embedding_model}`  \n索引:`{stats.where}`")
    st.caption(f"最近导入:{stats.last_ingest or '尚未导入'}")


def upload(settings: Settings, index: Index) -> None:
    """Upload files, ingest them with a progress bar, and report per file what went wrong."""
    session = state()
    files = st.file_uploader(
        "上传文章",
        type=list(UPLOAD_TYPES),
        accept_multiple_files=True,
        key=f"uploader-{session.uploader}",
        help="支持 " + "、".join(UPLOAD_TYPES),
    )
    if files and st.button("导入", type="primary", width="stretch"):
        bar = st.progress(0.0, text="正在导入…")
        try:
            summary = ingest_uploads(
                [(f.name, f.getvalue()) for f in files],
                index,
                uploads_folder(settings),
                IngestOptions.from_settings(settings),
                progress=lambda done, name: bar.progress(done, text=f"正在导入 {name}"),
            )
        except WenBaoError as exc:
            session.report = UploadReport(None, (f"导入失败:{exc}",))
        else:
            session.report = describe(summary)
        session.uploader += 1
        st.rerun()
    report = session.report
    if report is not None:
        if report.done:
            st.success(report.done)
        for problem in report.problems:
            st.error(problem)


def show_sources(settings: Settings, index: Index) -> None:
    sources = index.sources()
    with st.expander(f"来源文件({len(sources)})"):
        for source in sources:
            name, delete = st.columns([5, 1], vertical_alignment="center")
            name.markdown(
                plain_html(PurePath(source.source).name, "wb-file"), unsafe_allow_html=True
            )
            name.caption(f"{source.articles} 篇文章 · {source.chunks} 个段落", help=source.source)
            if delete.button(
                "",
                icon=":material/delete:",
                key="delete-" + uuid.uuid5(uuid.NAMESPACE_URL, source.source).hex[:12],
                help="从知识库删除",
            ):
                remove_source(index, source.source, uploads_folder(settings))
                state().report = None
                st.rerun()


def ask_options(settings: Settings) -> AskOptions:
    """Passages (k), answer mode (LLM only when configured) and an optional date range."""
    k = st.slider("引用段落数 k", 1, MAX_K, min(settings.k, MAX_K))
    modes: list[AnswerMode] = ["llm", "extractive"] if settings.llm_configured else ["extractive"]
    mode = st.radio("回答方式", modes, format_func=LABELS_ZH.modes.__getitem__, horizontal=True)
    if not settings.llm_configured:
        st.caption("未配置 LLM(OPENAI_BASE_URL、LLM_MODEL),只提供摘录回答。")
    search = None
    if st.toggle("按发布日期筛选"):
        start = st.date_input("从", value=None)
        end = st.date_input("到", value=None)
        search = date_filter(start, end)
        st.caption("筛选时,没有发布日期的文章不参与检索。")
    return AskOptions(k=k, mode=mode, search=search)


main()
