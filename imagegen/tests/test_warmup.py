"""The warm-up at start: the worker pays what its first generation would, before it claims any work; the
web process compiles the first pages' templates. bench/bench_warmup.py measures the effect."""

import pytest
from django.core.management import call_command
from django.template import engines

from config.warmup import FIRST_PAGES, web_warm_up
from imagegen import client as client_module
from imagegen import services
from imagegen.management.commands import run_worker

pytestmark = pytest.mark.django_db


def test_the_warm_up_prepares_every_step_and_sends_nothing(openrouter_standin, settings):
    client_module._clients.clear()
    calls = openrouter_standin.chat_request_count

    timings = services.generation_path_warm_up()

    assert set(timings) == {
        "database connection",
        "OpenRouter client (httpx, TLS context)",
        "image check (Pillow decoders)",
        "thumbnail (WebP encoder)",
        "Content Credentials (c2pa)",
    }
    # A pooled client for each API a model may be generated through, ready for the first generation.
    assert {dict(key)["api"] for key in client_module._clients} == {"chat", "images"}
    assert openrouter_standin.chat_request_count == calls, "nothing is sent to OpenRouter"


@pytest.mark.parametrize("warm_up", [True, False])
def test_the_worker_warms_up_before_it_claims_work(monkeypatch, settings, warm_up):
    settings.WARM_UP = warm_up
    happened = []
    monkeypatch.setattr(run_worker, "lower_cpu_priority", lambda niceness: None)
    monkeypatch.setattr(services, "generation_path_warm_up", lambda: happened.append("warm-up"))
    monkeypatch.setattr(run_worker.PoolWorker, "install_signal_handlers", lambda self: None)
    monkeypatch.setattr(run_worker.PoolWorker, "run", lambda self: happened.append("claiming"))

    call_command("run_worker", threads=1)

    assert happened == (["warm-up", "claiming"] if warm_up else ["claiming"])


def test_the_web_warm_up_compiles_the_first_pages():
    cached_loader = engines["django"].engine.template_loaders[0]
    cached_loader.reset()
    web_warm_up()
    compiled = {key.split("-")[0] for key in cached_loader.get_template_cache}
    assert set(FIRST_PAGES) <= compiled
