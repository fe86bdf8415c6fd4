"""Pytest fixtures that run the OpenRouter stand-in on a free loopback port, over real HTTP.

Easel's suite gets them from tests/fixtures/, with its other shared fixtures; elsewhere, import them into
a conftest.py (`from openrouter.tests.standin_fixtures import standin, ...`).
The server is shared by the whole session; tests tell their requests apart by putting a unique
`tag` in the prompt and reading `standin.requests_for(tag)`.
"""

from __future__ import annotations

import re
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from openrouter import OpenRouterClient
from openrouter.standin import StandinServer

# Shaped like a real key, so the redaction tests would notice a leak.
TEST_API_KEY = "sk-or-v1-" + "5e3c1d0a9b8f7e6d" * 4


class SleepRecorder:
    """Stands in for time.sleep: records each requested delay and returns at once."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture(scope="session")
def standin() -> Iterator[StandinServer]:
    """The stand-in, started once per test session (no latency; short keep-alive interval)."""
    server = StandinServer(keepalive_interval=0.2, slow_seconds=1.5, hang_limit=30.0)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def tag() -> str:
    """A unique word to put in a prompt, to find this test's requests in the stand-in's log."""
    return f"t{uuid.uuid4().hex[:12]}"


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


def make_standin_client(standin: StandinServer, sleeps: SleepRecorder, **options: Any) -> OpenRouterClient:
    """A client of the stand-in whose retry waits are recorded in `sleeps`; `options` override settings."""
    settings: dict[str, Any] = {
        "api_key": TEST_API_KEY,
        "base_url": standin.base_url,
        "app_url": "https://easel.example",
        "connect_timeout": 2,
        "idle_timeout": 5,
        "total_timeout": 30,
        "sleep": sleeps,
    }
    return OpenRouterClient(**settings | options)


@pytest.fixture
def standin_client(standin: StandinServer, sleeps: SleepRecorder) -> Iterator[OpenRouterClient]:
    """A client of the stand-in (chat completions) whose retry waits are recorded in `sleeps` instead of slept."""
    with make_standin_client(standin, sleeps) as client:
        yield client


@contextmanager
def standin_process(command: list[str], **popen_options: Any) -> Iterator[str]:
    """Run the stand-in as a process started with `command`: yields the base URL it announces, then stops it."""
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen_options
    )
    try:
        line = process.stdout.readline()
        yield re.search(r"http://\S+/api/v1", line).group(0)
    finally:
        process.terminate()
        process.wait(timeout=30)  # a loaded machine may be slow to schedule its exit
