"""Fault markers: `[fault:429]`, `[fault:midstream-once]`, `[latency:5]` in a prompt pick how the stand-in misbehaves."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_MARKER = re.compile(r"\[(fault|latency):\s*([^\]\s]+)\s*\]", re.IGNORECASE)

# Faults answered with an HTTP error status before any stream: status, message, metadata, Retry-After.
STATUS_FAULTS: dict[str, tuple[int, str, dict[str, Any] | None, str | None]] = {
    "400": (400, "Invalid request parameters", None, None),
    "401": (401, "User not found.", None, None),
    "402": (
        402,
        "This request requires more credits, or fewer max_tokens. You requested up to {max_tokens} "
        "tokens, but can only afford 1615. To increase, visit https://openrouter.ai/settings/credits "
        "and add more credits",
        None,
        None,
    ),
    "402-retry": (
        402,
        "Request would exceed your in-flight spending budget. Retry when running requests finish.",
        {"limit_source": "openrouter_in_flight_budget"},
        "1",
    ),
    "403": (
        403,
        '{model} requires moderation on {provider}. Your input was flagged for "violence/graphic". '
        "No credits were charged.",
        {
            "reasons": ["violence/graphic"],
            "flagged_input": "{flagged}",
            "provider_name": "{provider}",
            "model_slug": "{model}",
        },
        None,
    ),
    "404": (404, "No endpoints found for {model}.", None, None),
    "408": (408, "Operation timed out. Please try again later.", None, None),
    "413": (413, "Downloaded image content cannot exceed 30MB", {"provider_name": None}, None),
    "429": (429, "Rate limit exceeded", {"error_type": "rate_limit_exceeded"}, "1"),
    "429-long": (429, "Rate limit exceeded", {"error_type": "rate_limit_exceeded"}, "3600"),
    "500": (500, "Internal Server Error", None, None),
    "502": (
        502,
        "Provider returned error",
        {"provider_name": "{provider}", "raw": "upstream connect error"},
        None,
    ),
    "503": (503, "Service temporarily unavailable", None, "1"),
    "524": (524, "Provider timed out", None, None),
    "529": (529, "Provider returned error", {"error_type": "provider_overloaded"}, None),
}
STREAM_FAULTS = frozenset(
    {
        "midstream",
        "midstream-early",
        "truncate",
        "noimage",
        "badbase64",
        "svg",
        "notimage",
        "oversize",
        "bomb",
        "mismatch",
        "slow",
        "hang",
        "two-images",
        "https-url",
    }
)
FAULTS = frozenset(STATUS_FAULTS) | STREAM_FAULTS
# The Image API has no max_tokens, so its 402 says what the spec's example says.
IMAGES_STATUS_MESSAGES = {"402": "Insufficient credits. Add more using https://openrouter.ai/credits"}


@dataclass(frozen=True, kw_only=True)
class Markers:
    fault: str | None = None
    # "-once": the fault happens the first time this exact prompt is seen, then requests succeed.
    once: bool = False
    latency: float | None = None
    prompt: str = ""  # the prompt with the markers removed


def parse_markers(prompt: str) -> Markers:
    fault: str | None = None
    once = False
    latency: float | None = None
    for kind, value in _MARKER.findall(prompt):
        value = value.lower()
        if kind.lower() == "latency":
            try:
                latency = max(0.0, float(value))
            except ValueError:
                continue
        else:
            if value.endswith("-once"):
                value, once = value[: -len("-once")], True
            if value in FAULTS:
                fault = value
    clean = " ".join(_MARKER.sub(" ", prompt).split())
    return Markers(fault=fault, once=once, latency=latency, prompt=clean)
