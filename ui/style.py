"""The page's styles: the classes ``ui.present`` puts on its HTML, and the uploader's words.

Streamlit's file uploader writes its own English ("Upload", "Drag and drop files here",
"200MB per file"). It has no option for them, so CSS hides them and puts the Chinese words
of ``ui.messages`` in their place; ``tests/test_browser.py`` checks the result in Chromium.
"""

from __future__ import annotations

import json

from ui.messages import APP, dropzone_text

__all__ = ["PAGE_CSS", "UPLOADER_CSS", "uploader_css"]

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
.wb-context strong.wb-h, .wb-quote strong.wb-h { font-size: 1.02rem; }
mark.wb-passage { background: #eff6ff; color: inherit; padding: 0; }
mark.wb-hl { background: #fef3c7; color: inherit; padding: 0 1px; border-radius: 2px; }
mark.wb-fig { background: #fcd34d; color: #111827; font-weight: 700; padding: 0 2px;
  border-radius: 3px; }
.wb-question { white-space: pre-wrap; }
.wb-file { font-weight: 600; font-size: .88rem; word-break: break-all; line-height: 1.3; }
"""
# ``{browse}``, ``{limit}`` and ``{drop}`` are CSS strings (see ``uploader_css``).
UPLOADER_CSS = """
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] {{
  display: none; }}
[data-testid="stFileUploaderDropzone"] button::after {{ content: {browse}; margin-left: .3rem; }}
[data-testid="stFileUploaderDropzoneInstructions"] span {{ display: none; }}
[data-testid="stFileUploaderDropzoneInstructions"] > div::after {{ content: {limit};
  font-size: .8rem; color: #6b7280; }}
[data-testid="stFileUploaderDropzoneInput"] + div > span {{ display: none; }}
[data-testid="stFileUploaderDropzoneInput"] + div::after {{ content: {drop}; }}
"""


def uploader_css(max_file_mb: int) -> str:
    """The uploader's own words, in Chinese and naming the real limit (as CSS strings)."""
    words = {"browse": APP.browse, "limit": dropzone_text(max_file_mb), "drop": APP.drop_here}
    return UPLOADER_CSS.format_map({k: json.dumps(v, ensure_ascii=False) for k, v in words.items()})
