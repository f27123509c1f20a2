"""The layers of DESIGN.md §4 hold: import-linter's contracts (.importlinter) pass on the tree,
and an upward import — even one hidden inside a function — breaks them."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("casework", "mediation", "flows", "actions", "search", "reports", "ui", "demo", "config")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})


def copy_tree(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    return tmp_path


def test_the_layer_contracts_hold_on_the_tree():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


def test_a_lazy_upward_import_breaks_the_layers(tmp_path):
    # given a copy of the project where casework reaches up into the actions layer from inside a function
    root = copy_tree(tmp_path)
    selectors = root / "casework" / "selectors.py"
    selectors.write_text(selectors.read_text() + "\n\ndef _sneaky():\n    from actions import services  # noqa\n")

    # when the contracts are checked
    result = lint_imports(root)

    # then they fail, naming the import
    assert result.returncode != 0
    assert "casework is not allowed to import actions" in result.stdout
    assert "casework.selectors -> actions.services" in result.stdout


def test_a_domain_module_importing_an_api_module_breaks_the_contracts(tmp_path):
    root = copy_tree(tmp_path)
    agreements = root / "mediation" / "agreements.py"
    agreements.write_text(agreements.read_text() + "\nfrom casework.api import serializers  # noqa\n")

    result = lint_imports(root)

    assert result.returncode != 0
    assert "mediation.agreements -> casework.api.serializers" in result.stdout
