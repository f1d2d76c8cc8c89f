"""The Streamlit app follows the API's rule: upload, delete and date corrections are shown
only once an editor's key is entered, or with auth explicitly off (``make run``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.api.conftest import EDITOR_KEY, KEYS, READER_KEY, index_copy
from tests.conftest import REPO


@pytest.fixture
def index(
    tmp_path_factory: pytest.TempPathFactory, api_index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    folder = index_copy(tmp_path_factory, api_index_dir)
    monkeypatch.setenv("WENBAO_INDEX", str(folder))
    monkeypatch.setenv("WENBAO_API_KEYS", KEYS)
    return folder


def start() -> AppTest:
    app = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def editing_shown(app: AppTest) -> bool:
    deletes = [b for b in app.button if (b.key or "").startswith("delete-")]
    assert bool(deletes) == bool(app.file_uploader)
    return bool(app.file_uploader)


def test_without_an_editor_key_the_app_only_reads(index: Path) -> None:
    app = start()
    assert not editing_shown(app)
    [field] = app.text_input
    assert field.label == "编辑密钥"
    field.set_value(READER_KEY).run()
    assert not editing_shown(app) and any("不是编辑密钥" in c.value for c in app.caption)
    app.text_input[0].set_value(EDITOR_KEY).run()
    assert editing_shown(app)


def test_with_auth_off_editing_is_shown_without_a_key(
    index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WENBAO_AUTH", "off")
    app = start()
    assert editing_shown(app) and not app.text_input
