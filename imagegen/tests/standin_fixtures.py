"""Pytest fixtures that run the OpenRouter stand-in on a free loopback port, over real HTTP.

Import them into a conftest.py (`from imagegen.tests.standin_fixtures import standin, ...`).
The server is shared by the whole session; tests tell their requests apart by putting a unique
`tag` in the prompt and reading `standin.requests_for(tag)`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from imagegen.standin import StandinServer
from openrouter import OpenRouterClient

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
