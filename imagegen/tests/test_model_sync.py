"""The model allowlist: sync from OpenRouter's list, new models disabled, missing ones flagged, prices
compared, one default, and a failed sync that changes nothing."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from core import aspect_ratios
from imagegen.client import openrouter_client
from imagegen.model_sync import model_make_default, models_ensure_default, models_sync
from imagegen.models import ImageModel

pytestmark = pytest.mark.django_db

GEMINI = "google/gemini-2.5-flash-image"
FLUX_KLEIN = "black-forest-labs/flux.2-klein-4b"


def test_new_models_arrive_disabled_with_their_details(openrouter_standin):
    report = models_sync(client=openrouter_client())

    models = {model.openrouter_id: model for model in ImageModel.objects.all()}
    assert set(report.created) == set(models)
    assert "openai/gpt-4o-mini" not in models, "text-only models are not image models"
    assert not any(model.enabled for model in models.values())
    gemini = models[GEMINI]
    assert gemini.output_modalities == ["image", "text"]
    assert gemini.input_modalities == ["image", "text"] or set(gemini.input_modalities) == {"image", "text"}
    assert gemini.price_per_image == Decimal("0.038700")
    assert gemini.aspect_ratios == aspect_ratios.STANDARD_ASPECT_RATIOS
    assert gemini.image_sizes == ["1K"]
    assert models["google/gemini-3-pro-image-preview"].image_sizes == ["1K", "2K", "4K"]
    assert models[FLUX_KLEIN].output_modalities == ["image"]
    assert gemini.last_seen_upstream is not None


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


def test_a_price_change_is_visible_old_to_new(openrouter_standin, image_models, admin_client):
    gemini = image_models[GEMINI]
    gemini.price_per_image = Decimal("0.030000")
    gemini.save()

    report = models_sync(client=openrouter_client())

    gemini.refresh_from_db()
    assert report.price_changes == [(GEMINI, Decimal("0.030000"), Decimal("0.038700"))]
    assert gemini.previous_price_per_image == Decimal("0.030000")
    assert gemini.price_changed_at is not None
    assert "Price per image of google/gemini-2.5-flash-image: $0.0300 → $0.0387" in report.lines()
    html = admin_client.get(reverse("admin:imagegen_imagemodel_changelist")).content.decode()
    assert "$0.0300 → $0.0387" in html


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


def test_the_admin_refuses_a_disabled_default_and_unknown_ratios(image_models, admin_client):
    gemini = image_models[GEMINI]
    url = reverse("admin:imagegen_imagemodel_change", args=[gemini.pk])
    data = {
        "openrouter_id": gemini.openrouter_id,
        "name": gemini.name,
        "enabled": "",
        "is_default": "on",
        "sort_order": "1",
        "aspect_ratios": '["1:1", "7:3"]',
        "image_sizes": '["1K"]',
        "input_modalities": '["text"]',
        "output_modalities": '["image"]',
    }
    html = admin_client.post(url, data).content.decode()
    assert "The default model must be enabled." in html
    assert "Unknown aspect ratios" in html
