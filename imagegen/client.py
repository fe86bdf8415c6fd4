"""The one place that builds Easel's OpenRouter client from settings."""

import threading

from django.conf import settings

import openrouter
from gallery import files

_clients: dict[tuple, openrouter.OpenRouterClient] = {}
_clients_lock = threading.Lock()


def openrouter_client(**overrides) -> openrouter.OpenRouterClient:
    """One pooled client per configuration, shared by the worker's threads (httpx.Client is thread-safe).

    `overrides` change options for a caller with other needs (the dashboard's quick key check). The
    client is shared: don't close it.
    """
    if not settings.OPENROUTER_API_KEY:
        raise openrouter.BadKey(
            "No OpenRouter API key is configured. Ask an admin to set OPENROUTER_API_KEY."
        )
    options = {
        "api_key": settings.OPENROUTER_API_KEY,
        "base_url": settings.OPENROUTER_BASE_URL,
        "app_url": settings.OPENROUTER_APP_URL,
        "app_title": settings.OPENROUTER_APP_TITLE,
        "connect_timeout": settings.OPENROUTER_CONNECT_TIMEOUT,
        "idle_timeout": settings.OPENROUTER_IDLE_TIMEOUT,
        "total_timeout": settings.OPENROUTER_TOTAL_TIMEOUT,
        "max_attempts": settings.OPENROUTER_MAX_ATTEMPTS,
        "retry_after_cap": settings.OPENROUTER_RETRY_AFTER_CAP,
        # The wire format ("chat" or "images"); results, events and errors are the same either way.
        "api": api_for(None),
        "max_image_bytes": settings.MAX_IMAGE_BYTES,
        "max_pixels": settings.MAX_IMAGE_PIXELS,
        # The check decodes every image whole; its thumbnail is made from those pixels, not decoded again.
        "derive": files.thumbnail_from_pixels,
    } | overrides
    key = tuple(sorted(options.items()))
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = openrouter.OpenRouterClient(**options)
        return client


def api_for(model_api: str | None) -> str:
    """The API a model is generated through: the operator's OPENROUTER_API where it names one path,
    else the model's own (what the sync found serves it), else chat completions."""
    if settings.OPENROUTER_API in ("chat", "images"):
        return settings.OPENROUTER_API
    return model_api or "chat"
