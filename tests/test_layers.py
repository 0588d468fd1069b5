"""The package graph reads cli -> sweep -> training -> config/data/models/core, store beneath.

Every import of an adamctl module is checked, the ones inside functions
too (those still run), except imports made only for type checkers.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import adamctl

ROOT = Path(adamctl.__file__).parent
_BASE = {"errors", "_atomic", "_clock", "_direction", "_rectifier", "__init__"}

# What each package may import besides itself; anything else is an upward
# (or sideways) import.
ALLOWED = {
    "core": _BASE,
    "config": _BASE | {"core"},
    "data": _BASE | {"config"},
    "models": _BASE | {"config"},
    "store": _BASE,
    "training": _BASE | {"store", "config", "core", "data", "models"},
    "compare": _BASE | {"store"},
    "report": _BASE | {"store", "compare"},
    "population": _BASE | {"training", "store", "config", "core"},
    "sweep": _BASE | {"training", "store", "report", "config", "population"},
}


def _runtime_imports(tree: ast.AST) -> list[str]:
    """Dotted adamctl module names imported at run time (TYPE_CHECKING blocks skipped)."""
    found: list[str] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "adamctl":
                found.extend(f"adamctl.{alias.name}" for alias in node.names)
            elif node.module.startswith("adamctl."):
                found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(a.name for a in node.names if a.name.startswith("adamctl."))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _package_edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for path in ROOT.rglob("*.py"):
        package = path.relative_to(ROOT).parts[0].removesuffix(".py")
        for module in _runtime_imports(ast.parse(path.read_text())):
            target = module.split(".")[1]
            if target != package:
                edges.setdefault(package, set()).add(target)
    return edges


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_lies_beneath(package):
    imported = _package_edges().get(package, set())
    assert imported <= ALLOWED[package], f"{package} imports {sorted(imported - ALLOWED[package])}"


STORE_FILES = {"metrics.csv", "summary.json", "summary.csv", "results.csv", "sweep.yaml", "trials",
               "config.yaml", "overrides.yaml", "manifest.json", "state.json", "report.md",
               "checkpoints", "model.weights.h5", "model.keras", "environment.txt",
               "saved_model", "model.best.weights.h5", "optuna.db", "diagnostics.csv",
               "diagnostics_scalars.csv", "diagnostics.png"}


def _joined_names(tree: ast.AST) -> list[str]:
    """The string constants joined onto a path with ``/`` (``run_dir / "metrics.csv"``)."""
    return [node.right.value for node in ast.walk(tree)
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)
            and isinstance(node.right, ast.Constant) and isinstance(node.right.value, str)]


def test_no_module_outside_the_store_joins_store_file_names():
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in ROOT.rglob("*.py") if path.relative_to(ROOT).parts[0] != "store"
        for name in _joined_names(ast.parse(path.read_text())) if name in STORE_FILES
    ]
    assert offenders == []
