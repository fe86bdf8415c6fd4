"""The screenshot script a reviewer runs (scripts/screenshots.py) still seeds its team and writes its pictures
at both sizes: it is not run by anything else, so without this it could rot unnoticed."""

import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.browser


def test_the_screenshot_script_writes_the_pages_asked_for_at_both_sizes(tmp_path):
    finished = subprocess.run(
        [
            sys.executable,
            "scripts/screenshots.py",
            "--out",
            str(tmp_path),
            "--only",
            "compare-board",
            "login",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    widths = {}
    for path in tmp_path.glob("*.png"):
        with Image.open(path) as picture:
            widths[path.name] = picture.width
    assert widths == {
        "compare-board-desktop.png": 1440,
        "compare-board-phone.png": 390,
        "login-desktop.png": 1440,
        "login-phone.png": 390,
    }
