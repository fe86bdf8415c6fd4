"""Reading what OpenRouter says about image models, from hand-written answers: every descriptor type, every
pricing unit, and what happens with what Easel does not know (ignored with a log line, never a crash)."""

import json
import logging
from decimal import Decimal

import httpx
import pytest

from openrouter import (
    BooleanCapability,
    EnumCapability,
    NoEndpoint,
    OpenRouterClient,
    PricingLine,
    ProviderError,
    RangeCapability,
    StreamProtocolError,
    capabilities_json,
    merge_capabilities,
    parse_capabilities,
    parse_pricing,
    pricing_json,
)
from openrouter.tests.standin_fixtures import TEST_API_KEY, SleepRecorder

# The published examples (ImageModelListItem, ImageEndpoint), plus one descriptor of each type.
SEEDREAM_LISTING = {
    "id": "bytedance-seed/seedream-4.5",
    "name": "Seedream 4.5",
    "description": "A text-to-image model.",
    "created": 1692901234,
    "architecture": {"input_modalities": ["text", "image"], "output_modalities": ["image"]},
    "supported_parameters": {
        "resolution": {"type": "enum", "values": ["1K", "2K", "4K"]},
        "seed": {"type": "boolean"},
        "output_compression": {"type": "range", "min": 0, "max": 100},
    },
    "supports_streaming": False,
    "endpoints": "/api/v1/images/models/bytedance-seed/seedream-4.5/endpoints",
}
SEEDREAM_ENDPOINTS = {
    "id": "bytedance-seed/seedream-4.5",
    "endpoints": [
        {
            "allowed_passthrough_parameters": ["watermark"],
            "pricing": [
                {"billable": "output_image", "cost_usd": 0.05, "unit": "image"},
                {"billable": "output_image", "cost_usd": 0.03, "unit": "megapixel", "variant": "4K"},
                {"billable": "input_text", "cost_usd": 0.000002, "unit": "token"},
                {"billable": "input_reference", "cost_usd": 0.01, "unit": "request"},
            ],
            "provider_name": "Bytedance",
            "provider_slug": "bytedance",
            "provider_tag": "bytedance",
            "supported_parameters": {"resolution": {"type": "enum", "values": ["1K", "2K", "4K"]}},
            "supports_streaming": False,
        }
    ],
}


def client_answering(routes: dict[str, object], seen: list[httpx.Request] | None = None) -> OpenRouterClient:
    def answer(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        body = routes.get(request.url.path)
        if body is None:
            return httpx.Response(404, json={"error": {"code": 404, "message": "Resource not found"}})
        if isinstance(body, int):
            return httpx.Response(body, json={"error": {"code": body, "message": "Internal Server Error"}})
        return httpx.Response(200, json=body)

    return OpenRouterClient(
        api_key=TEST_API_KEY,
        base_url="https://openrouter.test/api/v1",
        transport=httpx.MockTransport(answer),
        sleep=SleepRecorder(),
    )


def test_each_descriptor_type_is_read():
    parsed = parse_capabilities(SEEDREAM_LISTING["supported_parameters"], source="test")
    assert parsed == {
        "resolution": EnumCapability(values=("1K", "2K", "4K")),
        "seed": BooleanCapability(),
        "output_compression": RangeCapability(minimum=Decimal(0), maximum=Decimal(100)),
    }
    assert parsed["resolution"].accepts("2K")
    assert not parsed["resolution"].accepts("8K")
    assert parsed["output_compression"].accepts(100)
    assert not parsed["output_compression"].accepts(101)
    assert not parsed["output_compression"].accepts(True)
    assert parsed["seed"].accepts(12345)
    # Stored as it came, read back the same.
    assert parse_capabilities(json.loads(json.dumps(capabilities_json(parsed))), source="test") == parsed


def test_unknown_descriptor_types_and_fields_are_ignored_with_a_log_line(caplog):
    raw = {
        "aspect_ratio": {"type": "enum", "values": ["1:1"], "labels": ["Square"]},
        "style": {"type": "multi_enum", "values": ["anime"]},
        "steps": {"type": "range", "min": 50, "max": 1},
        "n": {"type": "range", "min": "one", "max": 4},
        "quality": {"type": "enum", "values": []},
        "strength": "0.5",
        "mask": None,
    }
    with caplog.at_level(logging.INFO, logger="easel.openrouter"):
        parsed = parse_capabilities(raw, source="acme/model")
    assert parsed == {"aspect_ratio": EnumCapability(values=("1:1",))}
    logged = caplog.text
    assert "unknown type 'multi_enum'" in logged
    assert "Ignoring unknown fields ['labels']" in logged
    assert "malformed range descriptor for 'steps'" in logged
    assert "malformed enum descriptor for 'quality'" in logged
    assert "unknown type None" in logged
    assert parse_capabilities(["not", "a", "map"], source="x") == {}


def test_merging_descriptors_is_their_union():
    studio = {"resolution": EnumCapability(("1K", "2K", "4K")), "n": RangeCapability(Decimal(1), Decimal(2))}
    vertex = {"resolution": EnumCapability(("512", "1K")), "n": RangeCapability(Decimal(1), Decimal(4))}
    vertex |= {"seed": BooleanCapability()}
    assert merge_capabilities(studio, vertex) == {
        "resolution": EnumCapability(("1K", "2K", "4K", "512")),
        "n": RangeCapability(Decimal(1), Decimal(4)),
        "seed": BooleanCapability(),
    }
    assert merge_capabilities(
        {"seed": RangeCapability(Decimal(0), Decimal(9))}, {"seed": BooleanCapability()}
    ) == {"seed": BooleanCapability()}


def test_pricing_lines_of_every_unit_are_read_and_unreadable_ones_skipped(caplog):
    raw = [
        *SEEDREAM_ENDPOINTS["endpoints"][0]["pricing"],
        {"billable": "output_video", "unit": "second", "cost_usd": 0.5},
        {"billable": "output_image", "unit": "image", "cost_usd": -1},
        {"billable": "output_image", "unit": "image", "cost_usd": "NaN"},
        {"billable": "output_image", "cost_usd": 1},
        "free",
    ]
    with caplog.at_level(logging.INFO, logger="easel.openrouter"):
        lines = parse_pricing(raw, source="bytedance-seed/seedream-4.5")
    assert lines == (
        PricingLine("output_image", "image", Decimal("0.05")),
        PricingLine("output_image", "megapixel", Decimal("0.03"), "4K"),
        PricingLine("input_text", "token", Decimal("0.000002")),
        PricingLine("input_reference", "request", Decimal("0.01")),
        # A unit Easel cannot estimate is kept: the estimate then says it cannot be made.
        PricingLine("output_video", "second", Decimal("0.5")),
    )
    assert caplog.text.count("Ignoring a pricing line") == 4
    assert parse_pricing(json.loads(json.dumps(pricing_json(lines))), source="x") == lines


def test_the_client_reads_the_image_model_list_and_a_models_endpoints():
    seen: list[httpx.Request] = []
    routes = {
        "/api/v1/images/models": {"data": [SEEDREAM_LISTING, {"name": "no id"}]},
        "/api/v1/images/models/bytedance-seed/seedream-4.5/endpoints": SEEDREAM_ENDPOINTS,
    }
    with client_answering(routes, seen) as client:
        (listing,) = client.list_image_api_models()
        (endpoint,) = client.image_model_endpoints("bytedance-seed/seedream-4.5")
    assert listing.id == "bytedance-seed/seedream-4.5"
    assert listing.input_modalities == ("text", "image")
    assert listing.parameters["seed"] == BooleanCapability()
    assert listing.supports_streaming is False
    assert (endpoint.provider_name, endpoint.provider_slug, endpoint.provider_tag) == ("Bytedance",) + (
        "bytedance",
    ) * 2
    assert endpoint.passthrough_parameters == ("watermark",)
    assert endpoint.pricing[0] == PricingLine("output_image", "image", Decimal("0.05"))
    assert all(request.headers["authorization"] == f"Bearer {TEST_API_KEY}" for request in seen)


def test_a_model_id_is_quoted_into_the_endpoints_path():
    seen: list[httpx.Request] = []
    with client_answering({}, seen) as client, pytest.raises(NoEndpoint):
        client.image_model_endpoints("acme/odd name?")
    assert seen[0].url.raw_path == b"/api/v1/images/models/acme/odd%20name%3F/endpoints"


def test_a_failing_endpoints_call_raises_after_retries_and_a_malformed_one_says_so():
    routes = {"/api/v1/images/models/acme/x/endpoints": 500, "/api/v1/images/models": {"models": []}}
    with client_answering(routes) as client:
        with pytest.raises(ProviderError):
            client.image_model_endpoints("acme/x")
        with pytest.raises(StreamProtocolError, match="image model list"):
            client.list_image_api_models()


def test_the_generation_record_names_its_provider():
    record = {"data": {"id": "gen-1-a", "model": "m/x", "provider_name": "Bytedance", "total_cost": 0.05}}
    seen: list[httpx.Request] = []
    with client_answering({"/api/v1/generation": record}, seen) as client:
        info = client.generation_info("gen-1-a")
    assert seen[0].url.params["id"] == "gen-1-a"
    assert (info.id, info.model, info.provider_name, info.total_cost) == (
        "gen-1-a",
        "m/x",
        "Bytedance",
        Decimal("0.05"),
    )
