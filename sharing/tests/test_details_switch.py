"""The link's "Show prompt and details" and "Show cost" switches, on every public address: off (the default), no page,
header or file name carries the prompt, the model or the cost; on, they appear where they belong.

Off by default: a link leaves the team, and a prompt can say more than the picture (names, clients,
drafts); whoever wants it shown ticks one box, whereas a prompt once seen cannot be taken back."""

import io
import zipfile

import pytest
from django.urls import reverse

from sharing.forms import ShareLinkForm
from sharing.models import ShareLink
from sharing.tests.helpers import body, share_url

pytestmark = pytest.mark.django_db

PROMPT_WORDS = ("a red fox in the snow", "a-red-fox-in-the-snow")


def every_public_answer(client, token: str, image, *, collection: bool):
    """(address, headers and body as text) for each public address of the link."""
    names = ["page", "original", "thumbnail", "download"] + (["item", "zip"] if collection else [])
    for name in names:
        kwargs = {} if name in ("page", "zip") else {"image_id": image.pk}
        response = client.get(share_url(name, token, **kwargs), follow=name == "item")
        assert response.status_code == 200, name
        data = body(response)
        if name == "zip":
            data += " ".join(zipfile.ZipFile(io.BytesIO(data)).namelist()).encode()
        headers = " ".join(f"{key}: {value}" for key, value in response.headers.items())
        yield name, headers + "\n" + data.decode("latin-1")


@pytest.mark.parametrize("kind", ["image", "collection"])
def test_details_off_leaves_the_prompt_out_of_every_address(
    kind, stranger, image, make_collection, make_link
):
    target = image if kind == "image" else make_collection(images=[image])
    token = make_link(target).token

    for name, text in every_public_answer(stranger, token, image, collection=kind == "collection"):
        for secret in (*PROMPT_WORDS, image.model_name, "0.0390"):
            assert secret not in text, (name, secret)


@pytest.mark.parametrize("kind", ["image", "collection"])
def test_details_on_names_downloads_after_the_prompt(kind, stranger, image, make_collection, make_link):
    target = image if kind == "image" else make_collection(images=[image])
    token = make_link(target, show_details=True).token

    answers = dict(every_public_answer(stranger, token, image, collection=kind == "collection"))

    assert "a-red-fox-in-the-snow.png" in answers["download"]
    assert "a red fox in the snow" in answers["page"]
    if kind == "collection":
        assert "a-red-fox-in-the-snow.png" in answers["zip"]


def test_the_switch_is_its_own_checkbox_and_starts_off():
    field = ShareLinkForm().fields["show_details"]
    assert field.label == "Show prompt and details"
    assert field.initial is False
    assert "file names" in field.help_text


# --- the separate "Show cost" switch (issue 15) -------------------------------------------------------

COST = "$0.039"  # the image fixture's cost, as a price shows


@pytest.mark.parametrize("kind", ["image", "collection"])
@pytest.mark.parametrize("details", [False, True])
def test_outsiders_never_see_the_cost_unless_the_link_shows_it(
    kind, details, stranger, image, make_collection, make_link
):
    target = image if kind == "image" else make_collection(images=[image])
    token = make_link(target, show_details=details).token

    for name, text in every_public_answer(stranger, token, image, collection=kind == "collection"):
        assert COST not in text, name
        assert "0.039" not in text, name


@pytest.mark.parametrize("kind", ["image", "collection"])
def test_show_cost_puts_the_cost_on_the_image_page(kind, stranger, image, make_collection, make_link):
    target = image if kind == "image" else make_collection(images=[image])
    token = make_link(target, show_cost=True).token

    answers = dict(every_public_answer(stranger, token, image, collection=kind == "collection"))

    page = answers["item" if kind == "collection" else "page"]
    assert f'<dt>Cost</dt><dd data-figure="cost">{COST}</dd>' in page
    assert "a red fox in the snow" not in page, "the cost alone: the prompt stays hidden"


def test_the_cost_switch_is_its_own_checkbox_starts_off_and_is_kept(member_client, image):
    field = ShareLinkForm().fields["show_cost"]
    assert field.label == "Show cost"
    assert field.initial is False

    response = member_client.post(
        f"{reverse('sharing:create')}?image={image.pk}", {"expiry": "7d", "show_cost": "on"}
    )

    assert response.status_code == 200
    link = ShareLink.objects.get()
    assert link.show_cost
    assert not link.show_details
    detail = member_client.get(reverse("sharing:link_detail", args=[link.pk])).content.decode()
    assert "<dt>Cost</dt><dd>Shown</dd>" in detail
