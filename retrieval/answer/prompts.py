"""Prompt files: the LLM's instructions live in ``prompts/*.md``, not in code.

Keeping them as Markdown lets the wording be reviewed and tuned without touching Python.
A prompt file holds one ``## system`` and one ``## human`` section (in that order); text
before the first section and HTML comments (``<!-- ... -->``) are notes for the reader and
never reach the model. Inside a section, ``{name}`` is a template variable and literal
braces are written ``{{`` and ``}}`` (LangChain f-string templates).
"""

from __future__ import annotations

import re
from pathlib import Path

from retrieval.errors import ConfigError

__all__ = ["PROMPTS_DIR", "ROLES", "load_prompt", "parse_prompt", "prompt_messages"]

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
ROLES = ("system", "human")

_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
_HEADING_RE = re.compile(r"^##[ \t]+(\w+)[ \t]*$", re.MULTILINE)


def load_prompt(name: str) -> str:
    """The raw text of ``prompts/<name>.md``.

    Raises:
        ConfigError: the file is missing or unreadable (a broken checkout or a typo).
    """
    path = PROMPTS_DIR / f"{name}.md"
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"the prompt file {path} cannot be read ({type(exc).__name__}): "
            "restore it from the repository."
        ) from None


def parse_prompt(text: str, name: str = "prompt") -> list[tuple[str, str]]:
    """``(role, template)`` pairs of a prompt file's ``## system`` and ``## human`` sections.

    Raises:
        ConfigError: a section is missing, empty, repeated, unknown or out of order.
    """
    text = _COMMENT_RE.sub("", text)
    headings = list(_HEADING_RE.finditer(text))
    roles = [match.group(1).lower() for match in headings]
    if tuple(roles) != ROLES:
        found = ", ".join(roles) or "none"
        raise ConfigError(
            f"prompts/{name}.md must have the sections '## system' then '## human' "
            f"(found: {found}): fix the headings."
        )
    ends = [match.start() for match in headings[1:]] + [len(text)]
    messages = [
        (role, text[match.end() : end].strip())
        for role, match, end in zip(roles, headings, ends, strict=True)
    ]
    empty = [role for role, body in messages if not body]
    if empty:
        raise ConfigError(f"prompts/{name}.md has an empty '## {empty[0]}' section: fill it in.")
    return messages


def prompt_messages(name: str) -> list[tuple[str, str]]:
    """The parsed messages of ``prompts/<name>.md``.

    Raises:
        ConfigError: the file is missing or malformed (see ``load_prompt``, ``parse_prompt``).
    """
    return parse_prompt(load_prompt(name), name)
