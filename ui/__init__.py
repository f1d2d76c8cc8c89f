"""Rendering: what the Streamlit app shows and exports, outside the answering core.

HTML for answers and passages (``present``), the fact-check report marked like a
spell-checker (``factcheck``), the Markdown records (``export``), the interface's words
(``messages``), publication-date lines (``dates``) and the page's styles (``style``).
Imports ``retrieval``; nothing in ``retrieval`` or ``ingest`` imports it.
"""

from __future__ import annotations

__all__ = ["dates", "export", "factcheck", "messages", "present", "style"]
