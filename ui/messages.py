"""Every word the interface shows: the Chinese UI, and English labels for English questions.

``WenBaoError`` messages and skip reasons are English one-liners for the CLIs and logs; the
Chinese interface words them itself, from the error class and the ``SkipCode``, and may show
the English line below as a detail for support. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from retrieval.answer.questions import is_english
from retrieval.errors import (
    ConfigError,
    EmbeddingError,
    IndexMismatchError,
    IngestError,
    RetrievalError,
    SkipCode,
    StoreError,
    WenBaoError,
)
from retrieval.settings import MAX_CHECK_CHARS
from retrieval.types import FactKind, Verdict

__all__ = [
    "APP",
    "EXPORT_CHECK_ZH",
    "EXPORT_EN",
    "EXPORT_ZH",
    "FACT_KINDS_ZH",
    "LABELS_EN",
    "LABELS_ZH",
    "SKIP_REASONS",
    "VERDICTS_ZH",
    "VERDICT_HELP_ZH",
    "AppText",
    "ErrorText",
    "Labels",
    "check_error_text",
    "dropzone_text",
    "error_text",
    "export_words",
    "labels_for",
    "skip_reason",
    "skipped_text",
    "upload_done",
    "upload_help",
    "upload_label",
]


@dataclass(frozen=True)
class Labels:
    """The words around an answer, in the language of its question.

    ``period_iso``: period notes name their dates in ISO form (今年 = 2022-01/2022-08).
    """

    sources: str
    context: str
    download: str
    copy: str
    check: str
    notice: str
    notice_detail: str
    date_unknown: str
    chars: str
    seconds: str
    searching: str
    refused: str
    check_lead: str
    rewritten: str
    confidence: str
    deleted: str
    byline: str
    modes: dict[str, str] = field(hash=False)
    flag_kinds: dict[str, str] = field(hash=False)
    reliability: dict[str, str] = field(hash=False)
    period_help: str = "按文章发布日期推算的时间"
    period_iso: bool = False


LABELS_ZH = Labels(
    sources="来源",
    context="上下文",
    download="下载 Markdown",
    copy="复制 Markdown",
    check="核对提示",
    notice="提示：LLM 服务出错，已改为摘录原文回答。",
    notice_detail="错误详情（供技术支持）：{}",
    date_unknown="日期不详",
    chars="字符",
    seconds="用时 {:.1f} 秒",
    searching="正在查找相关段落…",
    refused="未找到答案",
    check_lead="需核实：以下是文章原文摘录，是否正好回答了问题，请对照来源确认后再用。",
    rewritten="按此理解：{}",
    confidence="可信度：{}（{:.2f}）",
    deleted="来源已删除：{}",
    byline="记者：{}",
    reliability={"reliable": "可靠", "check": "需核实", "insufficient": "不足以回答"},
    modes={"extractive": "摘录原文", "llm": "LLM 生成"},
    flag_kinds={
        "unsupported_figure": "数字在引用的段落中找不到",
        "wrong_passage": "数字出自另一段落",
        "uncited_figure": "数字没有标注来源",
        "missing_passage": "引用标记指向不存在的段落",
        "unsupported_name": "名称在引用的段落中找不到",
    },
)
LABELS_EN = Labels(
    sources="Sources",
    context="Context",
    download="Download Markdown",
    copy="Copy as Markdown",
    check="Check",
    notice="Notice: the LLM failed, so the answer quotes the articles instead.",
    notice_detail="Error detail (for support): {}",
    date_unknown="date unknown",
    chars="chars",
    seconds="{:.1f} s",
    searching="Searching the articles…",
    refused="no answer found",
    check_lead="Needs checking: quoted from the articles; confirm against the source that it "
    "answers the question before use.",
    rewritten="Understood as: {}",
    confidence="Confidence: {} ({:.2f})",
    deleted="Source deleted: {}",
    byline="By {}",
    reliability={
        "reliable": "reliable",
        "check": "needs checking",
        "insufficient": "not enough to answer",
    },
    modes={"extractive": "quoted from the articles", "llm": "written by the LLM"},
    flag_kinds={
        "unsupported_figure": "figure not in the cited passage",
        "wrong_passage": "figure is from another passage",
        "uncited_figure": "figure without a citation",
        "missing_passage": "marker points to no passage",
        "unsupported_name": "name not in the cited passage",
    },
    period_help="The period this expression means, from the article's date",
    period_iso=True,
)


def labels_for(question: str) -> Labels:
    """English labels for an English question, Chinese otherwise (the UI's default)."""
    return LABELS_EN if is_english(question) else LABELS_ZH


EXPORT_ZH: Mapping[str, str] = {
    "conversation": "问报对话记录",
    "exported": "导出时间",
    "turn": "第 {} 问",
    "question": "问题",
    "asked": "提问时间",
    "mode": "回答方式",
    "answer": "回答",
    "file": "文件",
    "path": "路径",
    "section": "栏目",
    "date": "发布日期",
    "passage": "段落",
    "quoted": "引用的句子",
    "periods": "文中时间（按发布日期推算）",
    "checks": "核对提示",
    "refused": "(未找到答案)",
    "error": "出错",
}
EXPORT_EN: Mapping[str, str] = {
    **EXPORT_ZH,
    "question": "Question",
    "asked": "Asked",
    "mode": "Mode",
    "answer": "Answer",
    "file": "File",
    "path": "Path",
    "section": "Section",
    "date": "Published",
    "passage": "Passage",
    "quoted": "Quoted sentences",
    "periods": "Time expressions (from the article's date)",
    "checks": "Checks",
    "refused": "(no answer found)",
}


def export_words(labels: Labels) -> Mapping[str, str]:
    """The headings of a Markdown record, in the language of ``labels``."""
    return EXPORT_EN if labels is LABELS_EN else EXPORT_ZH


@dataclass(frozen=True)
class AppText:
    """The fixed words of the Chinese interface (sidebar, chat, uploads, notices)."""

    title: str = "问报 WenBao"
    loading_model: str = "正在加载嵌入模型…"
    opening_index: str = "正在打开知识库…"
    first_run: str = (
        "知识库还是空的。请在左侧边栏上传新闻文章（txt、md、html、docx、pdf、jsonl），"
        "或在终端运行 `python -m ingest data` 导入示例文章，然后在这里提问。"
    )
    out_of_step: str = (
        "索引在一次中断的导入之后不完整：请再次运行 `python -m ingest PATH` 修复，"
        "在此之前回答可能缺少段落。"
    )
    example: str = "例如：科学城核心区2021年GDP增长多少？ 回答里的 [n] 链接到下方的原文段落。"
    chat_placeholder: str = "就已收录的文章提问（中文或英文）…"
    no_answer: str = "回答没有生成完就中断了，请再问一次。"
    new_chat: str = "新对话"
    download_chat: str = "下载整个对话（Markdown）"
    knowledge_base: str = "知识库"
    files: str = "文件"
    articles: str = "文章"
    chunks: str = "段落"
    index_info: str = "嵌入模型：`{}`  \n索引：`{}`"
    last_ingest: str = "最近导入：{}"
    never_ingested: str = "尚未导入"
    import_button: str = "导入"
    importing: str = "正在导入…"
    importing_file: str = "正在导入 {}"
    browse: str = "选择文件"
    drop_here: str = "松开鼠标即可上传"
    sources_title: str = "来源文件（{}）"
    source_counts: str = "{} 篇文章 · {} 个段落"
    delete_help: str = "从知识库删除"
    delete_ask: str = "确定要从知识库删除「{}」吗？它的段落将不再被检索，此操作无法撤销。"
    delete_confirm: str = "确认删除"
    delete_cancel: str = "取消"
    dates_more: str = "另有 {} 篇文章未列出"
    date_fix: str = "更正发布日期"
    date_article: str = "文章"
    date_new: str = "正确的发布日期"
    date_save: str = "保存日期"
    date_saved: str = "已更正：{}（不需要重新导入，文中的今年、去年等已按新日期重新推算）"
    settings: str = "设置"
    k_label: str = "引用段落数 k"
    mode_label: str = "回答方式"
    no_llm: str = "未配置 LLM（OPENAI_BASE_URL、LLM_MODEL），只提供摘录回答。"
    date_toggle: str = "按发布日期筛选"
    date_from: str = "从"
    date_to: str = "到"
    date_note: str = "筛选时，没有发布日期的文章不参与检索。"
    as_of_label: str = "提问日期"
    as_of_help: str = (
        "问题中的今年、去年、上月等按这一天理解。留空即今天；今天找不到时，"
        "按文章自己的日期理解并注明。"
    )
    error_detail: str = "错误详情（供技术支持）：{}"
    incomplete_sources: str = (
        "以下来源上次没有导入完成：{}。回答可能缺少其中的段落；请再次运行 "
        "`python -m ingest PATH` 完成导入。"
    )
    incomplete_citation: str = "此段落来自没有导入完成的来源「{}」，可能缺少相关段落，请核对原文。"
    tab_chat: str = "问答"
    tab_check: str = "核查"
    check_label: str = "要核查的文字"
    check_placeholder: str = (
        f"粘贴稿件中的一句话、一段或整篇文章（不超过 {MAX_CHECK_CHARS:,} 字），"
        "逐一核对其中的数字、日期、引语和名称是否与已收录的文章一致。"
    )
    check_button: str = "核查"
    checking: str = "正在核查…"
    checking_claims: str = "正在核查：已完成 {} / {} 句"
    check_summary: str = "共 {} 句 · 用时 {:.1f} 秒"
    check_hint: str = "点击带颜色的句子，查看它的事实和证据段落。"
    check_no_facts: str = "这句话里没有可以核查的数字、日期、引语或名称。"
    check_no_evidence: str = "已收录的文章里没有找到相关段落。"
    check_stated: str = "原文写作："
    check_none: str = "没有找到可以核查的句子：请粘贴含有数字、日期、引语或名称的文字。"
    download_check: str = "下载核查报告（Markdown）"


APP = AppText()


@dataclass(frozen=True)
class ErrorText:
    """An error as the Chinese UI shows it: what went wrong and what to do, then the detail."""

    message: str
    detail: str


_ERRORS: tuple[tuple[type[WenBaoError], str], ...] = (  # most specific class first
    (
        IndexMismatchError,
        "知识库与当前设置不一致：它是用另一个嵌入模型、在另一个集合（WENBAO_COLLECTION）"
        "或从另一个索引文件夹建立的。请按下方详情改正设置，或用 "
        "`python -m ingest data --reset` 重新导入。",
    ),
    (
        StoreError,
        "无法读取或写入知识库。请确认索引文件夹存在且可写、没有别的导入正在进行"
        "（使用 Chroma 服务器时请确认它已启动），然后重试。",
    ),
    (
        ConfigError,
        "设置有误：某个环境变量的值无效。请按下方详情改正后重新启动应用。",
    ),
    (
        EmbeddingError,
        "嵌入模型无法加载或运行。请检查 WENBAO_EMBEDDING_MODEL 指向的模型，然后重新启动应用。",
    ),
    (
        RetrievalError,
        "这个问题没能回答。请按下方详情修改问题（例如缩短或补全问题）后再问。",
    ),
    (IngestError, "导入文件失败。请检查文件后重新上传。"),
    (WenBaoError, "出了点问题。请按下方详情处理后重试。"),
)


def error_text(exc: WenBaoError) -> ErrorText:
    """The Chinese sentence for an error (chosen by its class), and its English line."""
    message = next(text for kind, text in _ERRORS if isinstance(exc, kind))
    return ErrorText(message, str(exc))


_CHECK_FAILED = (
    "这段文字没能核查。请按下方详情修改"
    f"（例如补全文字，或缩短到 {MAX_CHECK_CHARS:,} 字以内）后再试。"
)


def check_error_text(exc: WenBaoError) -> ErrorText:
    """An error of the 核查 tab: a refused text is worded as one, not as a refused question."""
    if isinstance(exc, RetrievalError):
        return ErrorText(_CHECK_FAILED, str(exc))
    return error_text(exc)


VERDICTS_ZH: Mapping[Verdict, str] = {
    "supported": "支持",
    "contradicted": "矛盾",
    "misattributed": "张冠李戴",
    "not_found": "未找到",
}
VERDICT_HELP_ZH: Mapping[Verdict, str] = {
    "supported": "文章中有同一主体、指标和时期的相同数字或说法",
    "contradicted": "文章对同一主体、指标和时期给出了不同的数字或日期",
    "misattributed": "数字或引语确有其事，但属于另一个主体、指标、时期或说话人",
    "not_found": "已收录的文章里没有相关内容",
}
FACT_KINDS_ZH: Mapping[FactKind, str] = {
    "figure": "数字",
    "date": "日期",
    "quote": "引语",
    "name": "名称",
}
EXPORT_CHECK_ZH: Mapping[str, str] = {
    "report": "核查报告",
    "checked": "核查时间",
    "verdict": "结论",
    "text": "核查的文字",
    "claim": "第 {} 句：{}",
    "fact": "{}「{}」：{}",
    "reason": "理由",
    "stated": "原文写作",
    "evidence": "证据段落",
}


SKIP_REASONS: Mapping[SkipCode, str] = {
    "missing": "文件不存在，请重新上传",
    "unsupported": "不支持这种文件类型，请上传 txt、md、html、docx、pdf 或 jsonl",
    "too_large": "文件超过 {max_mb} MB 的上限，请拆分或压缩后再上传",
    "permission": "没有读取权限，请检查文件权限后再上传",
    "unreadable": "无法读取或保存这个文件，请检查文件后重试",
    "empty": "文件是空的，请加入文字后再上传",
    "binary": "看起来不是文本文件（可能是图片或二进制文件），请上传文章的文字版本",
    "corrupt": "文件已损坏或格式无效，请用原程序重新保存或导出后再上传",
    "password": "PDF 设有密码，请先取消密码再上传",
    "no_text": "没有可提取的文字（可能是扫描件），请上传含文字的版本",
    "no_records": "没有找到带文字（text 字段）的记录，请检查 jsonl 的格式",
    "too_short": "文字太短，无法作为文章导入",
    "duplicate": "与之前上传的同名文件内容完全相同，是同一个文件，已在索引中，无需再次导入",
}


def skip_reason(code: SkipCode, max_file_mb: int) -> str:
    """Why a file was not ingested, in Chinese; ``too_large`` names the real limit."""
    return SKIP_REASONS.get(code, SKIP_REASONS["unreadable"]).format(max_mb=max_file_mb)


def skipped_text(name: str, code: SkipCode, max_file_mb: int) -> str:
    """One line per file that was not ingested: its name and why."""
    return f"{name} 未导入：{skip_reason(code, max_file_mb)}。"


def upload_done(files: int, articles: int, added: int, unchanged: int) -> str | None:
    """The success line of an upload, or ``None`` when no file went in."""
    if not files:
        return None
    return f"已导入 {files} 个文件：{articles} 篇文章，新增 {added} 个段落（未变 {unchanged} 个）。"


def upload_label(max_file_mb: int) -> str:
    """The uploader's label, naming the real size limit."""
    return f"上传文章（每个文件不超过 {max_file_mb} MB）"


def upload_help(types: tuple[str, ...], max_file_mb: int) -> str:
    """The uploader's tooltip and caption: formats and the limit."""
    formats = "、".join(types)
    return f"支持 {formats}；每个文件不超过 {max_file_mb} MB。把文件拖到框里，或点「选择文件」。"


def dropzone_text(max_file_mb: int) -> str:
    """The line inside the uploader's drop zone (in place of Streamlit's English one)."""
    return f"拖放文件到这里 · 每个不超过 {max_file_mb} MB"
