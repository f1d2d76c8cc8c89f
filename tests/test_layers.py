"""The import rules of ``ARCHITECTURE.md``, enforced: no layer imports one above it.

The allowed table is read from ``ARCHITECTURE.md`` itself (the rows of its "Layers" table), so
the document and the rule cannot drift apart. Every ``import`` statement of every module is
read with ``ast``, including imports inside functions.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SOURCES = ("retrieval", "ingest", "ui", "api", "app.py")
_ROW = re.compile(
    r"^\|\s*(?P<layer>[\w-]+)\s*\|(?P<modules>[^|]*)\|(?P<imports>[^|]*)\|(?P<only>[^|]*)\|"
)
_NAME = re.compile(r"`([\w.]+)`")


def _table() -> tuple[dict[str, list[str]], dict[str, set[str]], dict[str, list[str]]]:
    """``(modules of each layer, layers each may import, third-party packages it alone uses)``."""
    text = (REPO / "ARCHITECTURE.md").read_text("utf-8")
    section = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    modules: dict[str, list[str]] = {}
    allowed: dict[str, set[str]] = {}
    only: dict[str, list[str]] = {}
    for line in section.splitlines():
        row = _ROW.match(line)
        if row is None or row["layer"] in {"layer", "---"} or set(row["layer"]) <= {"-"}:
            continue
        layer = row["layer"]
        modules[layer] = _NAME.findall(row["modules"])
        allowed[layer] = {layer, *re.findall(r"[\w-]+", row["imports"])} - {"nothing"}
        only[layer] = _NAME.findall(row["only"])
    return modules, allowed, only


MODULES, ALLOWED, ONLY = _table()


def _layer_of(module: str) -> str | None:
    """The layer whose longest module prefix matches ``module``."""
    best: tuple[int, str | None] = (-1, None)
    for layer, prefixes in MODULES.items():
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best[0]:
                best = (len(prefix), layer)
    return best[1]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text("utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return found


def _python_files() -> list[Path]:
    files: list[Path] = []
    for name in SOURCES:
        path = REPO / name
        files += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return files


def test_the_table_names_every_layer() -> None:
    assert {"base", "text", "index", "search", "answer", "ingest", "ui", "app"} <= set(MODULES)
    for layer, imports in ALLOWED.items():
        assert imports <= set(MODULES), f"{layer} may import an unknown layer"


@pytest.mark.parametrize("path", _python_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_no_module_imports_a_layer_it_may_not(path: Path) -> None:
    layer = _layer_of(_module_name(path))
    assert layer is not None, f"{path} is in no layer of ARCHITECTURE.md"
    wrong = []
    for line, name in _imports(path):
        target = _layer_of(name)
        if target is not None and target not in ALLOWED[layer]:
            wrong.append(f"line {line}: {name} ({target})")
        owner = next((owner for owner, pkgs in ONLY.items() if name.split(".")[0] in pkgs), None)
        if owner is not None and owner != layer:
            wrong.append(f"line {line}: {name} (only {owner} may import it)")
    assert not wrong, f"{layer} module {path.name} imports: " + "; ".join(wrong)


def test_a_crossing_import_is_caught(tmp_path: Path) -> None:
    """The rule itself can fail: a text module importing the index is reported."""
    bad = tmp_path / "bad.py"
    bad.write_text("from retrieval.index.store import VectorStore\nimport chromadb\n", "utf-8")
    names = [name for _, name in _imports(bad)]
    assert _layer_of("retrieval.text.figures") == "text"
    assert "index" not in ALLOWED["text"]
    assert _layer_of(names[0]) == "index"
    assert "chromadb" in ONLY["index"]
