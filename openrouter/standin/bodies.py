"""A planned reply written in each wire format: the chat stream's chunks, the Image API's stream
events, a whole chat completion, a whole Image API answer."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

from openrouter.standin.replies import Reply
from openrouter.standin.wire import (
    IMAGE_SLOT,
    base64_of,
    image_pieces,
    image_slot,
    sse_event,
    with_slots_filled,
)


def _chunk(reply: Reply, choice: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": reply.generation_id,
        "object": "chat.completion.chunk",
        "created": reply.created,
        "model": reply.model.id,
        "provider": reply.model.provider,
        **extra,
        "choices": [choice],
    }


def chat_stream_events(reply: Reply) -> Iterator[list[bytes]]:
    """The chat stream's events after the keep-alives, each as the byte pieces of one SSE event."""

    def choice(delta: dict[str, Any], finish: str | None = None, native: str | None = None) -> dict[str, Any]:
        return {"index": 0, "delta": delta, "finish_reason": finish, "native_finish_reason": native}

    if reply.error is not None and reply.error_first:
        yield sse_event(_chunk(reply, choice({"content": ""}, "error", "error"), error=reply.error))
        return
    for text in reply.reasoning:
        yield sse_event(_chunk(reply, choice({"role": "assistant", "content": "", "reasoning": text})))
    for text in reply.content:
        yield sse_event(_chunk(reply, choice({"content": text, "role": "assistant"})))
    if reply.error is not None:
        yield sse_event(_chunk(reply, choice({"content": ""}, "error", "error"), error=reply.error))
        return
    for index, image in enumerate(reply.images):
        delta = {
            "role": "assistant",
            "content": "",
            "images": [{"type": "image_url", "image_url": {"url": IMAGE_SLOT}, "index": index}],
        }
        yield sse_event(_chunk(reply, choice(delta)), image_pieces(image))
    done = choice({"content": "", "role": "assistant"}, reply.finish_reason, reply.native_finish_reason)
    yield sse_event(_chunk(reply, done))
    yield sse_event(_chunk(reply, done, system_fingerprint=None, service_tier=None, usage=reply.usage))
    yield [b"data: [DONE]\n\n"]


def preview_event(index: int, png: bytes) -> list[bytes]:
    """One `image_generation.partial_image` event (the server paces them while the image is drawn)."""
    b64 = base64.b64encode(png).decode()
    return sse_event(
        {"type": "image_generation.partial_image", "partial_image_index": index, "b64_json": b64}
    )


def images_stream_events(reply: Reply) -> Iterator[list[bytes]]:
    """The Image API stream's events after any previews: each image completed (the last with usage, each
    echoing the seed it was drawn with), or an error event; then [DONE]."""
    if reply.error is not None:
        error = {"code": "upstream_error", "message": reply.error["message"], "param": None}
        yield sse_event({"type": "error", "error": error | {"type": "provider_error"}})
    else:
        for index, image in enumerate(reply.images):
            media_type, pieces = base64_of(image)
            completed = {
                "type": "image_generation.completed",
                "b64_json": IMAGE_SLOT,
                "media_type": media_type,
            }
            completed["created"] = reply.created
            if reply.seed is not None:
                completed["seed"] = reply.seed
            if index == len(reply.images) - 1:
                completed["usage"] = _images_usage(reply.usage)
            yield sse_event(completed, pieces)
    yield [b"data: [DONE]\n\n"]


def completion_body(reply: Reply) -> bytes:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": "".join(reply.content),
        "refusal": None,
        "reasoning": "".join(reply.reasoning) or None,
    }
    if reply.images:
        message["images"] = [
            {"type": "image_url", "image_url": {"url": image_slot(i)}, "index": i}
            for i in range(len(reply.images))
        ]
    choice: dict[str, Any] = {
        "logprobs": None,
        "finish_reason": reply.finish_reason,
        "native_finish_reason": reply.native_finish_reason,
        "index": 0,
        "message": message,
    }
    if reply.error is not None:
        choice["error"] = reply.error
    payload = {
        "id": reply.generation_id,
        "provider": reply.model.provider,
        "model": reply.model.id,
        "object": "chat.completion",
        "created": reply.created,
        "choices": [choice],
        "usage": reply.usage,
    }
    return with_slots_filled(payload, [image_pieces(image) for image in reply.images])


def images_body(reply: Reply) -> bytes:
    images = [base64_of(image) for image in reply.images]
    seed = {} if reply.seed is None else {"seed": reply.seed}
    payload = {
        "created": reply.created,
        "data": [
            {"b64_json": image_slot(i), "media_type": media_type, **seed}
            for i, (media_type, _) in enumerate(images)
        ],
        "usage": _images_usage(reply.usage),
    }
    return with_slots_filled(payload, [pieces for _, pieces in images])


def _images_usage(usage: dict[str, Any]) -> dict[str, Any]:
    """The Image API's usage: the token counts, image and reasoning tokens, and cost."""
    details = usage["completion_tokens_details"]
    return {
        "prompt_tokens": usage["prompt_tokens"],
        "completion_tokens": usage["completion_tokens"],
        "total_tokens": usage["total_tokens"],
        "cost": usage["cost"],
        "completion_tokens_details": {
            "image_tokens": details["image_tokens"],
            "reasoning_tokens": details["reasoning_tokens"],
        },
    }
