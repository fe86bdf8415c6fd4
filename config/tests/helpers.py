import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
# Variables a developer's shell may hold that would change what a subprocess does.
EASEL_VARIABLES = {name for name in os.environ if name.startswith(("EASEL_", "OPENROUTER_"))} | {
    "SECRET_KEY",
    "DATABASE_URL",
    "PORT",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set for Playwright in the test process only
}


def clean_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in EASEL_VARIABLES}
    env["EASEL_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


def manage(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
