"""The page's styles: the classes ``ui.present`` and ``ui.factcheck`` put on their HTML, and
the uploader's words.

Streamlit's file uploader writes its own English ("Upload", "Drag and drop files here",
"200MB per file"). It has no option for them, so CSS hides them and puts the Chinese words
of ``ui.messages`` in their place; ``tests/test_browser.py`` checks the result in Chromium.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from retrieval.types import Verdict
from ui.messages import APP, dropzone_text

__all__ = ["CHECK_CSS", "PAGE_CSS", "UPLOADER_CSS", "VERDICT_COLOURS", "uploader_css"]

_ANSWER_CSS = """
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
.wb-periods { margin-top: .3rem; }
.period-note { background: #f1f5f9; border-radius: 4px; padding: 0 .3rem; }
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
# Each verdict's colour: (mark, tint). Green holds, red differs, purple belongs elsewhere,
# grey is not in the articles; the legend of ``ui.factcheck`` shows the same four.
VERDICT_COLOURS: Mapping[Verdict, tuple[str, str]] = {
    "supported": ("#15803d", "#dcfce7"),
    "contradicted": ("#dc2626", "#fee2e2"),
    "misattributed": ("#9333ea", "#f3e8ff"),
    "not_found": ("#6b7280", "#f3f4f6"),
}
# The fact-check view: claims inline like a spell-checker's marks, each a <details> that opens
# its facts and evidence below the line it is on.
_CHECK_LAYOUT = """
.wb-check { font-size: 1.02rem; line-height: 2; white-space: normal; }
details.wb-claim { display: inline; }
details.wb-claim > summary { display: inline; cursor: pointer; list-style: none;
  text-decoration: underline wavy var(--wb-v); text-decoration-thickness: 1.5px;
  text-underline-offset: 5px; background: var(--wb-tint); border-radius: 3px; padding: 1px 0; }
details.wb-claim > summary::-webkit-details-marker { display: none; }
details.wb-claim > summary::marker { content: ""; }
details.wb-claim[open] > summary { outline: 2px solid var(--wb-v); }
details.wb-claim > summary:focus-visible { outline: 2px solid var(--wb-v); }
mark.wb-fact { background: transparent; color: var(--wb-v); font-weight: 700; padding: 0; }
.wb-claim-body { display: block; margin: .35rem 0 .8rem; padding: .5rem .8rem;
  border-left: 4px solid var(--wb-v); background: #fafafa; line-height: 1.7;
  font-size: .93rem; }
.wb-fact-row { margin: .2rem 0 .6rem; }
.wb-fact-head { margin-bottom: .3rem; }
.wb-badge, .wb-key { display: inline-block; padding: 0 .45rem; border-radius: 999px;
  font-size: .8rem; line-height: 1.5; color: #fff; background: var(--wb-v); }
.wb-kind { color: #6b7280; font-size: .82rem; margin: 0 .3rem; }
.wb-reason { margin-left: .4rem; }
.wb-stated { margin-left: .4rem; color: #4b5563; }
.wb-claim-body .wb-src { margin: .3rem 0 .5rem; }
.wb-legend { font-size: .88rem; margin-bottom: .6rem; line-height: 2; }
.wb-legend .wb-key { margin-left: .6rem; }
.wb-legend .wb-key:first-child { margin-left: 0; }
.wb-legend-note { color: #6b7280; margin-left: .8rem; }
"""
CHECK_CSS = _CHECK_LAYOUT + "".join(
    f".wb-v-{verdict} {{ --wb-v: {mark}; --wb-tint: {tint}; }}\n"
    for verdict, (mark, tint) in VERDICT_COLOURS.items()
)
PAGE_CSS = _ANSWER_CSS + CHECK_CSS
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
