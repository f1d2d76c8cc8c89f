"""API keys and their roles, for the HTTP API (``api``) and the app's editing controls.

A key is never stored: the keys file (``WENBAO_API_KEYS_FILE``) and ``WENBAO_API_KEYS`` hold
its SHA-256 with a role, one entry a line (or, in the variable, separated by commas)::

    # role:sha256-of-the-key[:name]
    reader:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08:cms
    editor:60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752:desk

``reader`` may ask, fact-check and read articles; ``editor`` may also ingest and delete.
``new_key`` makes a random key and its entry (``python -m api --new-key editor``). A
presented key is hashed and compared with every entry in constant time
(``hmac.compare_digest``, never stopping at the first match).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from retrieval.errors import ConfigError
from retrieval.settings import Settings

__all__ = [
    "ROLES",
    "KeyEntry",
    "Keyring",
    "Role",
    "can_edit",
    "hash_key",
    "load_keyring",
    "new_key",
    "parse_keys",
    "permits",
]

Role = Literal["reader", "editor"]
ROLES: tuple[Role, ...] = get_args(Role)
KEY_PREFIX = "wb_"
_DIGEST = re.compile(r"[0-9a-f]{64}")
_SEPARATORS = re.compile(r"[,\n]")


@dataclass(frozen=True)
class KeyEntry:
    """One key: its role, the SHA-256 of the key (hex) and an optional name (for logs)."""

    role: Role
    digest: str
    name: str = ""


@dataclass(frozen=True)
class Keyring:
    """The configured keys; ``match`` finds the entry of a presented key."""

    entries: tuple[KeyEntry, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.entries

    def match(self, key: str) -> KeyEntry | None:
        """The entry whose digest is the SHA-256 of ``key``, compared with every entry in
        constant time; ``None`` for an unknown or empty key."""
        presented = bytes.fromhex(hash_key(key))
        found: KeyEntry | None = None
        for entry in self.entries:
            if hmac.compare_digest(presented, bytes.fromhex(entry.digest)) and found is None:
                found = entry
        return found if key else None

    def role_of(self, key: str) -> Role | None:
        entry = self.match(key)
        return entry.role if entry is not None else None


def hash_key(key: str) -> str:
    """The hex SHA-256 of a key (UTF-8): what the keys file stores."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def permits(role: Role, needed: Role) -> bool:
    """Whether a key of ``role`` may do what ``needed`` may: an editor may also read."""
    return role in (needed, "editor")


def new_key(role: str, name: str = "") -> tuple[str, str]:
    """A fresh random key and its entry line for the keys file (the key itself is shown once
    and stored nowhere).

    Raises:
        ConfigError: ``role`` is not a role.
    """
    checked = _role(role, "--new-key")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    line = f"{checked}:{hash_key(key)}" + (f":{name.strip()}" if name.strip() else "")
    return key, line


def parse_keys(text: str, origin: str) -> tuple[KeyEntry, ...]:
    """The entries of a keys file or of ``WENBAO_API_KEYS`` (``origin`` names it in errors).

    Blank entries and ``#`` comments are skipped.

    Raises:
        ConfigError: an entry is not ``role:sha256[:name]``.
    """
    entries: list[KeyEntry] = []
    for number, raw in enumerate(_SEPARATORS.split(text), start=1):
        line = raw.split("#", 1)[0].strip()
        if line:
            entries.append(_entry(line, f"{origin} entry {number}"))
    return tuple(entries)


def load_keyring(settings: Settings) -> Keyring:
    """The keys of ``settings.api_keys_file`` and ``settings.api_keys`` together.

    Raises:
        ConfigError: the file cannot be read or an entry is malformed.
    """
    entries: list[KeyEntry] = []
    path = settings.api_keys_file
    if path is not None:
        entries += parse_keys(_read(path), f"WENBAO_API_KEYS_FILE {path}")
    if settings.api_keys:
        entries += parse_keys(settings.api_keys, "WENBAO_API_KEYS")
    return Keyring(tuple(entries))


def can_edit(settings: Settings, key: str) -> bool:
    """Whether upload and delete may be offered: auth explicitly off, or an editor's key.

    Raises:
        ConfigError: the keys are misconfigured (see ``load_keyring``).
    """
    if settings.auth == "off":
        return True
    return bool(key) and load_keyring(settings).role_of(key) == "editor"


def _entry(line: str, where: str) -> KeyEntry:
    role, _, rest = line.partition(":")
    digest, _, name = rest.partition(":")
    digest = digest.strip().lower()
    if not _DIGEST.fullmatch(digest):
        raise ConfigError(
            f"{where} is not role:sha256[:name] with a 64-digit hex SHA-256 of the key: make "
            "an entry with `python -m api --new-key reader` (never store the key itself)."
        )
    return KeyEntry(_role(role.strip(), where), digest, name.strip())


def _role(role: str, where: str) -> Role:
    for known in ROLES:
        if role == known:
            return known
    raise ConfigError(f"{where}: role {role!r} is not known: use one of {', '.join(ROLES)}.")


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc.__class__.__name__
        raise ConfigError(
            f"Cannot read the keys file {path} ({reason}): set WENBAO_API_KEYS_FILE to a "
            "readable UTF-8 file of role:sha256[:name] lines."
        ) from None
