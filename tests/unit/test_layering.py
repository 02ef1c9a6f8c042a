"""The layering rules of the architecture, checked by parsing every import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# package prefix -> prefixes of ours it must never import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "protocol": ("desktop", "server"),
    "desktop.domain": (
        "desktop.store",
        "desktop.operations",
        "desktop.sync",
        "desktop.ui",
        "desktop.app",
        "server",
    ),
    "desktop.store": ("desktop.operations", "desktop.sync", "desktop.ui", "desktop.app", "server"),
    "desktop.operations": ("desktop.sync", "desktop.ui", "desktop.app", "server"),
    "desktop.sync": ("desktop.ui", "desktop.app", "server"),
    "desktop": ("server",),
    "server": ("desktop",),
}
# The one deliberate exception (docs/architecture.md): a replica snapshot is a replica file, so
# the server writes it with the Qt-free code that defines that file, from this module only.
ALLOWED: dict[str, tuple[str, ...]] = {"server.snapshot": ("desktop.store", "desktop.sync.apply")}
QT_ALLOWED = ("desktop.ui", "desktop.app", "desktop.__main__")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _sources() -> list[Path]:
    return [p for pkg in ("protocol", "desktop", "server") for p in (ROOT / pkg).rglob("*.py")]


def _matches(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _violations(module: str, imported: list[str]) -> list[str]:
    found: list[str] = []
    for layer, banned in FORBIDDEN.items():
        if not _matches(module, layer):
            continue
        for name in imported:
            if any(_matches(name, allowed) for allowed in ALLOWED.get(module, ())):
                continue
            bad = [b for b in banned if _matches(name, b)]
            if bad:
                found.append(f"{module} imports {name}: {layer} must not import {bad[0]}")
    return found


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_respect_layers(path: Path) -> None:
    module = _module_name(path)
    imported = _imports(path)
    assert not _violations(module, imported)
    if not any(_matches(module, allowed) for allowed in QT_ALLOWED):
        qt = [name for name in imported if name.split(".")[0] in ("PySide6", "shiboken6")]
        assert not qt, f"{module} imports {qt[0]}: Qt belongs under desktop/ui only"


def test_only_the_snapshot_module_uses_the_replica_code_and_no_more_of_it() -> None:
    assert _violations("server.snapshot", ["desktop.store.bulk", "desktop.sync.apply"]) == []
    assert _violations("server.snapshot", ["desktop.ui.main_window"])
    assert _violations("server.snapshot", ["desktop.sync.engine"])
    assert _violations("server.pull", ["desktop.store.bulk"])


def test_the_checker_catches_a_violation(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from desktop.ui.main_window import MainWindow\nimport PySide6.QtCore\n")
    assert _imports(sample) == ["desktop.ui.main_window", "PySide6.QtCore"]
