"""Model settings in the admin (issue 15): the override as checkbox lists of what OpenRouter describes and
a price in dollars, never raw JSON; prices read as dollars; action messages counted in words."""

import re

import pytest
from django.urls import reverse

from imagegen.models import ImageModel
from imagegen.tests.helpers import admin_form_data

pytestmark = pytest.mark.django_db

GEMINI = "google/gemini-2.5-flash-image"
GEMINI_PRO = "google/gemini-3-pro-image-preview"
FLUX = "black-forest-labs/flux.2-pro"


def change_url(model: ImageModel) -> str:
    return reverse("admin:imagegen_imagemodel_change", args=[model.pk])


def test_ratios_and_sizes_are_checkbox_lists_of_what_openrouter_describes(image_models, admin_client):
    pro = image_models[GEMINI_PRO]
    page = admin_client.get(change_url(pro)).content.decode()

    for ratio in pro.parameters["aspect_ratio"]["values"]:
        assert re.search(
            rf'<input type="checkbox" name="offer_aspect_ratio" value="{ratio}"[^>]*checked', page
        )
    for size in ("1K", "2K", "4K"):
        assert re.search(rf'<input type="checkbox" name="offer_resolution" value="{size}"[^>]*checked', page)
    assert re.search(r'<input type="checkbox" name="offer_seed"[^>]*checked', page)
    assert 'name="parameters_override"' not in page
    assert 'name="pricing_override"' not in page
    assert "{&quot;type&quot;" not in page, "no JSON to type"
    assert "[&quot;image&quot;" not in page, "modalities in words, not a JSON list"
    assert "image, text" in page


def test_unticking_values_narrows_what_members_can_pick_and_is_marked_as_an_override(
    image_models, admin_client
):
    pro = image_models[GEMINI_PRO]
    data = admin_form_data(
        admin_client, change_url(pro), offer_aspect_ratio=["1:1", "16:9"], offer_resolution=["1K", "2K"]
    )

    assert admin_client.post(change_url(pro), data).status_code == 302

    pro.refresh_from_db()
    assert pro.parameters_override == {
        "aspect_ratio": {"type": "enum", "values": ["1:1", "16:9"]},
        "resolution": {"type": "enum", "values": ["1K", "2K"]},
    }
    assert pro.offer().enum_values("aspect_ratio") == ("1:1", "16:9")
    page = admin_client.get(change_url(pro)).content.decode()
    assert "Aspect ratio offered (overridden)" in page
    assert "one of 1:1, 16:9 — override" in page  # the read-only offer beside the switch
    assert not re.search(r'name="offer_aspect_ratio" value="4:3"[^>]*checked', page)

    # Ticking everything again is no override at all.
    everything = pro.parameters["aspect_ratio"]["values"]
    data = admin_form_data(
        admin_client, change_url(pro), offer_aspect_ratio=everything, offer_resolution=["1K", "2K", "4K"]
    )
    assert admin_client.post(change_url(pro), data).status_code == 302
    pro.refresh_from_db()
    assert pro.parameters_override is None


def test_saving_without_touching_the_override_changes_nothing(image_models, admin_client):
    pro = image_models[GEMINI_PRO]
    pro.pricing_override = [
        {"billable": "output_image", "unit": "image", "cost_usd": "0.10", "variant": "1K"},
        {"billable": "output_image", "unit": "image", "cost_usd": "0.20", "variant": "2K"},
    ]
    pro.save()

    page = admin_client.get(change_url(pro)).content.decode()
    assert "Now overridden with several lines: $0.10 an image (1K); $0.20 an image (2K)" in page
    data = admin_form_data(admin_client, change_url(pro), sort_order="7")
    assert admin_client.post(change_url(pro), data).status_code == 302

    pro.refresh_from_db()
    assert pro.sort_order == 7
    assert pro.parameters_override is None
    assert len(pro.pricing_override) == 2


def test_a_price_override_is_dollars_an_image(image_models, admin_client):
    flux = image_models[FLUX]
    data = admin_form_data(admin_client, change_url(flux), price_per_image_override="0.04")

    assert admin_client.post(change_url(flux), data).status_code == 302

    flux.refresh_from_db()
    assert flux.pricing_override == [{"billable": "output_image", "unit": "image", "cost_usd": "0.04"}]
    page = admin_client.get(change_url(flux)).content.decode()
    assert 'name="price_per_image_override" value="0.04"' in page
    assert "$0.04 an image (override); OpenRouter says: $0.03 an image (1K)" in page
    listed = admin_client.get(reverse("admin:imagegen_imagemodel_changelist")).content.decode()
    assert "$0.04 an image (override)" in listed

    data = admin_form_data(admin_client, change_url(flux), price_per_image_override="")
    assert admin_client.post(change_url(flux), data).status_code == 302
    flux.refresh_from_db()
    assert flux.pricing_override is None


def test_prices_read_as_dollars_never_scientific_notation(image_models, admin_client):
    listed = admin_client.get(reverse("admin:imagegen_imagemodel_changelist")).content.decode()
    assert not re.search(r"\d[eE]-\d", listed)
    assert not re.search(r"\$0\.0000\d", listed), "a price below a hundredth of a cent is shown per 1,000"
    assert "per 1M tokens" in listed
    assert "$0.0387 an image" in listed


@pytest.mark.parametrize(("chosen", "message"), [(1, "Enabled 1 model."), (2, "Enabled 2 models.")])
def test_action_messages_count_in_words(image_models, admin_client, chosen, message):
    models = list(ImageModel.objects.order_by("pk")[:chosen])
    ImageModel.objects.filter(pk__in=[m.pk for m in models]).update(enabled=False, is_default=False)

    response = admin_client.post(
        reverse("admin:imagegen_imagemodel_changelist"),
        {"action": "enable_models", "_selected_action": [m.pk for m in models]},
        follow=True,
    )

    assert message in response.content.decode()
