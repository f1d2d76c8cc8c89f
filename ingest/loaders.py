"""Turn the files a user points at into ``SourceText`` units for the segmenter.

Every supported format ends up as plain text plus whatever metadata the file carries
(title, date, URL). A file that cannot be used raises ``LoadError`` with a one-line reason,
so the caller can skip it and tell the user why instead of aborting the whole ingest.
Plain-text formats keep the decoded file content verbatim (only newlines are normalised)
because citation offsets point into it.
"""

from __future__ import annotations

import io
import json
import logging
import re
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from itertools import groupby
from pathlib import Path
from typing import Any

from ingest.decoding import decode
from ingest.files import (
    DEFAULT_MAX_BYTES,
    KIND_BY_SUFFIX,
    SUPPORTED_SUFFIXES,
    check_file,
    iter_files,
)
from ingest.types import SourceText
from retrieval.errors import LoadError, SkipCode
from retrieval.text.dates import find_date

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MIN_ARTICLE_UNITS",
    "SUPPORTED_SUFFIXES",
    "check_file",
    "iter_files",
    "load_file",
    "text_units",
]

MIN_ARTICLE_UNITS = 20
"""The least text (``text_units``: CJK characters, other words) an HTML page must keep after
its navigation is removed to count as an article; on a page of several lines, those of up
to ``_NAV_LINE_UNITS`` without punctuation (menu links the extractor kept) do not count. The
shortest real news item, a one-line brief ("本报讯 今年1-10月，高新区合同投资额达到4.29亿元。"),
has 22; what is left of a page that is not an article is shorter: an error page ("抱歉，您访问
的页面不存在，请返回首页", 16), a lone headline, a cookie notice. Only HTML is held to it: the
text of every other kind is the user's own, kept whatever its length."""
_EMPTY_REASON = "empty file; add text or remove it"
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_TEXT_UNIT_RE = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")
_NAV_LINE_UNITS = 6
_PUNCTUATION_RE = re.compile(r"[。！？，、；：!?,;:.]")

_log = logging.getLogger(__name__)

_GB_ALIASES = frozenset({"gb2312", "gbk", "x-gbk", "gb18030", "cp936", "euc-cn"})
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_URL = re.compile(r"^https?://\S+")
_DOCX_TEMPLATE_CREATED = datetime(2013, 12, 23, 23, 15, tzinfo=UTC)
_TEXT_KEYS = ("text", "content", "body")
_DATE_KEYS = ("date", "publish_date", "time")


def load_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[SourceText]:
    """Load one file into one ``SourceText`` (or one per record for ``.jsonl``).

    Raises:
        LoadError: the file is unsupported, empty, too large, binary, unreadable, corrupt
            (or nested too deeply to parse), a scanned PDF without text, or a ``.jsonl``
            without any valid article line.
    """
    check_file(path, max_bytes)
    data = _read_bytes(path)
    try:
        return _LOADERS[KIND_BY_SUFFIX[path.suffix.lower()]](path, data)
    except RecursionError:
        raise LoadError("nested too deeply to parse; re-save or simplify it", "corrupt") from None


def _read_bytes(path: Path) -> bytes:
    """Read the whole file (``check_file`` has refused it first if it is too large).

    Raises:
        LoadError: the file is empty or cannot be read.
    """
    try:
        data = path.read_bytes()
    except PermissionError as exc:
        raise LoadError(
            "permission denied; make the file readable (chmod +r)", "permission"
        ) from exc
    except OSError as exc:
        reason = f"cannot read file ({exc.strerror or exc}); check the path"
        raise LoadError(reason, "unreadable") from exc
    if not data.strip():
        raise LoadError(_EMPTY_REASON, "empty")
    return data


def _not_blank(text: str, reason: str, code: SkipCode = "no_text") -> str:
    """Return ``text`` unchanged unless it holds no visible character (then raise LoadError)."""
    if not text.strip():
        raise LoadError(reason, code)
    return text


def _load_plain(path: Path, data: bytes) -> list[SourceText]:
    """Plain text and Markdown: the decoded content itself, newlines normalised."""
    text, encoding = decode(data)
    text = _not_blank(text.replace("\r\n", "\n").replace("\r", "\n"), _EMPTY_REASON, "empty")
    kind = KIND_BY_SUFFIX[path.suffix.lower()]
    return [SourceText(source=str(path), text=text, kind=kind, encoding=encoding)]


def _load_html(path: Path, data: bytes) -> list[SourceText]:
    """Main article text only: navigation, scripts, footers and comments are dropped.

    Blocks are joined by blank lines, as in .docx/.pdf, so the segmenter sees paragraphs.

    Raises:
        LoadError: the page has no extractable main text, or too little to be an article.
    """
    import trafilatura

    html, encoding = decode(data, _meta_charset(data))
    extracted = trafilatura.extract(
        html, include_comments=False, include_tables=True, favor_recall=True
    )
    lines = extracted.split("\n") if isinstance(extracted, str) else []
    reason = "no article text found in the HTML page; save the article page itself"
    text = _long_enough(_not_blank("\n\n".join(line for line in lines if line.strip()), reason))
    meta = trafilatura.extract_metadata(html)
    title, day, url = (_str_or_none(getattr(meta, key, None)) for key in ("title", "date", "url"))
    day = find_date(day)
    return [SourceText(str(path), text, "html", encoding, title=title, date=day, url=url)]


def _long_enough(text: str) -> str:
    """Return the extracted page text unless it is too thin to be an article (then raise).

    Raises:
        LoadError: fewer than ``MIN_ARTICLE_UNITS`` characters or words of text outside
            menu-link lines (``too_short``).
    """
    lines = text.split("\n\n")
    menu = len(lines) > 1
    units = sum(n for line in lines if (n := text_units(line)) and not (menu and _is_nav(line, n)))
    if units < MIN_ARTICLE_UNITS:
        raise LoadError(
            f"the page has only {units} characters of text after removing navigation "
            f"(an article has at least {MIN_ARTICLE_UNITS}); not an article, skipped",
            "too_short",
        )
    return text


def _is_nav(line: str, units: int) -> bool:
    """A short line without punctuation is a menu link the extractor kept (首页, About us)."""
    return units <= _NAV_LINE_UNITS and _PUNCTUATION_RE.search(line) is None


def text_units(text: str) -> int:
    """How much text ``text`` holds: each CJK character counts one, each other word one.

    ``"页面不存在"`` is 5, ``"Page not found"`` is 3, ``"营收4.29亿元"`` is 6 (营 收 4 29 亿 元).
    """
    return len(_TEXT_UNIT_RE.findall(text))


def _meta_charset(data: bytes) -> str | None:
    """The ``<meta charset>`` of the page head, with GB2312/GBK widened to GB18030."""
    found = _META_CHARSET.search(data[:4096])
    if found is None:
        return None
    name = found.group(1).decode("ascii").lower()
    return "gb18030" if name in _GB_ALIASES else name


def _load_docx(path: Path, data: bytes) -> list[SourceText]:
    """Paragraphs and table rows in document order; headings become Markdown headings.

    Raises:
        LoadError: the file is not a valid Word document or holds no text.
    """
    document = _open_docx(data)
    blocks = [block for block in _docx_blocks(document) if block.strip()]
    text = _not_blank("\n\n".join(blocks), "Word document without text; nothing to index")
    props = document.core_properties
    title, created = _str_or_none(props.title), props.created
    day = created.date().isoformat() if created and created != _DOCX_TEMPLATE_CREATED else None
    return [SourceText(str(path), text, "docx", title=title, date=day)]


def _open_docx(data: bytes) -> Any:
    """Parse the package, turning python-docx's many failure modes into one reason.

    Raises:
        LoadError: the bytes are not a readable .docx package.
    """
    import docx
    from docx.opc.exceptions import OpcError

    try:
        return docx.Document(io.BytesIO(data))
    except (OpcError, zipfile.BadZipFile, KeyError, ValueError, SyntaxError) as exc:
        reason = f"corrupt or invalid .docx ({exc}); re-save it from Word"
        raise LoadError(reason, "corrupt") from exc


def _docx_blocks(document: Any) -> Iterator[str]:
    """One string per paragraph, and one per table row with cells joined by " | ".

    Merged cells are reported once per spanned column by python-docx, hence the groupby.
    """
    from docx.table import Table

    for item in document.iter_inner_content():
        if isinstance(item, Table):
            for row in item.rows:
                cells = (cell.text.strip() for cell in row.cells)
                yield " | ".join(text for text, _ in groupby(cell for cell in cells if cell))
        else:
            yield _docx_paragraph(item.text, item.style.name if item.style else "")


def _docx_paragraph(text: str, style: str) -> str:
    """Render heading styles as Markdown so the segmenter can find sections."""
    if not text.strip() or not style.startswith(("Heading", "Title")):
        return text
    level = "#" if style in ("Title", "Heading 1") else "##"
    return f"{level} {text.strip()}"


def _load_pdf(path: Path, data: bytes) -> list[SourceText]:
    """The text layer of every page, pages joined by a blank line.

    Raises:
        LoadError: the PDF is corrupt, encrypted, or has no text layer (scanned).
    """
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError("password-protected PDF; remove the password first", "password")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise LoadError(f"corrupt PDF ({exc}); re-export or repair it", "corrupt") from exc
    text = "\n\n".join(page for page in pages if page.strip())
    text = _not_blank(text, "scanned PDF without a text layer; OCR it first")
    return [SourceText(source=str(path), text=text, kind="pdf", title=_str_or_none(title))]


def _load_jsonl(path: Path, data: bytes) -> list[SourceText]:
    """One article per line; bad lines are logged and skipped so the rest still load.

    Raises:
        LoadError: no line holds a JSON object with article text.
    """
    content, encoding = decode(data)
    records: list[SourceText] = []
    for number, line in enumerate(content.split("\n"), start=1):
        if line.strip():
            record = _jsonl_record(path, line, number, encoding)
            if record is not None:
                records.append(record)
    if not records:
        raise LoadError(
            "no valid article line in JSONL; expect one JSON object per line with 'text'",
            "no_records",
        )
    return records


def _jsonl_record(path: Path, line: str, number: int, encoding: str) -> SourceText | None:
    """Build the record of one line, or log why it is skipped and return None.

    A line nested too deeply (``RecursionError``) or holding an over-long number is skipped
    like malformed JSON: one bad line never stops the file.
    """
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        _log.warning("%s:%d: skipping malformed JSON line (%s)", path, number, exc.msg)
        return None
    except (RecursionError, ValueError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:80]
        _log.warning("%s:%d: skipping unreadable JSON line (%s)", path, number, reason)
        return None
    text = _first_str(item, _TEXT_KEYS) if isinstance(item, dict) else None
    if text is None or not text.strip():
        _log.warning("%s:%d: skipping line without article text", path, number)
        return None
    header = _str_or_none(item.get("header"))
    return SourceText(
        source=str(path),
        text=text,
        kind="jsonl",
        encoding=encoding,
        record_id=_record_id(item, number),
        title=_str_or_none(item.get("title")),
        date=find_date(_first_str(item, _DATE_KEYS)) or find_date(header),
        url=_str_or_none(item.get("url")) or _header_url(header),
        line=number,
    )


def _record_id(item: dict[str, Any], number: int) -> str:
    """The record's own id (``_id`` or ``id``), else ``L`` and its line number.

    Either is unique only within its file; the article id adds the source
    (``ingest.segment.record_article_id``).
    """
    for key in ("_id", "id"):
        value = item.get(key)
        if value is not None and str(value).strip():
            return str(value)
    return f"L{number}"


def _first_str(item: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    """The first of ``keys`` whose value is a non-blank string."""
    for key in keys:
        value = _str_or_none(item.get(key))
        if value is not None:
            return value
    return None


def _str_or_none(value: object) -> str | None:
    """Strings with visible content pass unchanged; anything else becomes None."""
    return value if isinstance(value, str) and value.strip() else None


def _header_url(header: str | None) -> str | None:
    """CRUD-RAG dumps put either a date or a URL (plus trailing text) in ``header``."""
    found = _URL.match(header.strip()) if header else None
    return found.group(0) if found else None


_LOADERS: dict[str, Callable[[Path, bytes], list[SourceText]]] = {
    "txt": _load_plain,
    "md": _load_plain,
    "html": _load_html,
    "docx": _load_docx,
    "pdf": _load_pdf,
    "jsonl": _load_jsonl,
}
