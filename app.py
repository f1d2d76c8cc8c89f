"""问报 WenBao: the Streamlit chat over the indexed news articles, and their fact-checker.

Two tabs: 问答 (the chat) and 核查 (paste a text, check its claims against the articles).
Wiring only: answers come from ``retrieval.answer.chain``, fact-checks from
``retrieval.check``, their HTML from ``ui.present`` and ``ui.factcheck``, the Markdown records
from ``ui.export``, every word shown from ``ui.messages``, uploads from ``ingest.uploads``.
Settings are read from the environment once per run; the embedder, index, answerer and
fact-checker are built once per process. Every ``WenBaoError`` is shown as a Chinese sentence
saying what to do, with its English line below as a detail for support.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import PurePath
from typing import Any

import streamlit as st

from ingest.pipeline import IngestOptions, IngestSummary
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
from retrieval.check import FactChecker
from retrieval.errors import RetrievalError, StoreError, WenBaoError
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings, load_embeddings
from retrieval.keys import can_edit
from retrieval.settings import K_RANGE, MAX_CHECK_CHARS, Device, EmbeddingEngine, Settings
from retrieval.types import (
    Answer,
    AnswerMode,
    ArticleDate,
    CheckReport,
    Citation,
    IndexStats,
    SearchFilter,
    SourceInfo,
)
from ui.dates import MAX_DATED_ROWS, article_choice, date_line
from ui.export import answer_markdown, check_report_markdown, conversation_markdown
from ui.factcheck import check_html, legend_html
from ui.messages import (
    APP,
    LABELS_ZH,
    ErrorText,
    check_error_text,
    error_text,
    labels_for,
    skipped_text,
    upload_done,
    upload_help,
    upload_label,
)
from ui.present import (
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
    md_escape,
    mode_text,
    notice_detail,
    notice_text,
    passage_html,
    plain_html,
    source_html,
    source_path,
)
from ui.style import PAGE_CSS, uploader_css

MAX_K = 20  # the slider stops below K_RANGE[1]: more passages than this only slow the UI
# Editing (upload, delete, date corrections) needs an editor key unless WENBAO_AUTH=off.
EDITOR_KEY_LABEL = "编辑密钥"
EDITOR_KEY_HELP = "输入编辑（editor）密钥后，才能上传、删除文章或更正日期。"
EDITOR_KEY_WRONG = "这不是编辑密钥：只能提问和查看。"


@dataclass(frozen=True)
class View:
    """What showing an answer needs besides the answer: the index and what it holds now."""

    index: Index
    sources: frozenset[str]
    roots: tuple[PurePath, ...]


@st.cache_resource(show_spinner=APP.loading_model)
def embedder(model: str, engine: EmbeddingEngine, device: Device) -> WenBaoEmbeddings:
    """One embedder per model and process: loading it is the slowest step of a cold start."""
    return load_embeddings(model, engine=engine, device=device)


@st.cache_resource(show_spinner=APP.opening_index)
def answerer(settings: Settings) -> Answerer:
    """One index and answerer per settings and process, shared by every browser session.

    The index is opened, never created: a mistyped ``WENBAO_INDEX`` must not leave an
    empty index behind. A failure is not cached, so the next run tries again.
    """
    index = Index(
        settings,
        embedder(settings.embedding_model, settings.embedding_engine, settings.device),
        create=False,
    )
    return Answerer(index, chat_model=make_chat_model(settings))


@st.cache_resource(show_spinner=APP.opening_index)
def fact_checker(settings: Settings) -> FactChecker:
    """One fact-checker per settings and process, over the answerer's index."""
    return FactChecker(answerer(settings).index, settings)


def open_answerer(settings: Settings) -> Answerer | None:
    """The answerer, or ``None`` on a first run (no index folder yet, or an empty one)."""
    try:
        return answerer(settings)
    except StoreError:
        folder = settings.index_dir
        if settings.chroma_host is None and folder.is_dir() and any(folder.iterdir()):
            raise
        return None


def state() -> Any:
    """This browser session's state, with the keys the app uses set up on first use."""
    session = st.session_state
    session.setdefault("turns", [])
    session.setdefault("uploader", 0)
    session.setdefault("report", None)
    session.setdefault("confirm", None)
    session.setdefault("check", None)
    session.setdefault("checked_at", "")
    session.setdefault("dated", None)
    return session


def main() -> None:
    st.set_page_config(page_title=APP.title, page_icon=":material/newspaper:")
    st.html(f"<style>{PAGE_CSS}</style>")
    st.title(APP.title)
    try:
        settings = Settings.from_env(os.environ)
        st.html(f"<style>{uploader_css(settings.max_file_mb)}</style>")
        run(settings)
    except WenBaoError as exc:
        show_error(error_text(exc))


def run(settings: Settings) -> None:
    """The sidebar, then the conversation; the conversation's download goes in the sidebar."""
    bot = open_answerer(settings)
    options, download_slot = sidebar(settings, bot.index if bot else None)
    if bot is None:
        st.info(APP.first_run)
        return
    sources = frozenset(s.source for s in bot.index.sources())
    view = View(bot.index, sources, (settings.index_dir.resolve(),))
    empty = bot.index.stats().chunks == 0
    if empty:
        st.info(APP.first_run)
    elif not bot.index.is_consistent():
        st.warning(APP.out_of_step)
    if incomplete := bot.index.incomplete_sources():
        names = "、".join(PurePath(s).name for s in incomplete)
        st.warning(md_escape(APP.incomplete_sources.format(names)), icon=":material/warning:")
    chat_tab, check_tab = st.tabs([APP.tab_chat, APP.tab_check])
    with chat_tab:
        chat(bot, view, options, can_ask=not empty)
    with check_tab:
        fact_check(settings, view, options.search, can_check=not empty)
    offer_conversation(download_slot, view)


def offer_conversation(slot: Any, view: View) -> None:
    """The whole conversation as one Markdown file, once there is one (after this run's answer)."""
    if state().turns:
        now = datetime.now().strftime("%Y-%m-%d %H:%M")
        record = conversation_markdown(state().turns, roots=view.roots, exported_at=now)
        slot.download_button(
            APP.download_chat,
            record,
            file_name="wenbao-conversation.md",
            mime="text/markdown",
            key="download-conversation",
            icon=":material/download:",
            on_click="ignore",
            width="stretch",
        )


def show_error(text: ErrorText) -> None:
    st.error(text.message)
    st.caption(md_escape(APP.error_detail.format(text.detail)))


def chat(bot: Answerer, view: View, options: AskOptions, *, can_ask: bool) -> None:
    """The conversation so far, then the input box; a new question is answered in place.

    Inside a tab the input box is inline (not pinned to the page's bottom), so the answer is
    written into the conversation's container above it.
    """
    turns: list[Turn] = state().turns
    conversation = st.container()
    with conversation:
        if not turns and can_ask:
            st.caption(APP.example)
        for turn in turns:
            show_turn(turn, view)
    question = st.chat_input(APP.chat_placeholder) if can_ask else None
    if question:
        with conversation:
            turns.append(ask(bot, view, question, history(turns), options))


def fact_check(
    settings: Settings, view: View, search: SearchFilter | None, *, can_check: bool
) -> None:
    """The 核查 tab: paste a text, check it (with progress), then the marked text and report.

    The last check is kept in the session, so it stays shown while the user asks questions.
    """
    session = state()
    text = st.text_area(
        APP.check_label,
        key="check-text",
        height=280,
        max_chars=MAX_CHECK_CHARS,
        placeholder=APP.check_placeholder,
    )
    clicked = st.button(
        APP.check_button, type="primary", icon=":material/fact_check:", disabled=not can_check
    )
    if clicked:
        session.check = check_text(settings, text, search)
        session.checked_at = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    show_check(session.check, session.checked_at, view)


def check_text(
    settings: Settings, text: str, search: SearchFilter | None
) -> CheckReport | ErrorText:
    """Check ``text`` with a progress bar fed claim by claim; an error comes back as its words."""
    bar = st.progress(0.0, text=APP.checking)

    def progress(done: int, total: int) -> None:
        share = min(done / total, 1.0) if total > 0 else 1.0
        bar.progress(share, text=APP.checking_claims.format(done, total))

    try:
        return fact_checker(settings).check(text, search=search, progress=progress)
    except WenBaoError as exc:
        return check_error_text(exc)
    finally:
        bar.empty()


def show_check(result: CheckReport | ErrorText | None, checked_at: str, view: View) -> None:
    """The last check: the legend, the text with its claims marked, and the report to download."""
    if isinstance(result, ErrorText):
        show_error(result)
        return
    if result is None:
        return
    if not result.claims:
        st.info(APP.check_none, icon=":material/search_off:")
        return
    st.markdown(legend_html(result), unsafe_allow_html=True)
    st.markdown(check_html(result), unsafe_allow_html=True)
    record = check_report_markdown(result, checked_at=checked_at, roots=view.roots)
    st.download_button(
        APP.download_check,
        record,
        file_name="wenbao-check.md",
        mime="text/markdown",
        key="download-check",
        icon=":material/download:",
        on_click="ignore",
    )


def ask(bot: Answerer, view: View, question: str, earlier: list[str], options: AskOptions) -> Turn:
    """Answer ``question`` (streamed in LLM mode) and return the turn to remember."""
    turn = Turn(uuid.uuid4().hex[:8], question, datetime.now().strftime("%Y-%m-%d %H:%M:%S"))
    with st.chat_message("user"):
        st.markdown(plain_html(question), unsafe_allow_html=True)
    with st.chat_message("assistant"):
        try:
            answer = answer_now(bot, question, earlier, options)
        except WenBaoError as exc:
            text = error_text(exc)
            show_error(text)
            return Turn(turn.msg_id, question, turn.asked_at, None, text.message, text.detail)
        turn = Turn(turn.msg_id, question, turn.asked_at, answer=answer)
        show_answer(turn, answer, view)
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
        raise RetrievalError("The answer stream ended without an answer: ask again.")
    return stream.answer


def show_turn(turn: Turn, view: View) -> None:
    with st.chat_message("user"):
        st.markdown(plain_html(turn.question), unsafe_allow_html=True)
    with st.chat_message("assistant"):
        if turn.answer is None:
            show_error(ErrorText(turn.error or "", turn.error_detail))
        else:
            show_answer(turn, turn.answer, view)


def show_answer(turn: Turn, answer: Answer, view: View) -> None:
    """The answer (or refusal), its notices and checks, the sources, and the export."""
    labels = labels_for(answer.question)
    if answer.refused:
        st.info(md_escape(answer.text), icon=":material/search_off:")
    elif answer.reliability == "check":
        st.warning(labels.check_lead, icon=":material/help:")
        st.markdown(answer_html(answer, turn.msg_id), unsafe_allow_html=True)
    else:
        st.markdown(answer_html(answer, turn.msg_id), unsafe_allow_html=True)
    if answer.standalone_question != answer.question:
        st.caption(md_escape(labels.rewritten.format(answer.standalone_question)))
    if answer.notice:
        st.warning(notice_text(answer, labels))
        st.caption(notice_detail(answer, labels))
    for flagged in flag_sentences(answer):
        st.warning(flag_text(flagged, labels), icon=":material/warning:")
    if answer.citations:
        st.markdown(plain_html(labels.sources, "wb-sources-title"), unsafe_allow_html=True)
        for citation in answer.citations:
            show_source(citation, answer, turn.msg_id, view)
    show_export(turn, answer, view)


def show_source(citation: Citation, answer: Answer, msg_id: str, view: View) -> None:
    """One cited passage (with a notice if its file was deleted since), and its context."""
    labels, figures = labels_for(answer.question), answer_figures(answer)
    article = view.index.article(citation.article_id)
    byline = getattr(article, "byline", "") if article is not None else ""
    with st.container(border=True):
        if citation.source not in view.sources:
            name = PurePath(citation.source).name
            st.warning(md_escape(labels.deleted.format(name)), icon=":material/delete:")
        elif citation.incomplete:
            name = PurePath(citation.source).name
            st.warning(md_escape(APP.incomplete_citation.format(name)), icon=":material/warning:")
        html = source_html(citation, figures, msg_id, labels, byline)
        st.markdown(html, unsafe_allow_html=True)
        with st.expander(labels.context, icon=":material/article:"):
            context = (
                context_window(article.text, citation, figures=figures)
                if article is not None
                else passage_html(citation, figures)
            )
            st.markdown(context, unsafe_allow_html=True)


def show_export(turn: Turn, answer: Answer, view: View) -> None:
    labels = labels_for(answer.question)
    record = answer_markdown(answer, asked_at=turn.asked_at, roots=view.roots)
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


def sidebar(settings: Settings, index: Index | None) -> tuple[AskOptions, Any]:
    """New conversation (and its download), knowledge base, answer settings.

    ``index`` is ``None`` before there is one: then only the uploader is shown. Returns the
    options and the slot the conversation's download button is put in once the question of
    this run is answered.
    """
    with st.sidebar:
        if st.button(APP.new_chat, icon=":material/add_comment:", width="stretch"):
            state().turns = []
        download_slot = st.empty()
        st.header(APP.knowledge_base)
        if index is not None:
            show_stats(index.stats())
        editing = editor_access(settings)
        if editing:
            upload(settings, index)
        if index is not None:
            show_sources(settings, index, editing=editing)
        st.header(APP.settings)
        return ask_options(settings), download_slot


def show_stats(stats: IndexStats) -> None:
    files, articles, chunks = st.columns(3)
    files.metric(APP.files, stats.files)
    articles.metric(APP.articles, stats.articles)
    chunks.metric(APP.chunks, stats.chunks)
    st.caption(APP.index_info.format(stats.embedding_model, stats.where))
    st.caption(APP.last_ingest.format(stats.last_ingest or APP.never_ingested))


def upload(settings: Settings, index: Index | None) -> None:
    """Upload files, ingest them with a progress bar, and report per file what went wrong."""
    session = state()
    files = st.file_uploader(
        upload_label(settings.max_file_mb),
        type=list(UPLOAD_TYPES),
        accept_multiple_files=True,
        key=f"uploader-{session.uploader}",
        help=upload_help(UPLOAD_TYPES, settings.max_file_mb),
        max_upload_size=settings.max_file_mb,
    )
    if files and st.button(APP.import_button, type="primary", width="stretch"):
        bar = st.progress(0.0, text=APP.importing)
        uploads = [(f.name, f.getvalue()) for f in files]
        try:
            summary = ingest_files(settings, index, uploads, bar)
        except WenBaoError as exc:
            session.report = error_text(exc)
        else:
            session.report = describe(summary)
        session.uploader += 1
        st.rerun()
    show_report(session.report, settings.max_file_mb)


def ingest_files(
    settings: Settings, index: Index | None, uploads: list[tuple[str, bytes]], bar: Any
) -> IngestSummary:
    """Ingest the uploads into ``index``; the first upload creates the index."""
    writer = index or Index(
        settings, embedder(settings.embedding_model, settings.embedding_engine, settings.device)
    )
    try:
        return ingest_uploads(
            uploads,
            writer,
            uploads_folder(settings),
            IngestOptions.from_settings(settings),
            progress=lambda done, name: bar.progress(done, APP.importing_file.format(name)),
        )
    finally:
        if writer is not index:
            writer.close()


def show_report(report: UploadReport | ErrorText | None, max_file_mb: int) -> None:
    """The last upload's outcome: a success line, and one line per file that did not go in."""
    if isinstance(report, ErrorText):
        show_error(report)
        return
    if report is None:
        return
    done = upload_done(
        report.ingested, report.articles, report.chunks_added, report.chunks_unchanged
    )
    if done:
        st.success(done)
    for skipped in report.skipped:
        st.error(skipped_text(skipped.path, skipped.code, max_file_mb))


def editor_access(settings: Settings) -> bool:
    """Whether upload, delete and date corrections are shown: with auth explicitly off
    (``WENBAO_AUTH=off``, as ``make run`` sets it) or once an editor's key is entered (checked
    against the API's keys, ``retrieval.keys``)."""
    if settings.auth == "off":
        return True
    key = st.text_input(EDITOR_KEY_LABEL, type="password", key="editor-key", help=EDITOR_KEY_HELP)
    try:
        allowed = can_edit(settings, key)
    except WenBaoError as exc:
        show_error(error_text(exc))
        return False
    if key and not allowed:
        st.caption(EDITOR_KEY_WRONG)
    return allowed


def show_sources(settings: Settings, index: Index, *, editing: bool) -> None:
    sources = index.sources()
    with st.expander(APP.sources_title.format(len(sources))):
        for source in sources:
            source_row(settings, index, source, editing=editing)


def source_row(settings: Settings, index: Index, source: SourceInfo, *, editing: bool) -> None:
    """A source file with its counts and, for editors, a delete button that asks for
    confirmation first."""
    key = uuid.uuid5(uuid.NAMESPACE_URL, source.source).hex[:12]
    name, delete = st.columns([5, 1], vertical_alignment="center")
    name.markdown(plain_html(PurePath(source.source).name, "wb-file"), unsafe_allow_html=True)
    where = source_path(source.source, (settings.index_dir.resolve(),))
    name.caption(APP.source_counts.format(source.articles, source.chunks), help=where)
    show_dates(index, source.source, key, editing=editing)
    if not editing:
        return
    if delete.button("", icon=":material/delete:", key=f"delete-{key}", help=APP.delete_help):
        state().confirm = source.source
    if state().confirm == source.source:
        confirm_delete(settings, index, source.source, key)


def show_dates(index: Index, source: str, key: str, *, editing: bool) -> None:
    """Each article's publication date and its origin, and for editors a form that corrects
    one (kept without re-embedding: ``Index.set_article_date``)."""
    dates = index.article_dates(source)
    for article in dates[:MAX_DATED_ROWS]:
        st.caption(md_escape(date_line(article)))
    if len(dates) > MAX_DATED_ROWS:
        st.caption(APP.dates_more.format(len(dates) - MAX_DATED_ROWS))
    if state().dated is not None and state().dated[0] == source:
        st.success(md_escape(APP.date_saved.format(state().dated[1])))
    if dates and editing:
        with st.popover(APP.date_fix, icon=":material/edit_calendar:"):
            correct_date(index, source, dates, key)


def correct_date(index: Index, source: str, dates: list[ArticleDate], key: str) -> None:
    """Pick an article and its right date; nothing changes until 保存日期 is clicked."""
    choice = st.selectbox(
        APP.date_article,
        range(len(dates)),
        format_func=lambda i: article_choice(dates[i]),
        key=f"date-article-{key}",
    )
    day = st.date_input(APP.date_new, value=None, key=f"date-new-{key}")
    chosen = day.isoformat() if isinstance(day, date) else None
    if st.button(APP.date_save, key=f"date-save-{key}", disabled=chosen is None) and chosen:
        article = dates[choice]
        try:
            index.set_article_date(article.article_id, chosen)
        except WenBaoError as exc:
            state().report = error_text(exc)
        else:
            fixed = replace(article, date=chosen, date_origin="given", date_reason="")
            state().dated = (source, date_line(fixed))
        st.rerun()


def confirm_delete(settings: Settings, index: Index, source: str, key: str) -> None:
    """The second step of a delete: nothing is removed until 确认删除 is clicked."""
    st.warning(APP.delete_ask.format(PurePath(source).name), icon=":material/delete:")
    yes, no = st.columns(2)
    if yes.button(APP.delete_confirm, type="primary", key=f"confirm-{key}", width="stretch"):
        remove_source(index, source, uploads_folder(settings))
        state().confirm = state().report = None
        st.rerun()
    if no.button(APP.delete_cancel, key=f"cancel-{key}", width="stretch"):
        state().confirm = None
        st.rerun()


def ask_options(settings: Settings) -> AskOptions:
    """Passages (k), answer mode (LLM only when configured) and an optional date range."""
    k = st.slider(APP.k_label, K_RANGE[0], MAX_K, min(settings.k, MAX_K))
    modes: list[AnswerMode] = ["llm", "extractive"] if settings.llm_configured else ["extractive"]
    mode = st.radio(APP.mode_label, modes, format_func=LABELS_ZH.modes.__getitem__, horizontal=True)
    if not settings.llm_configured:
        st.caption(APP.no_llm)
    search = None
    if st.toggle(APP.date_toggle):
        start = st.date_input(APP.date_from, value=None)
        end = st.date_input(APP.date_to, value=None)
        search = date_filter(start, end)
        st.caption(APP.date_note)
    # 提问日期: the day 去年/上月 in a question are read against (empty: today, see AskOptions).
    asked_on = st.date_input(APP.as_of_label, value=None, help=APP.as_of_help)
    as_of = asked_on.isoformat() if isinstance(asked_on, date) else None
    return AskOptions(k=k, mode=mode, search=search, as_of=as_of)


main()
