"""core is plain Python: any app, and gunicorn's logger before Django loads, can import it."""

import ast
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent


def test_core_imports_only_the_standard_library():
    imported = {}
    for path in CORE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                imported.setdefault(name.split(".")[0], set()).add(path.name)
    outside = {name: files for name, files in imported.items() if name not in sys.stdlib_module_names}
    assert outside == {}
