"""Imports point one way (docs/architecture.md): the import-linter contracts in pyproject.toml hold,
and every module of the library has a layer in them."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "treatyqa"
LINT = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True, no_logo=True))"


def _contract(contract_id: str) -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    return next(c for c in config["contracts"] if c["id"] == contract_id)


def test_import_contracts_are_kept() -> None:
    # this tree's packages first, whatever else is installed under the same names
    path = os.pathsep.join([str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")])
    out = subprocess.run(
        [sys.executable, "-c", LINT],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_every_library_module_has_a_layer() -> None:
    """A new module must be placed in a layer; an unplaced one would escape the contract."""
    placed = {
        name
        for layer in _contract("layers")["layers"]
        for part in layer.replace("|", ":").split(":")
        if (name := part.strip()).startswith("treatyqa.")
    }
    children = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    children |= {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    missing = sorted(f"treatyqa.{name}" for name in children if f"treatyqa.{name}" not in placed)
    assert not missing, f"not in any layer of [tool.importlinter]: {', '.join(missing)}"
