"""The layers import downwards only: models → command definitions → renderers (report, web, cli).

Every import statement of the package is read (at module level and inside functions, where the lazy
imports are), so an upward import fails here before it becomes an import cycle. docs/architecture.md
describes the layers.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "costcurve"

RENDERERS = ("costcurve.cli", "costcurve.report", "costcurve.web")
#: layer -> the packages it must not import
FORBIDDEN = {
    "model": ("costcurve.commands", *RENDERERS),
    "commands": RENDERERS,
    "report": ("costcurve.cli", "costcurve.web"),
    "web": ("costcurve.cli",),
    "cli": (),
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> str:
    for name in ("commands", "report", "web", "cli"):
        if module == f"costcurve.{name}" or module.startswith(f"costcurve.{name}."):
            return name
    return "model"


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in ``path``, relative ones resolved."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.append((node.lineno, target))
            if node.module is None or node.level:  # "from . import report": each name may be a module
                out += [(node.lineno, f"{target}.{a.name}") for a in node.names]
    return [(n, m) for n, m in out if m == "costcurve" or m.startswith("costcurve.")]


def upward_imports() -> list[str]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        module = _module_name(path)
        if module == "costcurve.__main__":
            continue
        for line, target in imports(path):
            if any(target == f or target.startswith(f + ".") for f in FORBIDDEN[layer(module)]):
                found.append(f"{path.relative_to(SRC.parent)}:{line} ({layer(module)}) imports {target}")
    return found


def test_no_layer_imports_a_layer_above_it():
    assert upward_imports() == []


def test_the_walk_sees_lazy_and_relative_imports(tmp_path, monkeypatch):
    """The check itself: a model module importing the report inside a function, relatively, is caught."""
    pkg = tmp_path / "costcurve"
    (pkg / "report").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "report" / "__init__.py").write_text("")
    (pkg / "model.py").write_text("def f():\n    from .report import notebook\n    return notebook\n")
    monkeypatch.setattr(__import__(__name__), "SRC", pkg)
    assert upward_imports() == ["costcurve/model.py:2 (model) imports costcurve.report",
                                "costcurve/model.py:2 (model) imports costcurve.report.notebook"]


@pytest.mark.parametrize("module,expected", [("costcurve.training.estimate", "model"), ("costcurve.commands.train", "commands"),
                                             ("costcurve.report.registry", "report"), ("costcurve.cli", "cli")])
def test_layers_by_name(module, expected):
    assert layer(module) == expected
