"""`manage.py serve` runs all of Easel on one machine: the README's first command."""

import re
import subprocess
import sys
import time

import httpx
import pytest

from tests.fixtures.processes import Serve, clean_env, log_in, processes_of
from tests.fixtures.project import BASE_DIR

BANNER = "Offline demo — images come from the built-in stand-in, not OpenRouter"


def test_serve_runs_easel_against_the_stand_in_and_stops_cleanly_on_ctrl_c(tmp_path):
    serve = Serve(tmp_path)
    try:
        serve.wait_until_running()
        password = re.search(r"Username: admin  Password: (\S+)", serve.output()).group(1)
        children = processes_of(serve.data_dir)
        assert any("gunicorn" in cmd for cmd in children.values())
        assert any("run_worker" in cmd for cmd in children.values())
        assert any("openrouter_standin" in cmd for cmd in children.values())

        with httpx.Client(base_url=serve.url, timeout=10) as client:
            assert BANNER in client.get("/login/").text
            log_in(client, "admin", password)
            page = client.get("/").text
            assert BANNER in page
            assert "Gemini 2.5 Flash Image" in page
            model = re.search(r'<option value="(\d+)" selected>', page).group(1)
            response = client.post(
                "/",
                data={
                    "prompt": "a lighthouse on a cliff",
                    "model": model,
                    "aspect_ratio": "16:9",
                    "count": "1",
                    "csrfmiddlewaretoken": client.cookies["csrftoken"],
                },
            )
            assert response.status_code == 302
            card_id = re.search(r'name="live" value="(\d+)"', client.get("/").text).group(1)
            deadline = time.monotonic() + 30
            # Ask for the card as the page's poller does, until it is no longer running.
            while 'name="live"' in (
                card := client.get(
                    "/generations/updates/", params={"live": card_id}, headers={"HX-Request": "true"}
                ).text
            ):
                assert time.monotonic() < deadline, card
                time.sleep(0.3)
            assert "Done in" in card
            assert 'alt="a lighthouse on a cliff"' in card
    finally:
        exit_code = serve.stop()
    assert exit_code == 0, serve.output()
    assert processes_of(serve.data_dir) == {}, "every child stopped"
    assert "Password:" in serve.output()


@pytest.mark.parametrize("variable", ["EASEL_DEBUG=maybe", "PORT=http"])
def test_serve_refuses_a_malformed_variable_in_one_line(tmp_path, variable):
    name, value = variable.split("=")
    result = subprocess.run(
        [sys.executable, "manage.py", "serve"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        env=clean_env(tmp_path, **{name: value}),
        timeout=60,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert name in result.stderr
