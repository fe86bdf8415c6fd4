"""The stand-in itself, spoken to over plain HTTP: wire format, validation, timing, robustness."""

import base64
import io
import itertools
import json
import os
import re
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from core.aspect_ratios import ASPECT_RATIO_PIXELS
from openrouter import (
    Finished,
    ImageReceived,
    ImageStreamDecoder,
    PreviewReceived,
    ProviderError,
    UsageReceived,
    parse_completion,
    parse_images_response,
)
from openrouter.standin import (
    REQUEST_LOG_LIMIT,
    StandinServer,
    image_dimensions,
    parse_latency,
    parse_markers,
    render_png,
)
from openrouter.tests.standin_fixtures import standin_process

AUTH = {"Authorization": "Bearer sk-or-v1-anything"}
GENERATION_ID = re.compile(r"^gen-\d{10}-[A-Za-z0-9]{20}$")


def chat(server, body: dict, headers=AUTH, timeout=10, **options) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/chat/completions", json=body, headers=headers, timeout=timeout, **options
    )


def body(
    prompt: str, model="google/gemini-2.5-flash-image", modalities=("image", "text"), stream=True, **extra
):
    return {
        "model": model,
        "messages": [{"role": "user", "content": prompt}],
        "modalities": list(modalities),
        "stream": stream,
        **extra,
    }


def data_lines(raw: bytes) -> list[str]:
    return [line[6:] for line in raw.decode().split("\n") if line.startswith("data: ")]


# /models, /key


def test_models_default_to_text_output_like_openrouter(standin):
    ids = {m["id"] for m in httpx.get(f"{standin.base_url}/models").json()["data"]}
    assert "openai/gpt-4o-mini" in ids
    assert "google/gemini-2.5-flash-image" in ids  # outputs text too
    assert "black-forest-labs/flux.2-pro" not in ids  # image-only: absent unless asked for


@pytest.mark.parametrize(
    ("query", "count"), [("image", 6), ("all", 8), ("text,image", 8), ("text", 5), ("audio", 0)]
)
def test_models_filter_by_output_modalities(standin, query, count):
    response = httpx.get(f"{standin.base_url}/models", params={"output_modalities": query})
    assert response.status_code == 200
    assert len(response.json()["data"]) == count


def test_model_entries_have_openrouters_shape(standin):
    models = httpx.get(f"{standin.base_url}/models?output_modalities=all").json()["data"]
    required = {
        "id", "canonical_slug", "name", "created", "pricing", "context_length", "architecture",
        "top_provider", "per_request_limits", "supported_parameters", "default_parameters", "links",
    }  # fmt: skip
    for model in models:
        assert required <= set(model)
        assert all(isinstance(price, str) for price in model["pricing"].values())
        assert {"prompt", "completion"} <= set(model["pricing"])
        assert model["architecture"]["modality"].count("->") == 1
    flux = next(m for m in models if m["id"] == "black-forest-labs/flux.2-pro")
    assert flux["architecture"]["output_modalities"] == ["image"]
    assert not any(m["name"].endswith("(stand-in)") for m in models)


def test_models_need_no_key_but_refuse_a_revoked_one(standin):
    assert httpx.get(f"{standin.base_url}/models").status_code == 200
    assert httpx.get(f"{standin.base_url}/models", headers=AUTH).status_code == 200
    refused = httpx.get(f"{standin.base_url}/models", headers={"Authorization": "Bearer sk-or-v1-invalid"})
    assert refused.status_code == 401


def test_key_needs_a_key_and_reports_spend():
    # A server of its own: the session's stand-in may still be charging an earlier test's request.
    with StandinServer() as server:
        assert httpx.get(f"{server.base_url}/key").status_code == 401
        chat(server, body("a spend to report", stream=False))
        data = httpx.get(f"{server.base_url}/key", headers=AUTH).json()["data"]
        assert {"label", "limit", "limit_remaining", "limit_reset", "usage", "usage_daily", "usage_weekly",
                "usage_monthly", "is_free_tier"} <= set(data)  # fmt: skip
        assert server.spent > 0
        assert data["usage"] == pytest.approx(float(server.spent))


def test_each_generations_charge_can_be_looked_up(standin):
    response = chat(standin, body("a teal cube", stream=False))
    charged = standin.charged_for(response.headers["x-generation-id"])
    assert float(charged) == response.json()["usage"]["cost"] > 0
    with pytest.raises(KeyError):
        standin.charged_for("gen-1-nope")


def test_each_generation_can_be_read_back_with_its_provider(standin):
    answer = images(standin, image_body("a teal cube", "google/gemini-3-pro-image-preview", resolution="1K",
                                        provider={"only": ["google-vertex"]}))  # fmt: skip
    generation_id = answer.headers["x-generation-id"]
    url = f"{standin.base_url}/generation"
    assert httpx.get(url, params={"id": generation_id}).status_code == 401
    record = httpx.get(url, params={"id": generation_id}, headers=AUTH).json()["data"]
    assert record["id"] == generation_id
    assert record["model"] == "google/gemini-3-pro-image-preview"
    assert record["provider_name"] == "Google Vertex"
    assert record["total_cost"] == answer.json()["usage"]["cost"] == pytest.approx(0.134)
    missing = httpx.get(url, params={"id": "gen-1-nope"}, headers=AUTH)
    assert missing.status_code == 404


# GET /images/models and /images/models/{author}/{slug}/endpoints


def test_image_models_list_the_image_apis_models_with_their_descriptors(standin):
    listed = {m["id"]: m for m in httpx.get(f"{standin.base_url}/images/models").json()["data"]}
    assert set(listed) == {
        "google/gemini-2.5-flash-image", "google/gemini-3-pro-image-preview", "black-forest-labs/flux.2-pro",
        "black-forest-labs/flux.2-klein-4b", "openai/gpt-image-1",
    }, "chat-only models (gpt-5-image-mini) are not on the Image API"  # fmt: skip
    gemini_pro = listed["google/gemini-3-pro-image-preview"]
    # The union over its two providers: 4K comes from AI Studio only.
    assert gemini_pro["supported_parameters"]["resolution"] == {"type": "enum", "values": ["1K", "2K", "4K"]}
    assert gemini_pro["supports_streaming"] is False
    assert gemini_pro["endpoints"] == "/api/v1/images/models/google/gemini-3-pro-image-preview/endpoints"
    klein = listed["black-forest-labs/flux.2-klein-4b"]
    assert set(klein["supported_parameters"]) == {"aspect_ratio"}, "enum-only ratios, nothing else"
    gpt_image = listed["openai/gpt-image-1"]
    assert gpt_image["supports_streaming"] is True
    assert gpt_image["supported_parameters"]["n"] == {"type": "range", "min": 1, "max": 4}
    assert "transparent" in gpt_image["supported_parameters"]["background"]["values"]
    flux = listed["black-forest-labs/flux.2-pro"]
    assert flux["supported_parameters"]["seed"] == {"type": "range", "min": 0, "max": 4294967295}


def test_an_image_models_endpoints_are_its_providers(standin):
    url = f"{standin.base_url}/images/models/google/gemini-3-pro-image-preview/endpoints"
    payload = httpx.get(url).json()
    assert payload["id"] == "google/gemini-3-pro-image-preview"
    studio, vertex = payload["endpoints"]
    assert (studio["provider_slug"], vertex["provider_slug"]) == ("google-ai-studio", "google-vertex")
    assert vertex["supported_parameters"]["resolution"]["values"] == ["1K", "2K"]
    assert {"billable": "output_image", "unit": "image", "cost_usd": 0.24, "variant": "4K"} in studio[
        "pricing"
    ]
    klein = httpx.get(f"{standin.base_url}/images/models/black-forest-labs/flux.2-klein-4b/endpoints").json()
    assert klein["endpoints"][0]["pricing"] == [
        {"billable": "output_image", "unit": "megapixel", "cost_usd": 0.014}
    ]
    for missing in ("openai/gpt-5-image-mini", "acme/nope"):
        response = httpx.get(f"{standin.base_url}/images/models/{missing}/endpoints")
        assert response.status_code == 404
        assert response.json()["error"]["message"] == "Resource not found"


def test_an_endpoints_listing_can_be_made_to_fail():
    with StandinServer() as server:
        server.failing_endpoints.add("openai/gpt-image-1")
        url = f"{server.base_url}/images/models/openai/gpt-image-1/endpoints"
        assert httpx.get(url).status_code == 500
        server.failing_endpoints.clear()
        assert httpx.get(url).status_code == 200


# POST /chat/completions: validation


@pytest.mark.parametrize(
    ("request_body", "headers", "status", "message"),
    [
        (body("x"), {}, 401, "No auth credentials found"),
        (body("x"), {"Authorization": "Bearer sk-or-v1-invalid"}, 401, "User not found."),
        (body("x", model="acme/nope"), AUTH, 404, "No endpoints found for acme/nope."),
        (
            body("x", model="black-forest-labs/flux.2-pro"),
            AUTH,
            404,
            "No endpoints found that support the requested output modalities: image, text",
        ),
        (body("x", image_config={"aspect_ratio": "7:3"}), AUTH, 400, "Unsupported aspect_ratio '7:3'"),
        (body("x", image_config={"image_size": "8K"}), AUTH, 400, "Unsupported image_size '8K'"),
        (
            {**body("x", model="black-forest-labs/flux.2-klein-4b", modalities=["image"]),
             "messages": [{"role": "user", "content": [
                 {"type": "text", "text": "x"},
                 {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]}]},
            AUTH,
            404,
            "No endpoints found that support image input",
        ),
        ({"model": "google/gemini-2.5-flash-image"}, AUTH, 400, "Input required"),
    ],
)  # fmt: skip
def test_requests_are_checked_like_openrouter(standin, request_body, headers, status, message):
    response = chat(standin, request_body, headers=headers)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == status
    assert error["message"].startswith(message)


def test_request_log_hides_the_key_and_keeps_the_body():
    # A server of its own: the session's has seen more requests than its bounded log holds.
    with StandinServer() as standin:
        marker = f"log-{time.monotonic_ns()}"
        chat(standin, body(marker), headers={"Authorization": "Bearer sk-or-v1-secret", "X-Title": "Easel"})
        (entry,) = standin.requests_for(marker)
        assert entry["headers"]["Authorization"] == "Bearer ***"
        assert entry["headers"]["X-Title"] == "Easel"
        assert entry["body"]["messages"][0]["content"] == marker
        assert "sk-or-v1-secret" not in json.dumps(standin.chat_requests)
        assert standin.chat_request_count == len(standin.chat_requests)


def test_request_log_keeps_only_the_latest_requests_but_counts_them_all():
    sent = REQUEST_LOG_LIMIT + 40
    with StandinServer() as server, httpx.Client(headers=AUTH, timeout=10) as client:

        def send(prompt: str) -> None:
            # An unknown model: logged, then refused at once, so nothing is drawn.
            client.post(f"{server.base_url}/chat/completions", json=body(prompt, model="nobody/none"))

        send("the first")
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(send, (f"request {n}" for n in range(sent - 2))))
        send("the last")
        assert len(server.generation_requests) == REQUEST_LOG_LIMIT
        assert server.generation_request_count == sent
        assert server.requests_for("the first") == []
        assert len(server.requests_for("the last")) == 1


# POST /chat/completions: the wire format


def test_stream_has_openrouters_shape(standin):
    response = chat(standin, body("a yellow sun", model="google/gemini-3-pro-image-preview"))
    raw = response.content
    generation_id = response.headers["x-generation-id"]

    assert response.headers["content-type"] == "text/event-stream"
    assert GENERATION_ID.match(generation_id)
    assert raw.startswith(b": OPENROUTER PROCESSING\n\n")
    lines = data_lines(raw)
    assert lines[-1] == "[DONE]"
    chunks = [json.loads(line) for line in lines[:-1]]
    assert {c["id"] for c in chunks} == {generation_id}
    assert all(c["object"] == "chat.completion.chunk" and c["provider"] == "Google AI Studio" for c in chunks)
    deltas = [c["choices"][0]["delta"] for c in chunks]
    assert any("reasoning" in d for d in deltas)
    assert any(d.get("content") for d in deltas)
    (image_delta,) = [d for d in deltas if "images" in d]
    assert image_delta["images"][0]["type"] == "image_url"
    assert image_delta["images"][0]["image_url"]["url"].startswith("data:image/png;base64,iVBOR")
    finish, usage = chunks[-2], chunks[-1]
    assert finish["choices"] == usage["choices"]  # the usage chunk repeats the choice
    assert finish["choices"][0]["finish_reason"] == "stop"
    assert usage["usage"]["completion_tokens_details"]["image_tokens"] == 1120
    assert usage["usage"]["cost"] > 0


def test_non_streaming_answer_parses_like_the_captured_samples(standin):
    response = chat(standin, body("a purple circle", stream=False, image_config={"aspect_ratio": "3:4"}))
    payload = response.json()
    assert payload["object"] == "chat.completion"
    assert payload["choices"][0]["message"]["images"][0]["index"] == 0
    result = parse_completion(payload)
    assert (result.images[0].width, result.images[0].height) == (864, 1184)
    assert result.usage.image_tokens == 1290


def test_non_streaming_midstream_fault_is_an_error_inside_a_200(standin):
    response = chat(standin, body("x [fault:midstream]", stream=False))
    assert response.status_code == 200
    assert response.json()["choices"][0]["finish_reason"] == "error"
    with pytest.raises(ProviderError):
        parse_completion(response.json())


def test_text_model_answers_with_text(standin):
    response = chat(standin, body("hello", model="openai/gpt-4o-mini", modalities=["text"], stream=False))
    message = response.json()["choices"][0]["message"]
    assert "You said: hello" in message["content"]
    assert "images" not in message


def test_latency_sends_keepalives_while_waiting():
    with StandinServer(latency=2.0, keepalive_interval=0.25) as server:
        started = time.monotonic()
        raw = chat(server, body("x")).content
        elapsed = time.monotonic() - started
        assert elapsed >= 2.0
        assert raw.count(b": OPENROUTER PROCESSING") >= 6
    # The marker overrides the server's own latency: 30 s, so the margin stays wide on a loaded machine.
    with StandinServer(latency=30.0, keepalive_interval=0.25) as server:
        started = time.monotonic()
        chat(server, body("y [latency:0]"))
        assert time.monotonic() - started < 10


def wait_for_lines(log: Path, count: int) -> None:
    """A line is written once an answer's last byte is out: the client may have the answer a moment before."""
    deadline = time.monotonic() + 30
    while not (log.exists() and log.read_text().count("\n") >= count) and time.monotonic() < deadline:
        time.sleep(0.01)


def test_the_answer_log_has_a_line_for_each_generation_answered_in_full(tmp_path):
    """For benchmarks: when each request arrived and when its whole answer had been written (wall clock)."""
    log = tmp_path / "answers.jsonl"
    with StandinServer(latency=0.3, answer_log=log) as server:
        before = time.time()
        assert chat(server, body("a streamed lighthouse")).status_code == 200
        assert chat(server, body("a lighthouse in one piece", stream=False)).status_code == 200
        assert chat(server, body("a refused lighthouse [fault:429]")).status_code == 429
        wait_for_lines(log, 2)
        after = time.time()
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert sorted(line["prompt"] for line in lines) == ["a lighthouse in one piece", "a streamed lighthouse"]
    for line in lines:
        assert before <= line["received"] < line["answered"] <= after
        assert line["answered"] - line["received"] >= 0.29  # the latency, counted from the arrival


def test_latency_runs_from_the_requests_arrival_so_drawing_is_not_added_to_it(monkeypatch):
    """Drawing is OpenRouter's work: a request that took 1.5 s to draw waits only what is left of 2 s."""
    from openrouter.standin import server as standin_server

    plan_reply = standin_server.plan_reply

    def slow_drawing(*args, **kwargs):
        time.sleep(1.5)
        return plan_reply(*args, **kwargs)

    waits = []
    wait = standin_server._Handler._wait

    def recorded_wait(self, seconds, *, keepalive):
        waits.append(seconds)
        return wait(self, seconds, keepalive=keepalive)

    monkeypatch.setattr(standin_server._Handler, "_wait", recorded_wait)
    with StandinServer(latency=2.0, keepalive_interval=0.25) as server:
        chat(server, body("quick drawing"))
        monkeypatch.setattr(standin_server, "plan_reply", slow_drawing)
        chat(server, body("slow drawing"))
    quick, slow = waits
    assert 1.0 < quick <= 2.0
    assert slow <= 0.5


def _image_bytes(response: httpx.Response) -> bytes:
    url = response.json()["choices"][0]["message"]["images"][0]["image_url"]["url"]
    return base64.b64decode(url.split(",", 1)[1])


def test_drawing_processes_draw_the_same_pictures_at_the_lowest_priority_in_a_session_of_their_own():
    with StandinServer() as inline:
        expected = _image_bytes(chat(inline, body("a kite in the wind", stream=False)))
    with StandinServer(drawing_processes=1) as server:
        # Generous: the drawing runs at the lowest priority, which a loaded test machine may starve a while.
        drawn = _image_bytes(chat(server, body("a kite in the wind", stream=False), timeout=120))
        helper = server._drawing.submit(os.getpid).result()
        assert helper != os.getpid()
        assert os.getpriority(os.PRIO_PROCESS, helper) == 19
        assert os.getsid(helper) == helper != os.getsid(0)
    assert drawn == expected
    assert not Path(f"/proc/{helper}").exists(), "stopping the server ends its drawing processes"


def test_drawing_processes_end_with_the_stand_in_process():
    command = [sys.executable, "-m", "openrouter.standin", "--port", "0", "--drawing-processes", "2"]
    with standin_process(command, cwd=Path(__file__).resolve().parents[2]) as base_url:
        # A picture drawn at the lowest priority waits out whatever else a loaded machine runs (a -n 6 run
        # went past httpx's default 5 s).
        response = httpx.post(
            f"{base_url}/chat/completions", json=body("a lantern", stream=False), headers=AUTH, timeout=120
        )
        assert response.status_code == 200
        assert _image_bytes(response).startswith(b"\x89PNG")
        helpers = _drawing_helpers()
        assert len(helpers) >= 1
    # Generous: a lowest-priority process on a loaded machine may wait a long while for the CPU to notice.
    deadline = time.monotonic() + 90
    while any(Path(f"/proc/{pid}").exists() for pid in helpers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in helpers if Path(f"/proc/{pid}").exists()]


def _drawing_helpers() -> list[int]:
    """The pids of the drawing processes of the stand-in command this test started."""
    parents, commands = {}, {}
    for entry in Path("/proc").iterdir():
        try:
            status = (entry / "status").read_text()
            commands[entry.name] = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if entry.name.isdigit():
            parents[int(entry.name)] = int(re.search(r"^PPid:\s+(\d+)", status, re.M).group(1))
    (server,) = [
        pid
        for pid, parent in parents.items()
        if parent == os.getpid() and b"openrouter.standin" in commands[str(pid)]
    ]
    return [pid for pid, parent in parents.items() if parent == server]


def test_random_latency_range():
    assert parse_latency("2") == 2.0
    assert parse_latency("2-20") == (2.0, 20.0)
    with pytest.raises(ValueError, match="range"):
        parse_latency("5-2")
    with StandinServer(latency=(0.2, 0.4)) as server:
        started = time.monotonic()
        chat(server, body("x"))
        assert time.monotonic() - started >= 0.2


def test_markers():
    markers = parse_markers("a cat [fault:429-once] [latency:2.5] on a mat")
    assert (markers.fault, markers.once, markers.latency, markers.prompt) == (
        "429",
        True,
        2.5,
        "a cat on a mat",
    )
    assert parse_markers("[fault:unknown] x").fault is None
    assert parse_markers("[FAULT:SVG]").fault == "svg"


# Rendering


@pytest.mark.parametrize("ratio", list(ASPECT_RATIO_PIXELS))
def test_documented_sizes(ratio):
    width, height = ASPECT_RATIO_PIXELS[ratio]
    assert image_dimensions(ratio, "2K") == (width * 2, height * 2)
    assert image_dimensions(ratio, "4K") == (width * 4, height * 4)
    assert image_dimensions(None, None) == (1024, 1024)


def test_rendering_is_deterministic_and_draws_the_prompts_colours():
    first = render_png("a red sky over blue water", 1024, 1024)
    render_png.cache_clear()
    assert render_png("a red sky over blue water", 1024, 1024) == first
    picture = Image.open(io.BytesIO(first)).convert("RGB")
    top, bottom = picture.getpixel((512, 2)), picture.getpixel((512, 1021))
    assert top[0] > 180
    assert top[2] < 100
    assert bottom[2] > 180
    assert bottom[0] < 100


# Robustness


def test_many_concurrent_streams():
    with StandinServer(latency=0.3, keepalive_interval=0.1) as server:

        def one(n: int) -> int:
            response = chat(server, body(f"stream {n}", image_config={"aspect_ratio": "16:9"}))
            return len(data_lines(response.content))

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=64) as pool:
            counts = list(pool.map(one, range(64)))
        assert time.monotonic() - started < 12  # concurrently: one after another would take over 19 s
        assert set(counts) == {counts[0]}
        assert server.chat_request_count == 64


def test_clients_that_hang_up_mid_stream_leave_no_traceback(capfd):
    with StandinServer(keepalive_interval=0.05, slow_seconds=2.0) as server:
        for prompt in ("[fault:hang]", "[fault:slow]", "[latency:1]", "[fault:oversize]"):
            with httpx.stream("POST", f"{server.base_url}/chat/completions", json=body(prompt), headers=AUTH,
                              timeout=5) as response:  # fmt: skip
                next(response.iter_raw())
        time.sleep(0.3)
        assert chat(server, body("still serving")).status_code == 200
    err = capfd.readouterr().err
    assert "Traceback" not in err
    assert "Exception" not in err


def test_stop_ends_a_hanging_stream_promptly():
    server = StandinServer().start()
    errors = []

    def hang() -> None:
        try:
            chat(server, body("[fault:hang]"))
        except httpx.HTTPError as error:
            errors.append(error)

    thread = threading.Thread(target=hang)
    thread.start()
    time.sleep(0.2)
    started = time.monotonic()
    server.stop()
    thread.join(timeout=5)
    assert time.monotonic() - started < 2
    assert not thread.is_alive()


def test_an_answer_log_it_cannot_write_stops_the_command_with_one_line(tmp_path, capsys):
    from openrouter.standin.cli import main

    missing = tmp_path / "no such folder" / "answers.jsonl"
    with pytest.raises(SystemExit) as stopped:
        main(["--port", "0", "--answer-log", str(missing)])
    assert stopped.value.code == 2
    assert f"could not start: [Errno 2] No such file or directory: '{missing}'" in capsys.readouterr().err


def test_runs_as_a_command(tmp_path):
    log = tmp_path / "answers.jsonl"
    command = [sys.executable, "-m", "openrouter.standin", "--port", "0", "--latency", "0"]
    with standin_process(
        [*command, "--answer-log", str(log)], cwd=Path(__file__).resolve().parents[2]
    ) as base_url:
        assert httpx.get(f"{base_url}/models").status_code == 200
        generated = httpx.post(
            f"{base_url}/chat/completions", json=body("a command's lighthouse"), headers=AUTH, timeout=60
        )
        assert generated.status_code == 200
        wait_for_lines(log, 1)
    assert json.loads(log.read_text())["prompt"] == "a command's lighthouse"


# POST /images (the dedicated Image API)


def images(server, request_body: dict, headers=AUTH) -> httpx.Response:
    return httpx.post(f"{server.base_url}/images", json=request_body, headers=headers, timeout=10)


def image_body(prompt: str, model="black-forest-labs/flux.2-pro", stream=False, **extra) -> dict:
    return {"model": model, "prompt": prompt, "n": 1, "stream": stream, **extra}


REFERENCE = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}


@pytest.mark.parametrize(
    ("request_body", "headers", "status", "message"),
    [
        (image_body("x"), {}, 401, "No auth credentials found"),
        (image_body("x", model="acme/nope"), AUTH, 404, "No endpoints found for acme/nope."),
        (image_body("x", model="openai/gpt-4o-mini"), AUTH, 404, "No endpoints found for openai/gpt-4o-mini."),
        ({"model": "black-forest-labs/flux.2-pro"}, AUTH, 400, "Input required: specify 'prompt'"),
        (image_body("x", model="openai/gpt-5-image-mini"), AUTH, 404,
         "No endpoints found for openai/gpt-5-image-mini."),
        (image_body("x", n=0), AUTH, 400, "n must be an integer from 1 to 10"),
        (image_body("x", aspect_ratio="7:3"), AUTH, 400, "Unsupported aspect_ratio '7:3'"),
        (image_body("x", resolution="8K"), AUTH, 400, "Unsupported resolution '8K'"),
        (image_body("x", output_format="svg"), AUTH, 400, "black-forest-labs/flux.2-pro cannot produce svg"),
        (image_body("x", seed="7"), AUTH, 400, "seed must be an integer"),
        (image_body("x", model="openai/gpt-image-1", background="transparent", output_format="jpeg"), AUTH,
         400, "background 'transparent' requires an output_format that supports alpha"),
        # What a provider does not describe, it does not take: OpenRouter answers which and why.
        (image_body("x", resolution="4K"), AUTH, 400, "No provider of black-forest-labs/flux.2-pro can take "
         "this request: Black Forest Labs does not support resolution '4K'."),
        (image_body("x", n=2), AUTH, 400, "No provider of black-forest-labs/flux.2-pro can take this request: "
         "Black Forest Labs does not support n=2 (it makes one image per request)."),
        (image_body("x", "openai/gpt-image-1", n=5), AUTH, 400, "No provider of openai/gpt-image-1 can take "
         "this request: OpenAI does not support n=5."),
        (image_body("x", "black-forest-labs/flux.2-klein-4b", seed=3), AUTH, 400, "No provider of "
         "black-forest-labs/flux.2-klein-4b can take this request: Black Forest Labs does not support seed 3."),
        (image_body("x", "google/gemini-3-pro-image-preview", resolution="4K",
                    provider={"only": ["google-vertex"]}), AUTH, 400,
         "No provider of google/gemini-3-pro-image-preview can take this request: Google Vertex does not "
         "support resolution '4K'."),
        (image_body("x", provider={"only": ["openai"]}), AUTH, 404,
         "No allowed providers are available for black-forest-labs/flux.2-pro."),
        (image_body("x", input_references=[{"type": "image_url", "image_url": {"url": "ftp://x"}}]), AUTH, 400,
         "Invalid image_url"),
        (image_body("x", model="black-forest-labs/flux.2-klein-4b", input_references=[REFERENCE]), AUTH, 404,
         "No endpoints found that support image input"),
    ],
)  # fmt: skip
def test_image_requests_are_checked_like_openrouter(standin, request_body, headers, status, message):
    response = images(standin, request_body, headers=headers)
    assert response.status_code == status
    assert response.json()["error"]["message"].startswith(message)


def test_image_api_answer_has_its_documented_shape(standin):
    marker = f"images-{time.monotonic_ns()}"
    response = images(standin, image_body(f"a teal cube {marker}", aspect_ratio="16:9", resolution="1K"))
    payload = response.json()

    assert response.headers["content-type"] == "application/json"
    assert GENERATION_ID.match(response.headers["x-generation-id"])
    assert set(payload) == {"created", "data", "usage"}
    (entry,) = payload["data"]
    assert entry["media_type"] == "image/png"
    assert {"prompt_tokens", "completion_tokens", "total_tokens", "cost"} <= set(payload["usage"])
    result = parse_images_response(payload)
    assert (result.images[0].width, result.images[0].height) == (1344, 768)
    (logged,) = standin.requests_for(marker)
    assert logged["path"] == "/images"


@pytest.mark.parametrize(
    ("model", "resolution", "size"),
    [
        ("google/gemini-3-pro-image-preview", "2K", (2688, 1536)),
        ("google/gemini-3-pro-image-preview", "4K", (5376, 3072)),
        ("black-forest-labs/flux.2-pro", "1K", (1344, 768)),
        ("google/gemini-2.5-flash-image", None, (1344, 768)),
    ],
)
def test_resolution_is_honoured_like_image_size(standin, model, resolution, size):
    resolution_field = {"resolution": resolution} if resolution else {}
    payload = images(standin, image_body("x", model, aspect_ratio="16:9", **resolution_field)).json()
    image = parse_images_response(payload).images[0]
    assert (image.width, image.height) == size


def test_a_ratio_the_provider_lacks_is_clamped_to_its_nearest(standin):
    payload = images(standin, image_body("x", "openai/gpt-image-1", aspect_ratio="16:9")).json()
    image = parse_images_response(payload).images[0]
    assert (image.width, image.height) == (1248, 832), "3:2 is the nearest GPT Image draws"


def test_a_seed_is_echoed_and_draws_the_same_picture_again(standin):
    first, again, other = (
        images(standin, image_body("a violet moon", "black-forest-labs/flux.2-pro", seed=seed)).json()
        for seed in (7, 7, 8)
    )
    assert first["data"][0]["seed"] == 7
    assert first["data"][0]["b64_json"] == again["data"][0]["b64_json"] != other["data"][0]["b64_json"]
    assert "seed" not in images(standin, image_body("a violet moon")).json()["data"][0], (
        "no seed sent, none echoed"
    )


def test_a_transparent_background_has_see_through_pixels(standin):
    payload = images(standin, image_body("a red circle", "openai/gpt-image-1", background="transparent",
                                         output_format="webp")).json()  # fmt: skip
    picture = Image.open(io.BytesIO(base64.b64decode(payload["data"][0]["b64_json"])))
    assert picture.mode == "RGBA"
    assert picture.getpixel((2, 2))[3] == 0, "the corner is see-through"


@pytest.mark.parametrize(
    ("body_fields", "cost"),
    [
        # $0.03 an image at 1K, $0.12 at 2K (variants), plus $0.015 per megapixel of references.
        ({"model": "black-forest-labs/flux.2-pro", "resolution": "1K"}, 0.03),
        ({"model": "black-forest-labs/flux.2-pro", "resolution": "2K"}, 0.12),
        ({"model": "black-forest-labs/flux.2-pro", "input_references": [{"type": "image_url", "image_url": {
            "url": "data:image/png;base64," + base64.b64encode(render_png("r", 1000, 1000)).decode()}}]},
         0.03 + 0.015),
        # Per output megapixel: 1344×768 at $0.014.
        ({"model": "black-forest-labs/flux.2-klein-4b", "aspect_ratio": "16:9"}, 1344 * 768 / 1e6 * 0.014),
        # Per token: 4160 output tokens for a high-quality square, and the prompt's tokens.
        ({"model": "openai/gpt-image-1", "quality": "high", "prompt": "abcdefgh"}, 4160 * 0.00004 + 2 * 0.000005),
    ],
)  # fmt: skip
def test_the_image_api_charges_by_the_providers_pricing_lines(standin, body_fields, cost):
    body_fields = {"prompt": "x" * 4} | body_fields
    answer = images(standin, image_body(**body_fields))
    assert answer.json()["usage"]["cost"] == pytest.approx(cost)
    assert float(standin.charged_for(answer.headers["x-generation-id"])) == pytest.approx(cost)


@pytest.mark.parametrize(
    ("output_format", "mime", "pillow"), [("jpeg", "image/jpeg", "JPEG"), ("webp", "image/webp", "WEBP")]
)
def test_output_format_is_honoured(standin, output_format, mime, pillow):
    payload = images(standin, image_body("x", "openai/gpt-image-1", output_format=output_format)).json()
    assert payload["data"][0]["media_type"] == mime
    assert parse_images_response(payload).images[0].format == pillow


def test_n_is_honoured(standin):
    result = parse_images_response(
        images(standin, image_body("a green star", "openai/gpt-image-1", n=2)).json()
    )
    assert len(result.images) == 2
    assert result.images[0].data != result.images[1].data


def test_image_api_stream_sends_previews_then_the_image_with_usage(standin):
    marker = f"sun-{time.monotonic_ns()}"
    response = images(standin, image_body(f"a yellow sun {marker}", "openai/gpt-image-1", stream=True))
    raw = response.content

    assert response.headers["content-type"] == "text/event-stream"
    assert raw.startswith(b": OPENROUTER PROCESSING\n\n")
    lines = data_lines(raw)
    assert lines[-1] == "[DONE]"
    first, second, final = (json.loads(line) for line in lines[:-1])
    assert [first["type"], second["type"]] == ["image_generation.partial_image"] * 2
    assert [first["partial_image_index"], second["partial_image_index"]] == [0, 1]
    assert Image.open(io.BytesIO(base64.b64decode(second["b64_json"]))).size == (256, 256)
    assert final["type"] == "image_generation.completed"
    assert final["media_type"] == "image/png"
    assert final["usage"]["cost"] > 0
    assert Image.open(io.BytesIO(base64.b64decode(final["b64_json"]))).size == (1024, 1024)
    assert [index for index, _ in standin.previews_sent(marker)] == [0, 1]


def test_a_provider_without_native_streaming_sends_no_previews(standin):
    lines = data_lines(images(standin, image_body("a yellow sun", stream=True)).content)
    assert [json.loads(line)["type"] for line in lines[:-1]] == ["image_generation.completed"]


def test_previews_come_while_the_model_draws_not_with_the_image():
    with StandinServer(keepalive_interval=0.05) as server:
        started = time.monotonic()
        with httpx.stream(
            "POST",
            f"{server.base_url}/images",
            headers=AUTH,
            timeout=10,
            json=image_body("a sun [latency:1.5]", "openai/gpt-image-1", stream=True),
        ) as response:
            arrivals = [(json.loads(line[6:]).get("type"), time.monotonic() - started)
                        for line in response.iter_lines() if line.startswith("data: {")]  # fmt: skip
    kinds = [kind for kind, _ in arrivals]
    assert kinds == ["image_generation.partial_image"] * 2 + ["image_generation.completed"]
    # A third of the latency apart each (0.5 s); generous bounds, the order is what matters.
    assert arrivals[0][1] < arrivals[2][1] - 0.3


@pytest.mark.parametrize("stream", [False, True])
def test_a_failed_image_generation_is_not_charged(stream):
    with StandinServer() as server:
        response = images(server, image_body("x [fault:midstream]", "openai/gpt-image-1", stream=stream))
        if stream:
            events = [json.loads(line) for line in data_lines(response.content)[:-1]]
            assert [event["type"] for event in events] == ["image_generation.partial_image"] * 2 + ["error"]
            assert events[-1]["error"]["type"] == "provider_error"
        else:
            assert response.status_code == 502
            assert response.json()["error"]["metadata"]["raw"] == "Provider disconnected unexpectedly"
        assert server.spent == 0
        images(server, image_body("x", "openai/gpt-image-1", stream=stream))
        assert server.spent > 0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.integers(0, 10**7), max_size=8))
def test_any_split_of_an_image_api_stream_gives_the_same_result(standin, cuts):
    raw = images(standin, image_body("a violet star [fault:two-images]", "google/gemini-3-pro-image-preview",
                                     stream=True)).content  # fmt: skip
    points = sorted({cut % (len(raw) + 1) for cut in cuts})
    decoder = ImageStreamDecoder()
    events = []
    for start, end in itertools.pairwise([0, *points, len(raw)]):
        events += decoder.feed(raw[start:end])
    result = decoder.close()
    assert len(result.images) == 2
    assert [type(event) for event in events] == [ImageReceived, Finished, ImageReceived, UsageReceived]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.integers(0, 10**7), max_size=8))
def test_any_split_of_a_stream_with_previews_gives_the_same_previews(standin, cuts):
    raw = images(standin, image_body("a violet star", "openai/gpt-image-1", stream=True)).content
    points = sorted({cut % (len(raw) + 1) for cut in cuts})
    decoder = ImageStreamDecoder()
    events = []
    for start, end in itertools.pairwise([0, *points, len(raw)]):
        events += decoder.feed(raw[start:end])
    decoder.close()
    previews = [event for event in events if isinstance(event, PreviewReceived)]
    assert [(p.index, Image.open(io.BytesIO(p.data)).size) for p in previews] == [
        (0, (128, 128)),
        (1, (256, 256)),
    ]
