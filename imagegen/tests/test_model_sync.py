"""The model allowlist: sync from OpenRouter's list, new models disabled, missing ones flagged, prices
compared, one default, and a failed sync that changes nothing."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

import openrouter
from core import aspect_ratios
from imagegen.client import openrouter_client
from imagegen.model_sync import model_make_default, models_ensure_default, models_sync
from imagegen.models import Generation, ImageModel
from imagegen.tests.helpers import admin_form_data

pytestmark = pytest.mark.django_db

GEMINI = "google/gemini-2.5-flash-image"
GEMINI_PRO = "google/gemini-3-pro-image-preview"
GPT_IMAGE = "openai/gpt-image-1"
CHAT_ONLY = "openai/gpt-5-image-mini"
FLUX_KLEIN = "black-forest-labs/flux.2-klein-4b"


def test_new_models_arrive_disabled_with_what_openrouter_says(openrouter_standin):
    report = models_sync(client=openrouter_client())

    models = {model.openrouter_id: model for model in ImageModel.objects.all()}
    assert set(report.created) == set(models)
    assert "openai/gpt-4o-mini" not in models, "text-only models are not image models"
    assert not any(model.enabled for model in models.values())
    gemini = models[GEMINI]
    assert gemini.api == ImageModel.Api.IMAGES
    assert gemini.output_modalities == ["image", "text"]
    assert gemini.offer().enum_values("aspect_ratio") == tuple(aspect_ratios.STANDARD_ASPECT_RATIOS)
    assert not gemini.offer().supports("resolution"), "a missing key means unsupported"
    assert [p["slug"] for p in gemini.providers] == ["google-ai-studio"]
    assert gemini.providers[0]["pricing"][0] == {
        "billable": "output_image",
        "unit": "image",
        "cost_usd": "0.0387",
    }
    assert gemini.last_seen_upstream is not None
    assert gemini.synced_at is not None
    # Two providers that differ: the model offers their union, each provider its own.
    pro = models[GEMINI_PRO]
    assert pro.offer().enum_values("resolution") == ("1K", "2K", "4K")
    assert pro.offer("google-vertex").enum_values("resolution") == ("1K", "2K")
    assert [line.variant for line in pro.offer().price_sets[0] if line.billable == "output_image"] == [
        "1K",
        "2K",
        "4K",
    ]
    # Streaming, a range for n, a transparent background; a price per megapixel.
    gpt_image = models[GPT_IMAGE]
    assert gpt_image.supports_streaming
    assert not gemini.supports_streaming
    assert gpt_image.offer().parameters["n"] == openrouter.RangeCapability(Decimal(1), Decimal(4))
    assert "transparent" in gpt_image.offer().enum_values("background")
    assert [line.unit for line in models[FLUX_KLEIN].offer().price_sets[0]] == ["megapixel"]
    # Served only by chat completions: its per-token prices as pricing lines.
    mini = models[CHAT_ONLY]
    assert mini.api == ImageModel.Api.CHAT
    assert mini.providers == []
    assert {(line["billable"], line["unit"]) for line in mini.pricing} >= {
        ("output_image", "token"),
        ("input_text", "token"),
    }
    assert report.chat_only == [CHAT_ONLY]
    assert any(CHAT_ONLY in line and "chat completions only" in line for line in report.lines())


def test_enable_names_models_and_one_becomes_the_default(openrouter_standin):
    models_sync(client=openrouter_client(), enable=[GEMINI, FLUX_KLEIN])

    enabled = set(ImageModel.objects.filter(enabled=True).values_list("openrouter_id", flat=True))
    assert enabled == {GEMINI, FLUX_KLEIN}
    assert ImageModel.objects.filter(is_default=True).count() == 1
    assert ImageModel.objects.get(is_default=True).enabled


def test_enabling_an_unknown_model_changes_nothing(openrouter_standin):
    with pytest.raises(ValueError, match="does not list"):
        models_sync(client=openrouter_client(), enable=["acme/imaginary-1"])
    assert ImageModel.objects.count() == 0


def test_a_model_no_longer_listed_is_flagged_missing_and_cannot_be_chosen(openrouter_standin, image_models):
    gone = ImageModel.objects.create(
        openrouter_id="acme/retired-image",
        name="Retired",
        enabled=True,
        output_modalities=["image"],
        is_default=False,
    )
    report = models_sync(client=openrouter_client())

    gone.refresh_from_db()
    assert report.missing == ["acme/retired-image"]
    assert gone.missing_upstream
    assert not gone.selectable
    from imagegen.selectors import models_selectable

    assert gone not in models_selectable()


def test_a_price_change_is_reported_old_to_new(openrouter_standin, image_models, admin_client):
    gemini = image_models[GEMINI]
    gemini.providers[0]["pricing"][0]["cost_usd"] = "0.03"
    gemini.save()

    report = models_sync(client=openrouter_client())

    gemini.refresh_from_db()
    assert gemini.providers[0]["pricing"][0]["cost_usd"] == "0.0387"
    assert report.price_changes == [
        (
            GEMINI,
            "$0.03 an image; $0.0774 per 1,000 references → $0.0387 an image; $0.0774 per 1,000 references",
        )
    ]
    assert any(line.startswith(f"Prices of {GEMINI}: $0.03 an image") for line in report.lines())
    html = admin_client.get(reverse("admin:imagegen_imagemodel_changelist")).content.decode()
    assert "$0.0387 an image" in html


def test_a_model_whose_providers_cannot_be_read_keeps_what_it_had(openrouter_standin, image_models):
    pro = image_models[GEMINI_PRO]
    before = (pro.parameters, pro.providers, pro.synced_at)
    openrouter_standin.failing_endpoints.add(GEMINI_PRO)
    try:
        report = models_sync(client=openrouter_client())
    finally:
        openrouter_standin.failing_endpoints.discard(GEMINI_PRO)

    pro.refresh_from_db()
    assert (pro.parameters, pro.providers, pro.synced_at) == before
    assert pro.offer().enum_values("resolution") == ("1K", "2K", "4K")
    assert [model_id for model_id, _ in report.endpoint_failures] == [GEMINI_PRO]
    assert any(
        line.startswith(f"Could not read the providers of {GEMINI_PRO} (")
        and line.endswith("it keeps what it had.")
        for line in report.lines()
    )
    assert not report.missing, "a failed providers call does not make a model missing"


def test_a_value_no_longer_offered_is_reported_with_how_often_it_was_used(
    openrouter_standin, image_models, member
):
    pro = image_models[GEMINI_PRO]
    # What OpenRouter said before: an 8K size, used by one generation.
    pro.parameters["resolution"]["values"].append("8K")
    for provider in pro.providers:
        provider["parameters"]["resolution"]["values"].append("8K")
    pro.save()
    Generation.objects.create(
        member=member, model=pro, prompt="a harbour", aspect_ratio="1:1", image_size="8K"
    )

    report = models_sync(client=openrouter_client())

    assert report.removed == [
        (
            GEMINI_PRO,
            "no longer offers Image size 8K (used in 1 generation; remixes of them fall back visibly).",
        )
    ]
    assert f"{GEMINI_PRO} no longer offers Image size 8K" in " ".join(report.lines())


def test_a_failed_sync_says_so_and_changes_nothing(openrouter_standin, image_models, settings):
    before = list(ImageModel.objects.order_by("pk").values())
    settings.OPENROUTER_BASE_URL = "http://127.0.0.1:9/api/v1"  # nothing listens there

    with pytest.raises(
        CommandError, match="Sync failed, nothing was changed: Could not connect to OpenRouter"
    ):
        call_command("sync_models")
    assert list(ImageModel.objects.order_by("pk").values()) == before


def test_the_admin_button_syncs_and_reports(openrouter_standin, admin_client):
    page = admin_client.get(reverse("admin:imagegen_imagemodel_changelist")).content.decode()
    assert ">Sync from OpenRouter</button>" in page

    response = admin_client.post(reverse("admin:imagegen_imagemodel_sync"), follow=True)

    assert "OpenRouter lists 6 image models." in response.content.decode()
    assert ImageModel.objects.count() == 6


def test_the_admin_button_reports_a_bad_key_plainly(openrouter_standin, admin_client, settings):
    settings.OPENROUTER_API_KEY = "sk-or-v1-invalid"
    response = admin_client.post(reverse("admin:imagegen_imagemodel_sync"), follow=True)
    html = response.content.decode()
    assert "Sync failed, nothing was changed" in html
    assert "sk-or-v1-invalid" not in html
    assert ImageModel.objects.count() == 0


def test_the_command_enables_what_it_is_told(openrouter_standin, capsys):
    call_command("sync_models", "--enable", GEMINI)
    assert ImageModel.objects.get(openrouter_id=GEMINI).enabled
    assert "Enabled: google/gemini-2.5-flash-image" in capsys.readouterr().out


def test_exactly_one_enabled_default(image_models):
    gemini, flux = image_models[GEMINI], image_models[FLUX_KLEIN]
    model_make_default(model=flux)
    assert list(ImageModel.objects.filter(is_default=True)) == [flux]

    ImageModel.objects.filter(pk=flux.pk).update(enabled=False)
    models_ensure_default()
    default = ImageModel.objects.get(is_default=True)
    assert default.enabled
    assert default != flux
    flux.refresh_from_db()
    with pytest.raises(ValueError, match="must be enabled"):
        model_make_default(model=flux)
    assert gemini.pk in ImageModel.objects.filter(enabled=True).values_list("pk", flat=True)


def test_the_admin_refuses_a_disabled_default_and_a_negative_price(image_models, admin_client):
    gemini = image_models[GEMINI]
    url = reverse("admin:imagegen_imagemodel_change", args=[gemini.pk])
    data = admin_form_data(admin_client, url, enabled="", is_default="on", price_per_image_override="-0.01")
    html = admin_client.post(url, data).content.decode()
    assert "The default model must be enabled." in html
    assert "Ensure this value is greater than or equal to 0." in html
    gemini.refresh_from_db()
    assert gemini.parameters_override is None
    assert gemini.pricing_override is None


def test_the_admin_shows_what_openrouter_says_read_only_and_marks_an_override(image_models, admin_client):
    pro = image_models[GEMINI_PRO]
    url = reverse("admin:imagegen_imagemodel_change", args=[pro.pk])
    page = admin_client.get(url).content.decode()
    assert "What OpenRouter says (read-only" in page
    assert "one of 1K, 2K, 4K" in page
    assert "Google Vertex" in page
    assert 'name="parameters"' not in page, "discovered fields are read-only"
    assert 'name="providers"' not in page

    data = admin_form_data(admin_client, url, offer_resolution=["1K"], offer_seed="")
    assert admin_client.post(url, data).status_code == 302

    pro.refresh_from_db()
    assert pro.offer().enum_values("resolution") == ("1K",)
    assert not pro.offer().supports("seed")
    assert pro.parameters["resolution"]["values"] == ["1K", "2K", "4K"], (
        "OpenRouter's own description is kept"
    )
    assert "one of 1K — override" in admin_client.get(url).content.decode()
    changelist = admin_client.get(reverse("admin:imagegen_imagemodel_changelist")).content.decode()
    assert "descriptors" in changelist
    models_sync(client=openrouter_client())
    pro.refresh_from_db()
    assert pro.parameters_override == {"resolution": {"type": "enum", "values": ["1K"]}, "seed": None}
