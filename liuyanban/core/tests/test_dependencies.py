"""Packages of the dev extra (tests, benches) are never imported by the product's modules.

``pyproject.toml`` ships only the runtime dependencies; a product module importing a
dev-only package would work on a developer's machine and fail on a server.
"""

from __future__ import annotations

import ast
from pathlib import Path

import liuyanban

DEV_ONLY = {
    "pandas",
    "time_machine",
    "hypothesis",
    "pytest",
    "datasketch",
    "schemathesis",
    "playwright",
}
ROOT = Path(liuyanban.__file__).resolve().parent


def _runtime_modules() -> list[Path]:
    """Every module of the product: not tests, not the test helpers (liuyanban/testing)."""
    return [
        p
        for p in ROOT.rglob("*.py")
        if "tests" not in p.relative_to(ROOT).parts and p.relative_to(ROOT).parts[0] != "testing"
    ]


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_no_runtime_module_imports_a_dev_only_package() -> None:
    modules = _runtime_modules()
    assert len(modules) > 100
    offenders = {
        str(p.relative_to(ROOT)): sorted(_imported(p) & DEV_ONLY)
        for p in modules
        if _imported(p) & DEV_ONLY
    }
    assert offenders == {}


def test_the_dev_only_packages_are_not_runtime_dependencies() -> None:
    import tomllib

    project = tomllib.loads((ROOT.parent / "pyproject.toml").read_text(encoding="utf-8"))
    runtime = {d.split("==")[0].split("[")[0].lower() for d in project["project"]["dependencies"]}
    assert runtime.isdisjoint({"pandas", "time-machine", "factory-boy", *DEV_ONLY})
