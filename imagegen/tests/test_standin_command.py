"""`manage.py openrouter_standin` hands its command line to the stand-in's own (`python -m openrouter.standin`)."""

import subprocess
import sys

import httpx

from openrouter.tests.standin_fixtures import standin_process
from tests.fixtures.processes import BASE_DIR, easel_env


def standin_command(*options: str) -> list[str]:
    return [sys.executable, "manage.py", "openrouter_standin", *options]


def test_the_command_runs_the_standin_with_its_options():
    command = standin_command("--port", "0", "--latency", "0", "--oversize-mb", "1")
    with standin_process(command, cwd=BASE_DIR, env=easel_env()) as base_url:
        assert httpx.get(f"{base_url}/models").status_code == 200


def test_a_bad_latency_is_refused_plainly():
    result = subprocess.run(
        standin_command("--latency", "soon"),
        capture_output=True,
        text=True,
        cwd=BASE_DIR,
        env=easel_env(),
        timeout=60,
    )
    assert result.returncode == 2
    assert (
        "manage.py openrouter_standin: error: --latency: expected seconds or a range like 2-20, not 'soon'"
        in (result.stderr)
    )
