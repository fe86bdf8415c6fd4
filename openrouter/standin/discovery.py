"""What the stand-in answers to the reads: the model lists (chat's and the Image API's), an Image API
model's providers, one generation's record, and the key's details."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openrouter.standin.models import IMAGES_API_MODELS, MODELS_BY_ID, models_for

IMAGES_MODELS_PREFIX = "/images/models/"
ENDPOINTS_SUFFIX = "/endpoints"


@dataclass(frozen=True)
class GenerationRecord:
    """What the stand-in keeps of a generation it answered, for GET /generation."""

    generation_id: str
    model: str
    provider_name: str
    cost: Decimal
    streamed: bool
    prompt: str = ""  # for tests (charges_for); never in an answer

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.generation_id,
            "model": self.model,
            "provider_name": self.provider_name,
            "total_cost": float(self.cost),
            "streamed": self.streamed,
            "cancelled": False,
            "api_type": "images",
        }


def models_payload(output_modalities: str | None) -> dict[str, Any]:
    data = [model.to_api() for model in models_for(output_modalities)]
    return {"data": data, "total_count": len(data), "links": {"next": None}}


def image_models_payload() -> dict[str, Any]:
    return {"data": [model.to_images_api() for model in IMAGES_API_MODELS]}


def endpoints_model_id(route: str) -> str | None:
    """`author/slug` of a `/images/models/{author}/{slug}/endpoints` route (None for any other route)."""
    if not (route.startswith(IMAGES_MODELS_PREFIX) and route.endswith(ENDPOINTS_SUFFIX)):
        return None
    model_id = route[len(IMAGES_MODELS_PREFIX) : -len(ENDPOINTS_SUFFIX)]
    return model_id if model_id.count("/") == 1 else None


def endpoints_payload(model_id: str) -> dict[str, Any] | None:
    """The providers of an Image API model, or None when the Image API does not serve it."""
    model = MODELS_BY_ID.get(model_id)
    if model is None or not model.endpoints:
        return None
    return {"id": model.id, "endpoints": [endpoint.to_api() for endpoint in model.endpoints]}


def key_payload(key: str, *, spent: Decimal, limit: Decimal | None) -> dict[str, Any]:
    used = float(spent)
    return {
        "label": f"{key[:11]}...{key[-3:]}" if len(key) > 16 else "stand-in key",
        "limit": None if limit is None else float(limit),
        "limit_remaining": None if limit is None else float(max(limit - spent, Decimal(0))),
        "limit_reset": None,
        "include_byok_in_limit": False,
        "usage": used,
        "usage_daily": used,
        "usage_weekly": used,
        "usage_monthly": used,
        "byok_usage": 0,
        "byok_usage_daily": 0,
        "byok_usage_weekly": 0,
        "byok_usage_monthly": 0,
        "is_free_tier": False,
        "is_management_key": False,
        "is_provisioning_key": False,
        "expires_at": None,
        "rate_limit": {"requests": -1, "interval": "10s", "note": "This field is deprecated"},
    }
