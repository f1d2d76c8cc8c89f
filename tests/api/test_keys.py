"""``retrieval.keys``: entries as hashes with roles, read from a file and the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.errors import ConfigError
from retrieval.keys import Keyring, can_edit, hash_key, load_keyring, new_key, parse_keys, permits
from retrieval.settings import Settings
from tests.api.conftest import EDITOR_KEY, KEYS, READER_KEY


def test_entries_are_read_from_a_file_and_the_environment(tmp_path: Path) -> None:
    keys = tmp_path / "keys.txt"
    keys.write_text(f"# the newsroom's keys\n\nreader:{hash_key('a')}:cms  # the CMS\n", "utf-8")
    settings = Settings.from_env(
        {"WENBAO_API_KEYS_FILE": str(keys), "WENBAO_API_KEYS": f"editor:{hash_key('b')}"}
    )
    keyring = load_keyring(settings)
    assert [(e.role, e.name) for e in keyring.entries] == [("reader", "cms"), ("editor", "")]
    assert keyring.role_of("a") == "reader" and keyring.role_of("b") == "editor"
    assert keyring.role_of("c") is None and keyring.role_of("") is None


def test_the_key_itself_is_never_needed_in_the_entry() -> None:
    keyring = Keyring(parse_keys(KEYS, "test"))
    assert READER_KEY not in KEYS and EDITOR_KEY not in KEYS
    assert keyring.role_of(READER_KEY) == "reader" and keyring.role_of(EDITOR_KEY) == "editor"
    assert keyring.role_of(READER_KEY.upper()) is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("reader:secret", "entry 1 is not role:sha256"),
        (f"admin:{hash_key('x')}", "role 'admin' is not known"),
        (f"reader:{hash_key('x')},\nreader", "entry 3"),
    ],
)
def test_a_malformed_entry_says_which_and_how_to_fix_it(text: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words) as caught:
        parse_keys(text, "WENBAO_API_KEYS")
    assert "\n" not in str(caught.value)


def test_an_unreadable_keys_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Cannot read the keys file"):
        load_keyring(Settings(api_keys_file=tmp_path / "missing.txt"))


def test_roles_and_editing_rights() -> None:
    assert permits("editor", "reader") and permits("editor", "editor")
    assert permits("reader", "reader") and not permits("reader", "editor")
    settings = Settings(api_keys=KEYS)
    assert can_edit(settings, EDITOR_KEY) and not can_edit(settings, READER_KEY)
    assert not can_edit(settings, "") and not can_edit(Settings(), EDITOR_KEY)
    assert can_edit(Settings(auth="off"), "")


def test_new_keys_differ_and_their_entries_parse() -> None:
    (one, line), (two, _) = new_key("reader", "cms"), new_key("reader")
    assert one != two and one.startswith("wb_") and len(one) > 40
    assert Keyring(parse_keys(line, "test")).role_of(one) == "reader"
    with pytest.raises(ConfigError, match="role"):
        new_key("owner")


def test_settings_read_auth_and_the_rate() -> None:
    settings = Settings.from_env({"WENBAO_AUTH": "OFF", "WENBAO_API_RATE_PER_MINUTE": "30"})
    assert settings.auth == "off" and settings.api_rate_per_minute == 30
    with pytest.raises(ConfigError, match="WENBAO_AUTH"):
        Settings.from_env({"WENBAO_AUTH": "maybe"})
    with pytest.raises(ConfigError, match="WENBAO_API_RATE_PER_MINUTE"):
        Settings.from_env({"WENBAO_API_RATE_PER_MINUTE": "0"})
