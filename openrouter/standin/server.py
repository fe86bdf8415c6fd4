"""The stand-in's HTTP server: routing, keys, timing and faults on the connection, and its state."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import random
import select
import socket
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from openrouter.standin import discovery
from openrouter.standin.bodies import (
    chat_stream_events,
    completion_body,
    images_body,
    images_stream_events,
    preview_event,
)
from openrouter.standin.faults import STATUS_FAULTS, Markers
from openrouter.standin.rendering import picture
from openrouter.standin.replies import Reply, plan_reply, status_fault_answer
from openrouter.standin.validation import GENERATION_ROUTES, GenerationRequest, RequestError, prompt_of
from openrouter.standin.wire import KEEPALIVE, error_body

logger = logging.getLogger("easel.standin")

API_PREFIX = "/api/v1"
INVALID_KEY = "sk-or-v1-invalid"
# The request log keeps only the latest requests: their bodies hold whole reference images, and
# `serve` runs for days.
REQUEST_LOG_LIMIT = 256
# How many generations `charged_for` and GET /generation can still tell (the oldest are forgotten first).
CHARGES_KEPT = 1000


class ClientGone(Exception):
    pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Keep-alive connections may idle in their threads; stopping must not wait for them.
    block_on_close = False
    allow_reuse_address = True
    # socketserver's default backlog of 5 resets connections when many clients connect at once
    # (20 generations submitted together); OpenRouter never does that.
    request_queue_size = 128
    standin: StandinServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-stream is normal here; never print tracebacks for it.
        logger.debug("stand-in connection from %s ended with an error", client_address, exc_info=True)


def _start_drawing_process(server_pid: int) -> None:
    """A drawing process's start: the lowest CPU priority, in a session of its own whose autogroup is
    lowered too (with autogroup scheduling a nice value ranks a process only within its session, and the
    server's session must not share its CPU with the drawing). It ends when the server's process does,
    however that ends: a killed server cannot tell it to."""
    threading.Thread(target=_end_with, args=(server_pid,), name="end-with-the-server", daemon=True).start()
    os.setsid()
    try:
        with open("/proc/self/autogroup", "w") as autogroup:
            autogroup.write("19")
    except OSError:  # no autogroup scheduling here: the nice value is enough
        pass
    os.nice(19)


def _drawing_process_ready(_: int) -> int:
    time.sleep(0.1)  # long enough that one process cannot take every call, so each is started
    return os.getpid()


def _end_with(server_pid: int) -> None:
    while os.getppid() == server_pid:
        time.sleep(0.5)
    os._exit(0)


class StandinServer:
    """The stand-in on a loopback port. `start()` runs it in a daemon thread; `stop()` ends it."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float | tuple[float, float] = 0.0,
        *,
        keepalive_interval: float = 1.0,
        slow_seconds: float = 5.0,
        oversize_bytes: int = 64 * 1024 * 1024,
        credit_limit: float | None = None,
        hang_limit: float = 600.0,
        drawing_processes: int = 0,
        answer_log: str | Path | None = None,
    ) -> None:
        """`drawing_processes`: draw the pictures in that many helper processes at the lowest CPU priority
        (for benchmarks: OpenRouter draws on its own machines, so the stand-in's drawing should take as
        little as possible from the Easel measured beside it, while accepting and answering connections
        keeps its normal priority, as a remote server's would). 0 draws in the request's thread.

        `answer_log`: a file where each generation answered in full adds a JSON line: its prompt, and when
        (wall-clock seconds) the request arrived and its answer had been written. Benchmarks split a
        request's time with it: the upstream's part, and the client's before and after."""
        self._answer_log = Path(answer_log) if answer_log else None
        if self._answer_log is not None:
            self._answer_log.open("a").close()  # a path it cannot write fails here, not at every answer
        self._httpd = _Server((host, port), _Handler, bind_and_activate=True)
        self._httpd.standin = self
        self.host = host
        self.port: int = self._httpd.server_address[1]
        self.latency = latency
        self.keepalive_interval = keepalive_interval
        self.slow_seconds = slow_seconds
        self.oversize_bytes = oversize_bytes
        self.credit_limit = None if credit_limit is None else Decimal(str(credit_limit))
        self.hang_limit = hang_limit
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._generation_requests: deque[dict[str, Any]] = deque(maxlen=REQUEST_LOG_LIMIT)
        self._generation_requests_received = 0
        self._seen_prompts: set[str] = set()
        self._previews_sent: deque[tuple[str, int, float]] = deque(maxlen=REQUEST_LOG_LIMIT)
        self._generations: OrderedDict[str, discovery.GenerationRecord] = OrderedDict()
        self._spent = Decimal(0)
        # Image API models whose providers the stand-in fails to list (GET .../endpoints answers 500).
        self.failing_endpoints: set[str] = set()
        self._thread: threading.Thread | None = None
        self._random = random.Random()
        self._drawing_processes = drawing_processes
        self._drawing = (
            ProcessPoolExecutor(
                drawing_processes,
                mp_context=multiprocessing.get_context("spawn"),  # never fork a threaded server
                initializer=_start_drawing_process,
                initargs=(os.getpid(),),
            )
            if drawing_processes
            else None
        )

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}{API_PREFIX}"

    def start(self) -> Self:
        if self._drawing is not None:
            # Start every drawing process now (each imports Pillow), not during the first burst of requests.
            list(self._drawing.map(_drawing_process_ready, range(self._drawing_processes)))
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="openrouter-standin",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()
        if self._drawing is not None:
            self._drawing.shutdown(cancel_futures=True)

    def draw(self, *args: Any, **kwargs: Any) -> bytes:
        """One picture (rendering.picture's arguments), drawn in a drawing process if there are any."""
        if self._drawing is None:
            return picture(*args, **kwargs)
        return self._drawing.submit(picture, *args, **kwargs).result()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # The request log, for tests.

    @property
    def generation_requests(self) -> list[dict[str, Any]]:
        """The latest POST /chat/completions and /images received (up to REQUEST_LOG_LIMIT, oldest first):
        {"path", "body", "headers", "received_at"} (the Authorization value hidden)."""
        with self._lock:
            return list(self._generation_requests)

    @property
    def generation_request_count(self) -> int:
        """How many generation requests arrived, including those the bounded log no longer holds."""
        with self._lock:
            return self._generation_requests_received

    # The names from before /images was served; they count requests to both endpoints.
    chat_requests = generation_requests
    chat_request_count = generation_request_count

    def requests_for(self, marker: str) -> list[dict[str, Any]]:
        """The logged generation requests whose prompt contains `marker` (handy with a unique tag per test)."""
        return [entry for entry in self.generation_requests if marker in prompt_of(entry.get("body"))]

    def clear_log(self) -> None:
        with self._lock:
            self._generation_requests.clear()
            self._generation_requests_received = 0

    @property
    def spent(self) -> Decimal:
        with self._lock:
            return self._spent

    def charged_for(self, generation_id: str) -> Decimal:
        """What the stand-in charged for one generation (KeyError if it charged nothing under that id)."""
        with self._lock:
            return self._generations[generation_id].cost

    def charges_for(self, marker: str) -> list[Decimal]:
        """What was charged for the generations kept whose prompt contains `marker` (a test's own tag: unlike
        `spent`, a request of an earlier test still finishing cannot change it)."""
        with self._lock:
            return [record.cost for record in self._generations.values() if marker in record.prompt]

    def generation(self, generation_id: str) -> discovery.GenerationRecord | None:
        with self._lock:
            return self._generations.get(generation_id)

    # Internal state changes.

    def _log_request(self, path: str, body: Any, headers: dict[str, str]) -> None:
        entry = {"path": path, "body": body, "headers": headers, "received_at": time.monotonic()}
        with self._lock:
            self._generation_requests.append(entry)
            self._generation_requests_received += 1

    def _preview_sent(self, prompt: str, index: int) -> None:
        with self._lock:
            self._previews_sent.append((prompt, index, time.time()))

    def _answered(self, prompt: str, received_at: float) -> None:
        """`received_at` on the monotonic clock; the log has wall-clock times, comparable across processes."""
        if self._answer_log is None:
            return
        now, wall = time.monotonic(), time.time()
        line = json.dumps({"prompt": prompt, "received": wall - (now - received_at), "answered": wall})
        with self._lock, self._answer_log.open("a") as log:
            log.write(line + "\n")

    def previews_sent(self, marker: str) -> list[tuple[int, float]]:
        """(index, wall-clock time) of each preview sent for a prompt containing `marker`, oldest first."""
        with self._lock:
            return [(index, sent) for prompt, index, sent in self._previews_sent if marker in prompt]

    def _first_time(self, prompt: str) -> bool:
        with self._lock:
            if prompt in self._seen_prompts:
                return False
            self._seen_prompts.add(prompt)
            return True

    def _latency(self, markers: Markers) -> float:
        if markers.latency is not None:
            return markers.latency
        if isinstance(self.latency, tuple):
            low, high = self.latency
            with self._lock:
                return self._random.uniform(low, high)
        return float(self.latency)

    def _charge(self, record: discovery.GenerationRecord) -> None:
        with self._lock:
            self._spent += record.cost
            self._generations[record.generation_id] = record
            while len(self._generations) > CHARGES_KEPT:
                self._generations.popitem(last=False)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "OpenRouterStandin/1.0"
    # Idle keep-alive connections end after this many seconds.
    timeout = 30
    server: _Server

    @property
    def standin(self) -> StandinServer:
        return self.server.standin

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("stand-in %s - %s", self.address_string(), format % args)

    # Plumbing

    def _route(self) -> tuple[str, dict[str, list[str]]]:
        url = urlsplit(self.path)
        path = url.path
        if not path.startswith(API_PREFIX + "/"):
            return "", {}
        return path[len(API_PREFIX) :].rstrip("/"), parse_qs(url.query)

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self._write(data)

    def _send_error(
        self, status: int, message: str, metadata: dict[str, Any] | None = None, **headers: str
    ) -> None:
        self._send_json(status, error_body(status, message, metadata), headers)

    def _write(self, data: bytes) -> None:
        try:
            self.wfile.write(data)
        except OSError as exc:  # BrokenPipe, ConnectionReset...: the client went away
            self.close_connection = True
            raise ClientGone from exc

    def _write_chunk(self, *parts: bytes) -> None:
        size = sum(len(part) for part in parts)
        if size:
            self._write(b"%x\r\n" % size + b"".join(parts) + b"\r\n")

    def _end_chunks(self) -> None:
        self._write(b"0\r\n\r\n")

    def _authorized(self) -> str | None:
        """The bearer key, or None after answering 401."""
        header = self.headers.get("Authorization", "")
        key = header[7:].strip() if header[:7].lower() == "bearer " else ""
        if not key:
            self._send_error(401, "No auth credentials found")
            return None
        if key == INVALID_KEY:
            self._send_error(401, "User not found.")
            return None
        return key

    def _client_gone(self) -> bool:
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

    def _wait(self, seconds: float, *, keepalive: bool) -> None:
        """Wait, sending keep-alive comments on a stream; stop early if the client left."""
        deadline = time.monotonic() + seconds
        interval = self.standin.keepalive_interval
        while (left := deadline - time.monotonic()) > 0:
            if self.standin.stopping.wait(min(left, interval)):
                raise ClientGone
            if self._client_gone():
                raise ClientGone
            if keepalive and deadline - time.monotonic() > 0:
                self._write_chunk(KEEPALIVE)

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except ClientGone:
            self.close_connection = True
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    # GET

    def do_GET(self) -> None:
        route, query = self._route()
        if route in ("/key", "/auth/key", "/generation"):
            key = self._authorized()
            if key is None:
                return
            if route == "/generation":
                self._send_generation((query.get("id") or [""])[0])
            else:
                limit = self.standin.credit_limit
                self._send_json(
                    200, {"data": discovery.key_payload(key, spent=self.standin.spent, limit=limit)}
                )
            return
        # The model lists need no key (OpenRouter's docs call them without one), but a revoked key is refused.
        if self.headers.get("Authorization") and self._authorized() is None:
            return
        model_id = discovery.endpoints_model_id(route)
        if route == "/models":
            self._send_json(200, discovery.models_payload((query.get("output_modalities") or [None])[0]))
        elif route == "/images/models":
            self._send_json(200, discovery.image_models_payload())
        elif model_id is not None and model_id in self.standin.failing_endpoints:
            self._send_error(500, "Internal Server Error")
        elif model_id is not None and (endpoints := discovery.endpoints_payload(model_id)) is not None:
            self._send_json(200, endpoints)
        else:
            self._send_error(404, "Resource not found" if model_id else "Not Found")

    def _send_generation(self, generation_id: str) -> None:
        record = self.standin.generation(generation_id)
        if record is None:
            self._send_error(404, f"Generation {generation_id} not found")
        else:
            self._send_json(200, {"data": record.to_api()})

    # POST

    def do_POST(self) -> None:
        self._received_at = time.monotonic()
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        route, _ = self._route()
        validate = GENERATION_ROUTES.get(route)
        if validate is None:
            self._send_error(404, "Not Found")
            return
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        headers = {
            name: ("Bearer ***" if name.lower() == "authorization" else value)
            for name, value in self.headers.items()
        }
        self.standin._log_request(route, body, headers)
        if self._authorized() is None:
            return
        try:
            request = validate(body)
        except RequestError as error:
            self._send_error(error.status, error.message, error.metadata)
            return
        self._answer(request)

    def _answer(self, request: GenerationRequest) -> None:
        """Answer a request that passed the checks: with its fault, if its prompt names one."""
        markers = request.markers
        fault = markers.fault
        if fault and markers.once and not self.standin._first_time(request.prompt):
            fault = None
        if fault in STATUS_FAULTS:
            self._send_json(*status_fault_answer(request, fault))
            return
        reply = plan_reply(request, fault, oversize_bytes=self.standin.oversize_bytes, draw=self.standin.draw)
        # A model's latency runs from the request's arrival. Drawing the pictures above is OpenRouter's work
        # (on its machines, not Easel's), so it comes out of the wait instead of on top of it: otherwise a
        # burst of requests, drawn one after another by this one process, would look like a slower model.
        latency = max(0.0, self.standin._latency(markers) - (time.monotonic() - self._received_at))
        if request.stream:
            self._stream(reply, request, fault, latency)
        else:
            self._complete(reply, request, fault, latency)

    def _stream(self, reply: Reply, request: GenerationRequest, fault: str | None, latency: float) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Generation-Id", reply.generation_id)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        # OpenRouter opens with several keep-alives (a real capture has five before the first data).
        self._write_chunk(KEEPALIVE * 3)
        if fault == "hang":
            self._hang()
            return
        if reply.previews and not reply.error_first:
            # The previews arrive while the model draws: spread over the latency, the image after them.
            latency /= len(reply.previews) + 1
            for index, preview in enumerate(reply.previews):
                self._wait(latency, keepalive=True)
                self._write_chunk(*preview_event(index, preview))
                self.standin._preview_sent(request.prompt, index)
        self._wait(latency, keepalive=True)
        events = chat_stream_events(reply) if request.api == "chat" else images_stream_events(reply)
        if fault == "slow":
            self._trickle(b"".join(piece for pieces in events for piece in pieces), chunked=True)
        elif not self._write_events(events, cut_in_image=fault == "truncate"):
            return
        self._charge(reply, request)  # before the stream's end reaches the client
        self._end_chunks()
        self.standin._answered(request.prompt, self._received_at)

    def _write_events(self, events: Iterator[list[bytes]], *, cut_in_image: bool) -> bool:
        """Write the events; with `cut_in_image`, hang up half-way through the first image and say False."""
        for pieces in events:
            if cut_in_image and len(pieces) > 1:
                # Cut the connection in the middle of the image's base64.
                head = b"".join(pieces[:2])
                self._write_chunk(head[: len(head) // 2])
                self.close_connection = True
                return False
            for piece in pieces:
                self._write_chunk(piece)
        return True

    def _complete(self, reply: Reply, request: GenerationRequest, fault: str | None, latency: float) -> None:
        if fault == "hang":
            self._hang()
            return
        self._wait(latency, keepalive=False)
        if request.api == "images" and reply.error is not None:
            # The Image API bills all-or-nothing: a failed generation is a 502 and costs nothing.
            metadata = {"provider_name": reply.model.provider, "raw": reply.error["message"]}
            self._send_json(502, error_body(502, "Provider returned error", metadata))
            return
        body = completion_body(reply) if request.api == "chat" else images_body(reply)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Generation-Id", reply.generation_id)
        self.end_headers()
        if fault == "truncate":
            self._write(body[: len(body) // 2])
            self.close_connection = True
        elif fault == "slow":
            self._trickle(body, chunked=False)
            self._charge(reply, request)
        else:
            # Charged before the last byte goes out, as OpenRouter has by then: a client
            # that has read the whole answer then always finds the spend.
            self._charge(reply, request)
            self._write(body)
            self.standin._answered(request.prompt, self._received_at)

    def _hang(self) -> None:
        """Send nothing more until the client leaves (or `hang_limit` passes), then drop the connection."""
        self._wait(self.standin.hang_limit, keepalive=False)
        self.close_connection = True

    def _trickle(self, data: bytes, *, chunked: bool) -> None:
        """Send `data` in 50 pieces spread over `slow_seconds` (as HTTP chunks on a stream)."""
        write = self._write_chunk if chunked else self._write
        steps = 50
        size = max(1, -(-len(data) // steps))
        pause = self.standin.slow_seconds / steps
        for start in range(0, len(data), size):
            write(data[start : start + size])
            if self.standin.stopping.wait(pause):
                raise ClientGone

    def _charge(self, reply: Reply, request: GenerationRequest) -> None:
        if request.api == "images" and reply.error is not None:
            return  # all-or-nothing billing: nothing to charge
        record = discovery.GenerationRecord(
            generation_id=reply.generation_id,
            model=reply.model.id,
            provider_name=reply.provider_name,
            cost=reply.cost,
            streamed=request.stream,
            prompt=request.prompt,
        )
        self.standin._charge(record)
