"""The Dockerfile's commands really work: no Docker engine runs here, so this runs them outside Docker."""

import re
import shlex
import socket
import subprocess
import time
import urllib.request

from tests.fixtures.processes import clean_env
from tests.fixtures.project import BASE_DIR, instruction


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_dockerfile_commands_build_and_serve_outside_docker(tmp_path):
    """uv sync --frozen --no-dev, collectstatic, the entrypoint's migrate, gunicorn, then the HEALTHCHECK."""
    venv = tmp_path / "venv"
    static_root = tmp_path / "staticfiles"
    data_dir = tmp_path / "data"
    env = clean_env(data_dir, UV_PROJECT_ENVIRONMENT=str(venv), EASEL_STATIC_ROOT=str(static_root))
    env.pop("VIRTUAL_ENV", None)

    sync = subprocess.run(
        ["uv", "sync", "--frozen", "--no-dev"], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert sync.returncode == 0, sync.stderr
    python = str(venv / "bin" / "python")
    assert subprocess.run([python, "-c", "import pytest"], capture_output=True).returncode != 0, (
        "dev tools leaked in"
    )

    build_env = {
        **env,
        "SECRET_KEY": "collectstatic-only-not-a-secret",
        "EASEL_DATA_DIR": str(tmp_path / "build-data"),
    }
    collect = subprocess.run(
        [python, "manage.py", "collectstatic", "--noinput"],
        cwd=BASE_DIR,
        env=build_env,
        capture_output=True,
        text=True,
    )
    assert collect.returncode == 0, collect.stderr
    assert (static_root / "staticfiles.json").exists()
    assert list(static_root.glob("vendor/pico/pico.min.*.css.gz"))
    assert not (tmp_path / "build-data" / "secret_key").exists(), "no secret may be baked into the image"

    port = _free_port()
    cmd = shlex.split(instruction("CMD")[0].strip("[]").replace(",", " ").replace('"', ""))
    run_env = {
        **env,
        "PATH": f"{venv / 'bin'}:{env['PATH']}",
        "PORT": str(port),
        "EASEL_BIND": "127.0.0.1",
        "EASEL_MIGRATE_ON_START": "true",
        "EASEL_ALLOWED_HOSTS": "easel.example.com",
        "DATABASE_URL": f"sqlite:///{data_dir / 'easel.sqlite3'}",
    }
    server = subprocess.Popen(
        ["./docker-entrypoint.sh", *cmd],
        cwd=BASE_DIR,
        env=run_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        healthcheck = next(iter(instruction("HEALTHCHECK")))
        probe = re.search(r'CMD \["python", "-c", "(.*)"\]$', healthcheck).group(1)
        deadline = time.monotonic() + 60
        while True:
            check = subprocess.run([python, "-c", probe], env=run_env, capture_output=True)
            if check.returncode == 0:
                break
            assert server.poll() is None, server.stderr.read()
            assert time.monotonic() < deadline, "gunicorn never became healthy"
            time.sleep(0.5)
        manifest_css = next(static_root.glob("vendor/pico/pico.min.*.css")).name
        with urllib.request.urlopen(
            urllib.request.Request(
                f"http://127.0.0.1:{port}/static/vendor/pico/{manifest_css}",
                headers={"Host": "easel.example.com"},
            ),
            timeout=5,
        ) as response:
            assert response.status == 200
            assert "immutable" in response.headers["Cache-Control"]
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert (data_dir / "easel.sqlite3").exists(), "the entrypoint applied migrations"
