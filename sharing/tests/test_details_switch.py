"""The link's "Show prompt and details" switch, on every public address: off (the default), no page,
header or file name carries the prompt, the model or the cost; on, they appear where they belong.

Off by default: a link leaves the team, and a prompt can say more than the picture (names, clients,
drafts); whoever wants it shown ticks one box, whereas a prompt once seen cannot be taken back."""

import io
import zipfile

import pytest

from sharing.forms import ShareLinkForm
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
