"""Rendering: what the Streamlit app shows and exports, outside the answering core.

HTML for answers and passages (``present``), the Markdown record (``export``) and the
interface's words (``messages``). Imports ``retrieval``; nothing in ``retrieval`` or
``ingest`` imports it.
"""

from __future__ import annotations

__all__ = ["export", "present"]
