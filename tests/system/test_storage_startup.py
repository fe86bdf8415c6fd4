"""Wrong S3 settings stop gunicorn and the worker at start-up with one line naming the variable to fix,
instead of a 500 on every picture or a generation that fails after OpenRouter was paid."""

import subprocess
import sys

import pytest

from tests.fixtures.processes import clean_env, manage, stop
from tests.fixtures.project import BASE_DIR
from tests.fixtures.s3 import start_s3_server


@pytest.fixture(scope="module")
def s3_checking_keys(tmp_path_factory):
    """An S3 server that checks credentials, as a real one does (moto's IAM, from the first request)."""
    server = start_s3_server(
        tmp_path_factory.mktemp("s3-auth") / "moto.log", INITIAL_NO_AUTH_ACTION_COUNT="0"
    )
    yield server
    stop(server.process)


def start_up(command: str, env: dict[str, str]):
    if command == "worker":
        return manage("run_worker", env=env, timeout=120)
    return subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--check-config"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def one_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("command", ["worker", "gunicorn"])
def test_an_unknown_access_key_stops_start_up_naming_it(command, s3_checking_keys, tmp_path):
    env = clean_env(
        tmp_path / "data",
        EASEL_S3_BUCKET="easel-media",
        EASEL_S3_ENDPOINT_URL=s3_checking_keys.endpoint_url,
        EASEL_S3_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="AKIAWRONGWRONGWRONG0",
        AWS_SECRET_ACCESS_KEY="not-the-secret",
    )
    result = start_up(command, env)

    assert result.returncode != 0
    assert "AWS_ACCESS_KEY_ID" in one_line(result)


@pytest.mark.parametrize("command", ["worker", "gunicorn"])
def test_a_missing_bucket_stops_start_up_naming_it(command, s3_media, tmp_path):
    env = clean_env(tmp_path / "data", **{**s3_media.env(), "EASEL_S3_BUCKET": "no-such-bucket-here"})
    result = start_up(command, env)

    assert result.returncode != 0
    line = one_line(result)
    assert "EASEL_S3_BUCKET" in line
    assert "no-such-bucket-here" in line
