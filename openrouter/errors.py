"""Typed errors for everything that can go wrong between Easel and OpenRouter.

Every error carries a `message` a team member can act on, a stable `kind` (stored in the
database), and enough detail to decide about retries and spend. Nothing here ever contains
the API key: messages pass through `redact_secrets`, and the client additionally removes
its own key before an error leaves it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any, ClassVar

# OpenRouter keys look like "sk-or-v1-<64 hex>"; also catch other "sk-..." style secrets
# that a provider might echo back in an error.
_SECRET_PATTERN = re.compile(r"\b(sk-or-[A-Za-z0-9_-]{6,}|sk-[A-Za-z0-9_-]{16,})")
REDACTED = "[redacted key]"


def redact_secrets(text: str, *secrets: str | None) -> str:
    """Return `text` with the given secrets and anything shaped like an API key removed."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return _SECRET_PATTERN.sub(REDACTED, text)


def describe_wait(seconds: float) -> str:
    """'12 s', '5 min', '2 h': how long to wait, rounded up, for people."""
    if seconds < 120:
        return f"{max(1, math.ceil(seconds))} s"
    if seconds < 3600:
        return f"{math.ceil(seconds / 60)} min"
    hours = seconds / 3600
    return f"{hours:.0f} h" if hours >= 10 or hours.is_integer() else f"{hours:.1f} h"


class OpenRouterError(Exception):
    """Base of every error the OpenRouter client raises."""

    kind: ClassVar[str] = "openrouter"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        upstream_message: str | None = None,
        charged_possibly: bool = False,
    ) -> None:
        self.message = redact_secrets(message)
        self.status = status
        self.retry_after = retry_after
        self.upstream_message = redact_secrets(upstream_message) if upstream_message else None
        self.charged_possibly = charged_possibly
        super().__init__(self.message)

    def redact(self, secret: str | None) -> None:
        """Remove one more secret (the client's own key) from every text this error holds."""
        self.message = redact_secrets(self.message, secret)
        if self.upstream_message:
            self.upstream_message = redact_secrets(self.upstream_message, secret)
        for name in ("text", "flagged_input", "reason"):
            value = getattr(self, name, None)
            if isinstance(value, str):
                setattr(self, name, redact_secrets(value, secret))
        self.args = (self.message,)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(kind={self.kind!r}, status={self.status!r}, message={self.message!r})"


# One class per kind of failure, so callers catch exactly what they handle. The classes repeat a shape
# (a name and a `kind`), not logic: a deliberate exception to "no six lines alike".
class BadRequest(OpenRouterError):
    kind = "bad_request"


class BadKey(OpenRouterError):
    kind = "bad_key"


class OutOfCredits(OpenRouterError):
    kind = "out_of_credits"


class Moderation(OpenRouterError):
    kind = "moderation"

    def __init__(
        self, message: str, *, reasons: tuple[str, ...] = (), flagged_input: str | None = None, **kw: Any
    ) -> None:
        super().__init__(message, **kw)
        self.reasons = reasons
        self.flagged_input = redact_secrets(flagged_input) if flagged_input else None


class NoEndpoint(OpenRouterError):
    kind = "no_endpoint"


class UpstreamTimeout(OpenRouterError):
    kind = "timeout"


class TooLarge(OpenRouterError):
    kind = "too_large"


class RateLimited(OpenRouterError):
    kind = "rate_limited"


class ProviderError(OpenRouterError):
    kind = "provider_error"


class StreamProtocolError(OpenRouterError):
    """The response broke OpenRouter's wire format (bad framing, bad JSON, wrong types)."""

    kind = "protocol"


class TruncatedStream(StreamProtocolError):
    """The stream ended before a finish: nothing from it is kept."""

    kind = "truncated"


class NoImageReturned(OpenRouterError):
    kind = "no_image"

    def __init__(self, message: str, *, text: str = "", **kw: Any) -> None:
        super().__init__(message, **kw)
        self.text = redact_secrets(text)


class ImageRejected(OpenRouterError):
    """Easel's image check refused bytes the model returned; `reason` says why."""

    kind = "image_rejected"

    def __init__(self, reason: str, *, message: str | None = None, **kw: Any) -> None:
        super().__init__(message or f"Easel could not keep the model's image: {reason}.", **kw)
        self.reason = redact_secrets(reason)


class NetworkError(OpenRouterError):
    """OpenRouter could not be reached; the request was never sent."""

    kind = "network"


class OutcomeUnknown(OpenRouterError):
    """The connection failed after the request was sent: it may have run, and cost money."""

    kind = "outcome_unknown"


# Mid-stream errors may carry a string code instead of an HTTP-like number.
_STRING_CODES: dict[str, int] = {
    "bad_request": 400,
    "invalid_request": 400,
    "invalid_request_error": 400,
    "unauthorized": 401,
    "authentication_error": 401,
    "insufficient_credits": 402,
    "payment_required": 402,
    "content_policy_violation": 403,
    "moderation": 403,
    "forbidden": 403,
    "not_found": 404,
    "model_not_found": 404,
    "timeout": 408,
    "request_timeout": 408,
    "image_too_large": 413,
    "payload_too_large": 413,
    "rate_limit_exceeded": 429,
    "rate_limited": 429,
    "too_many_requests": 429,
    "server_error": 500,
    "internal_error": 500,
    "internal_server_error": 500,
    "bad_gateway": 502,
    "provider_error": 502,
    "upstream_error": 502,
    "provider_unavailable": 503,
    "service_unavailable": 503,
    "no_available_providers": 503,
    "provider_overloaded": 529,
    "overloaded": 529,
}


def code_to_status(code: object, error_type: object = None) -> int | None:
    """Map an error chunk's `code` (int or string) or `metadata.error_type` to an HTTP-like status."""
    if isinstance(code, int) and not isinstance(code, bool):
        return code
    if isinstance(code, str):
        if code.isdigit():
            return int(code)
        if code.lower() in _STRING_CODES:
            return _STRING_CODES[code.lower()]
    if isinstance(error_type, str) and error_type.lower() in _STRING_CODES:
        return _STRING_CODES[error_type.lower()]
    return None


def _quoted(upstream: str | None) -> str:
    return f" OpenRouter said: “{upstream.strip().rstrip('.')}”." if upstream and upstream.strip() else ""


def error_for_status(
    status: int | None,
    *,
    upstream_message: str | None,
    metadata: Mapping[str, Any] | None = None,
    retry_after: float | None = None,
    model: str | None = None,
    midstream: bool = False,
    charged_possibly: bool = False,
) -> OpenRouterError:
    """Build the typed error for an OpenRouter error status (or a mid-stream error code)."""
    metadata = metadata or {}
    said = _quoted(upstream_message)
    common: dict[str, Any] = {
        "status": status,
        "retry_after": retry_after,
        "upstream_message": upstream_message,
        "charged_possibly": charged_possibly,
    }
    model_name = model or "this model"
    wait = f"try again in {describe_wait(retry_after)}" if retry_after else None

    if status in (400, 422):
        return BadRequest(f"OpenRouter refused the request as invalid.{said}", **common)
    if status == 401:
        return BadKey("OpenRouter rejected the API key. Ask an admin to check OPENROUTER_API_KEY.", **common)
    if status == 402:
        return _out_of_credits(wait=wait, said=said, common=common)
    if status == 403:
        return _moderation(metadata, said=said, common=common)
    if status == 404:
        return NoEndpoint(
            f"OpenRouter has no provider that can serve {model_name} with these settings; "
            f"pick another model or check the admin's model list.{said}",
            **common,
        )
    if status in (408, 524):
        return UpstreamTimeout(f"OpenRouter timed out waiting for {model_name}; try again.{said}", **common)
    if status == 413:
        return TooLarge(
            f"The request was too large for OpenRouter (often a reference image that is too big).{said}",
            **common,
        )
    if status == 429:
        return RateLimited(
            f"OpenRouter is rate-limiting requests; {wait or 'try again in a minute'}.{said}", **common
        )
    if status is not None and 400 <= status < 500:
        return BadRequest(f"OpenRouter refused the request (HTTP {status}).{said}", **common)
    when = "while generating" if midstream else "before generating"
    advice = wait or "try again, or pick another model"
    label = f" ({status})" if status else ""
    return ProviderError(f"The model's provider failed {when}{label}; {advice}.{said}", **common)


def _out_of_credits(*, wait: str | None, said: str, common: dict[str, Any]) -> OutOfCredits:
    if wait:
        return OutOfCredits(
            f"OpenRouter's spending limit for requests in flight was reached; {wait}.{said}", **common
        )
    return OutOfCredits(
        "The OpenRouter account is out of credits, or cannot afford this request's maximum cost. "
        "Ask an admin to add credits at https://openrouter.ai/settings/credits." + said,
        **common,
    )


def _moderation(metadata: Mapping[str, Any], *, said: str, common: dict[str, Any]) -> Moderation:
    reasons = metadata.get("reasons")
    reason_list = tuple(str(r) for r in reasons) if isinstance(reasons, list) else ()
    flagged = metadata.get("flagged_input")
    flagged_text = flagged if isinstance(flagged, str) else None
    if reason_list:
        message = (
            f"OpenRouter's moderation blocked this prompt (flagged for {', '.join(reason_list)}). "
            "Rephrase it and try again."
        )
    else:
        message = f"OpenRouter refused this request (moderation or an account guardrail).{said}"
    return Moderation(message, reasons=reason_list, flagged_input=flagged_text, **common)


def error_details(raw: bytes) -> tuple[str | None, dict[str, Any]]:
    """(message, metadata) from an error body {"error": {"code", "message", "metadata"}}."""
    try:
        body = json.loads(raw)
    except ValueError:
        return None, {}
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None, {}
    message = error.get("message") if isinstance(error.get("message"), str) else None
    metadata = error.get("metadata") if isinstance(error.get("metadata"), dict) else {}
    detail = metadata.get("raw")
    if isinstance(detail, str) and detail.strip() and message:
        message = f"{message}: {detail.strip()[:300]}"
    return message, metadata
