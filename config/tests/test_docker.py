"""The Dockerfile and compose file hold the settings the README promises.

tests/system/test_docker_commands.py runs the Dockerfile's own commands (no Docker engine runs here).
"""

import re

import yaml
from django.conf import settings

from tests.fixtures.project import BASE_DIR, instruction


def test_dockerfile_settings():
    assert instruction("FROM") == ["python:3.13-slim"]
    runs = " && ".join(instruction("RUN"))
    assert "uv sync --frozen --no-dev" in runs
    assert "manage.py collectstatic --noinput" in runs
    assert "useradd" in runs
    user = instruction("USER")
    assert user
    assert user[-1] not in ("root", "0")
    assert instruction("VOLUME") == ['["/data"]']
    assert any("/healthz" in check for check in instruction("HEALTHCHECK"))
    assert instruction("CMD") == ['["gunicorn", "-c", "gunicorn.conf.py"]']
    env = " ".join(instruction("ENV"))
    assert "EASEL_DATA_DIR=/data" in env
    assert "EASEL_BIND=0.0.0.0" in env


def test_compose_runs_web_and_worker_from_one_image_with_postgresql():
    compose = yaml.safe_load((BASE_DIR / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "web", "worker", "s3", "s3-bucket"}
    assert services["db"]["image"].startswith("postgres:")
    assert services["web"]["image"] == services["worker"]["image"]
    assert services["worker"]["command"] == ["python", "manage.py", "run_worker"]
    for name in ("web", "worker"):
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgres://")
        assert "data:/data" in services[name]["volumes"]
    for name in ("db", "web", "worker"):
        assert services[name]["restart"] == "unless-stopped", f"{name} comes back after a crash or reboot"
    # The worker's health follows its heartbeat (the Dockerfile's /healthz probe is for the web).
    assert services["worker"]["healthcheck"]["test"] == ["CMD", "python", "manage.py", "worker_health"]
    assert not services["worker"]["healthcheck"].get("disable")
    grace = services["worker"]["stop_grace_period"]
    amount, unit = re.fullmatch(r"(\d+)([smh])", grace).groups()
    grace_seconds = int(amount) * {"s": 1, "m": 60, "h": 3600}[unit]
    assert grace_seconds > settings.OPENROUTER_TOTAL_TIMEOUT


def test_compose_has_an_optional_s3_profile_that_makes_a_private_bucket():
    compose = yaml.safe_load((BASE_DIR / "compose.yaml").read_text())
    services = compose["services"]
    for name in ("s3", "s3-bucket"):
        assert services[name]["profiles"] == ["s3"]  # `docker compose up` alone keeps media on /data
    for name in ("db", "web", "worker"):
        assert "profiles" not in services[name]
    make_bucket = services["s3-bucket"]["entrypoint"][-1]
    assert "mc mb --ignore-existing" in make_bucket
    assert "anonymous set none" in make_bucket
    web_needs = services["web"]["depends_on"]["s3-bucket"]
    assert web_needs == {"condition": "service_completed_successfully", "required": False}


def test_the_build_context_leaves_out_local_state_and_secrets():
    ignored = {
        line.strip()
        for line in (BASE_DIR / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", "data", "staticfiles", ".git", ".env"} <= ignored
