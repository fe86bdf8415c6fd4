"""The layering README.md's Architecture section describes is checked, not hoped for: import-linter's
contracts (pyproject.toml, [tool.importlinter]) hold for the code as it is, and break on a wrong-way
import, on an import cycle, and on Django below the apps."""

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["root_packages"]


def lint_imports(project: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(project)},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """The packages' Python files and pyproject.toml in a folder of their own, to break on purpose."""
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=lambda folder, names: [
                name for name in names if not name.endswith(".py") and not (Path(folder) / name).is_dir()
            ],
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_import_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def test_a_wrong_way_import_breaks_the_layers(project_copy):
    (project_copy / "gallery" / "wrong_way.py").write_text("from imagegen import models  # noqa\n")
    result = lint_imports(project_copy)
    assert result.returncode == 1
    assert "Dependencies point one way" in result.stdout
    assert "BROKEN" in result.stdout
    assert "gallery.wrong_way -> imagegen.models" in result.stdout


def test_an_import_cycle_between_modules_breaks_the_contract(project_copy):
    # run -> submit -> queue -> run: the task would import the code that enqueues it.
    run = project_copy / "imagegen" / "services" / "run.py"
    run.write_text(run.read_text() + "\nfrom imagegen.services import submit  # noqa\n")
    result = lint_imports(project_copy)
    assert result.returncode == 1
    assert "No import cycle between the modules of any package BROKEN" in result.stdout


def test_django_in_the_openrouter_package_breaks_the_contract(project_copy):
    (project_copy / "openrouter" / "settings_probe.py").write_text(
        "from django.conf import settings  # noqa\n"
    )
    result = lint_imports(project_copy)
    assert result.returncode == 1
    assert "openrouter and core are plain Python: no Django BROKEN" in result.stdout
