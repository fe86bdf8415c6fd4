"""The HTTP client for OpenRouter's image generation, with retries that never pay twice.

It speaks either wire format (`api="chat"`, the default, or `api="images"`, see apis.py) and does
everything they share here, so both behave the same: headers, timeouts, deadlines, retries, typed
errors, key redaction, and the image check (in the readers both formats use).

A retry happens only where no output can have been produced: the connection never opened, a
retryable status arrived before any stream, or an error chunk came before any content. Anything
that fails after the request may have run is reported (with `charged_possibly=True`), not retried,
because OpenRouter has no idempotency key and keeps billing requests whose client went away.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Self
from urllib.parse import quote

import httpx

from openrouter import discovery
from openrouter.apis import ApiName, WireApi, wire_api
from openrouter.errors import (
    ImageRejected,
    NetworkError,
    NoImageReturned,
    OpenRouterError,
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    StreamProtocolError,
    TooLarge,
    TruncatedStream,
    UpstreamTimeout,
    error_details,
    error_for_status,
)
from openrouter.imagecheck import Derive, base64_length_limit
from openrouter.types import (
    DEFAULT_MAX_IMAGE_BYTES,
    DEFAULT_MAX_PIXELS,
    BytesReceived,
    Event,
    GenerationInfo,
    GenerationResult,
    ImageEndpoint,
    ImageModelListing,
    ImageRequest,
    KeyInfo,
    ModelInfo,
    RequestSending,
    Retrying,
    Started,
)

DEFAULT_BASE_URL = "https://openrouter.ai/api/v1"

logger = logging.getLogger("easel.openrouter")

# Statuses that arrive before any output exists, so a retry cannot pay twice.
_RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503})
# Error chunks worth retrying when they arrive before any content.
_RETRYABLE_STREAM_CODES = frozenset({429, 502, 503})
_ERROR_BODY_LIMIT = 64 * 1024


def _discard(_event: Event) -> None:
    pass


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds the server asks to wait: `retry-after-ms`, else `Retry-After` (seconds or HTTP-date)."""
    milliseconds = headers.get("retry-after-ms")
    if milliseconds:
        try:
            value = float(milliseconds) / 1000
        except ValueError:
            value = 0.0
        if 0 < value < float("inf"):
            return value
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
        value = when.timestamp() - (time.time() if now is None else now)
    return value if 0 < value < float("inf") else None


class _Retry(Exception):
    """An attempt failed in a way that produced nothing, so it may be retried."""

    def __init__(self, error: OpenRouterError, retry_after: float | None) -> None:
        super().__init__(error.message)
        self.error = error
        self.retry_after = retry_after


class OpenRouterClient:
    """Talks to OpenRouter (or the stand-in). One pooled httpx.Client per instance; close it when done.

    Safe to share between threads: a call keeps its state on the stack, and httpx.Client is thread-safe.
    """

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        app_url: str | None = None,
        app_title: str = "Easel",
        connect_timeout: float = 10.0,
        idle_timeout: float = 120.0,
        total_timeout: float = 600.0,
        max_attempts: int = 3,
        retry_after_cap: float = 60.0,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
        max_pixels: int = DEFAULT_MAX_PIXELS,
        derive: Derive | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
        api: ApiName | WireApi = "chat",
    ) -> None:
        if not api_key:
            raise ValueError("api_key is required")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._api_key = api_key
        self.api = wire_api(api)
        self.base_url = base_url.rstrip("/")
        self._connect_timeout = connect_timeout
        self._idle_timeout = idle_timeout
        self._total_timeout = total_timeout
        self._max_attempts = max_attempts
        self._retry_after_cap = retry_after_cap
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._max_image_bytes = max_image_bytes
        self._max_pixels = max_pixels
        # Called with each accepted image's decoded pixels, which the check holds anyway; what it makes
        # rides on the GeneratedImage as `derived` (Easel makes its thumbnail so, decoding once).
        self._derive = derive
        self._sleep = sleep
        self._clock = clock
        self._jitter = jitter
        self._headers = {
            "Authorization": f"Bearer {api_key}",
            "Content-Type": "application/json",
            "X-OpenRouter-Title": app_title,
            # The older name, still honoured for app attribution.
            "X-Title": app_title,
        }
        if app_url:
            self._headers["HTTP-Referer"] = app_url
        self._http = httpx.Client(base_url=self.base_url + "/", transport=transport, follow_redirects=False)

    def __repr__(self) -> str:
        return f"OpenRouterClient(base_url={self.base_url!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # Generation

    def generate(
        self, request: ImageRequest, *, on_event: Callable[[Event], None] | None = None
    ) -> GenerationResult:
        """Generate images for `request` through this client's API; raises an OpenRouterError subclass on failure."""
        emit = on_event or _discard
        body = json.dumps(self.api.build_body(request)).encode()
        deadline = self._clock() + self._total_timeout
        attempt = 0
        try:
            while True:
                attempt += 1
                try:
                    return self._attempt_generation(request, body, attempt, deadline, emit)
                except _Retry as failure:
                    delay = self._delay_before_retry(failure, attempt, deadline)
                    failure.error.redact(self._api_key)
                    logger.warning(
                        "OpenRouter attempt %d for %s failed (%s); retrying in %.1f s",
                        attempt,
                        request.model,
                        failure.error.message,
                        delay,
                    )
                    emit(Retrying(attempt=attempt + 1, delay_seconds=delay, reason=failure.error.message))
                    self._sleep(delay)
        except OpenRouterError as error:
            error.redact(self._api_key)
            logger.info(
                "OpenRouter generation with %s failed after %d attempt(s): %s [%s]",
                request.model,
                attempt,
                error.message,
                error.kind,
            )
            raise

    def _backoff(self, retries_so_far: int) -> float:
        delay = min(self._backoff_base * 2**retries_so_far, self._backoff_cap)
        return delay * (1 - 0.25 * self._jitter())

    def _delay_before_retry(self, failure: _Retry, attempt: int, deadline: float) -> float:
        """How long to wait before the next attempt; raises the failure's error when there is none."""
        if failure.retry_after is not None and failure.retry_after > self._retry_after_cap:
            # Holding a worker for longer is worse than failing now with "try again in N".
            raise failure.error
        if attempt >= self._max_attempts:
            raise failure.error
        delay = failure.retry_after if failure.retry_after is not None else self._backoff(attempt - 1)
        if self._clock() + delay >= deadline:
            raise failure.error
        return delay

    def _timeouts(self, deadline: float | None) -> httpx.Timeout:
        remaining = float("inf") if deadline is None else max(deadline - self._clock(), 0.001)
        return httpx.Timeout(
            connect=min(self._connect_timeout, remaining),
            read=min(self._idle_timeout, remaining),
            write=min(self._idle_timeout, remaining),
            pool=min(self._connect_timeout, remaining),
        )

    def _attempt_generation(
        self,
        request: ImageRequest,
        body: bytes,
        attempt: int,
        deadline: float,
        emit: Callable[[Event], None],
    ) -> GenerationResult:
        if self._clock() >= deadline:
            raise UpstreamTimeout(
                f"Generating took longer than Easel's limit of {self._total_timeout:g} s.",
                charged_possibly=attempt > 1,
            )
        http_request = self._http.build_request(
            "POST", self.api.path, content=body, headers=self._headers, timeout=self._timeouts(deadline)
        )
        emit(RequestSending(attempt=attempt))
        logger.info(
            "Sending an image request for %s to OpenRouter /%s (attempt %d)",
            request.model,
            self.api.path,
            attempt,
        )
        response = self._send(http_request, stream=True)
        try:
            if response.status_code != 200:
                raise self._status_failure(response, model=request.model)
            if response.headers.get("content-type", "").startswith("application/json"):
                # Something on the way ignored `stream: true`; the same result, in one piece.
                return self._require_images(self._read_completion(response, attempt, deadline, emit))
            return self._read_generation(response, attempt, deadline, emit)
        finally:
            response.close()

    def _send(self, http_request: httpx.Request, *, stream: bool) -> httpx.Response:
        """Send, classifying failures by whether the request can have reached OpenRouter."""
        host = http_request.url.host
        try:
            return self._http.send(http_request, stream=stream)
        except httpx.ConnectTimeout as exc:
            raise _Retry(
                UpstreamTimeout(f"Connecting to OpenRouter ({host}) timed out; check the network."), None
            ) from exc
        except (httpx.ConnectError, httpx.PoolTimeout) as exc:
            raise _Retry(
                NetworkError(f"Could not connect to OpenRouter ({host}: {exc}); check the network."), None
            ) from exc
        except (httpx.UnsupportedProtocol, httpx.ProxyError) as exc:
            raise NetworkError(f"Could not reach OpenRouter at {http_request.url} ({exc}).") from exc
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(
                "OpenRouter did not answer in time. The request may still have run and been charged; "
                "check OpenRouter's activity page before trying again.",
                charged_possibly=True,
            ) from exc
        except httpx.TransportError as exc:
            raise OutcomeUnknown(
                "The connection to OpenRouter failed after the request was sent "
                f"({exc or type(exc).__name__}). It may still have run and been charged; "
                "check OpenRouter's activity page before trying again.",
                charged_possibly=True,
            ) from exc

    def _status_failure(self, response: httpx.Response, *, model: str | None) -> Exception:
        """The error for a non-200 answer, wrapped in _Retry when nothing can have been produced."""
        raw = bytearray()
        try:
            for piece in response.iter_bytes():
                raw += piece
                if len(raw) > _ERROR_BODY_LIMIT:
                    break
        except httpx.HTTPError:
            pass  # the status alone is enough to classify
        upstream, metadata = error_details(bytes(raw[:_ERROR_BODY_LIMIT]))
        status = response.status_code
        retry_after = parse_retry_after(response.headers)
        error = error_for_status(
            status, upstream_message=upstream, metadata=metadata, retry_after=retry_after, model=model
        )
        if status in _RETRYABLE_STATUSES or (status == 402 and retry_after is not None):
            return _Retry(error, retry_after)
        return error

    def _body_chunks(self, response: httpx.Response, deadline: float) -> Iterator[bytes]:
        """The body as it arrives, streamed or not, within the deadline.

        Anything failing here happens after OpenRouter accepted the request, so it may have run and
        been charged: the errors say so, and are never retried.
        """
        try:
            for chunk in response.iter_bytes():
                yield chunk
                if self._clock() >= deadline:
                    raise UpstreamTimeout(
                        f"Generating took longer than Easel's limit of {self._total_timeout:g} s, so Easel "
                        "stopped waiting. The model may still have run and been charged.",
                        charged_possibly=True,
                    )
        except httpx.TimeoutException as exc:
            waited = (
                "the time limit ran out"
                if self._clock() >= deadline
                else (f"OpenRouter sent nothing for {self._idle_timeout:g} s")
            )
            raise UpstreamTimeout(
                f"Easel stopped waiting for the image: {waited}. "
                "The model may still have run and been charged; try again.",
                charged_possibly=True,
            ) from exc
        except httpx.TransportError as exc:
            raise TruncatedStream(
                "The connection to OpenRouter broke before the generation finished, so nothing was kept. "
                "The model may already have run and been charged; try again.",
                charged_possibly=True,
            ) from exc

    def _read_generation(
        self,
        response: httpx.Response,
        attempt: int,
        deadline: float,
        emit: Callable[[Event], None],
    ) -> GenerationResult:
        header_id = response.headers.get("x-generation-id")
        decoder = self.api.stream_decoder(
            generation_id=header_id,
            max_image_bytes=self._max_image_bytes,
            max_pixels=self._max_pixels,
            derive=self._derive,
        )
        started = bool(header_id)
        if header_id:
            emit(Started(generation_id=header_id, attempt=attempt))
        received = 0
        for chunk in self._body_chunks(response, deadline):
            events = decoder.feed(chunk)
            if not started and decoder.saw_data:
                started = True
                emit(Started(generation_id=decoder.generation_id, attempt=attempt))
            received += len(chunk)
            emit(BytesReceived(total_bytes=received))
            for event in events:
                emit(event)
            if decoder.finished:
                break
        try:
            result = decoder.close()
        except (RateLimited, ProviderError) as error:
            if not decoder.content_started and error.status in _RETRYABLE_STREAM_CODES:
                raise _Retry(error, error.retry_after) from None
            raise
        return self._require_images(result)

    def _read_completion(
        self, response: httpx.Response, attempt: int, deadline: float, emit: Callable[[Event], None]
    ) -> GenerationResult:
        limit = base64_length_limit(self._max_image_bytes) * 2
        body = bytearray()
        for chunk in self._body_chunks(response, deadline):
            body += chunk
            emit(BytesReceived(total_bytes=len(body)))
            if len(body) > limit:
                raise TooLarge("OpenRouter's answer was larger than Easel accepts.", charged_possibly=True)
        try:
            payload = json.loads(body)
        except ValueError:
            raise StreamProtocolError(
                "OpenRouter's answer is not valid JSON.", charged_possibly=True
            ) from None
        del body
        result = self.api.parse_body(
            payload,
            generation_id=response.headers.get("x-generation-id"),
            max_image_bytes=self._max_image_bytes,
            max_pixels=self._max_pixels,
            derive=self._derive,
        )
        emit(Started(generation_id=result.generation_id, attempt=attempt))
        return result

    @staticmethod
    def _require_images(result: GenerationResult) -> GenerationResult:
        if result.images:
            return result
        if result.rejected_images:
            raise ImageRejected(result.rejected_images[0], charged_possibly=True)
        text = result.text.strip()
        if text:
            shown = text if len(text) <= 500 else text[:500] + "…"
            message = f"The model answered without an image. It said: “{shown}”"
        else:
            message = (
                "The model finished without returning an image"
                f" (finish reason: {result.finish_reason or 'none'}). Try rephrasing the prompt."
            )
        raise NoImageReturned(message, text=result.text, charged_possibly=True)

    # Other endpoints

    def list_image_models(self) -> list[ModelInfo]:
        """Models that can output images (GET /models?output_modalities=image), chat-served ones included."""
        return discovery.image_models_of(self._get_json("models", params={"output_modalities": "image"}))

    def list_image_api_models(self) -> list[ImageModelListing]:
        """The Image API's models with their descriptors, the union over providers (GET /images/models)."""
        return discovery.image_model_listings_of(self._get_json("images/models"))

    def image_model_endpoints(self, model_id: str) -> list[ImageEndpoint]:
        """Each provider of an Image API model: its definitive descriptors, streaming and pricing lines."""
        author, _, slug = model_id.partition("/")
        path = f"images/models/{quote(author, safe='')}/{quote(slug, safe='')}/endpoints"
        return discovery.image_endpoints_of(self._get_json(path), model_id=model_id)

    def generation_info(self, generation_id: str) -> GenerationInfo:
        """What OpenRouter recorded about a generation, e.g. the provider that served it (GET /generation)."""
        data = self._get_json("generation", params={"id": generation_id}).get("data")
        if not isinstance(data, dict):
            raise StreamProtocolError("OpenRouter's generation record has no “data” object.")
        return discovery.parse_generation_info(data)

    def key_info(self) -> KeyInfo:
        """The API key's label, limits and spend (GET /key)."""
        data = self._get_json("key").get("data")
        if not isinstance(data, dict):
            raise StreamProtocolError("OpenRouter's key information has no “data” object.")
        return discovery.parse_key_info(data)

    def _get_json(self, path: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        """GET with retries: reads are idempotent, so any transient failure may be retried."""
        attempt = 0
        try:
            while True:
                attempt += 1
                http_request = self._http.build_request(
                    "GET", path, params=params, headers=self._headers, timeout=self._timeouts(None)
                )
                try:
                    response = self._send(http_request, stream=False)
                    if response.status_code == 200:
                        try:
                            payload = response.json()
                        except ValueError:
                            payload = None
                        if not isinstance(payload, dict):
                            raise StreamProtocolError(f"OpenRouter's answer to /{path} is not a JSON object.")
                        return payload
                    raise self._status_failure(response, model=None)
                except _Retry as retry:
                    failure_to_retry = retry
                except (UpstreamTimeout, OutcomeUnknown) as error:
                    failure_to_retry = _Retry(error, None)
                delay = self._delay_before_retry(failure_to_retry, attempt, deadline=float("inf"))
                self._sleep(delay)
        except OpenRouterError as error:
            error.redact(self._api_key)
            raise
