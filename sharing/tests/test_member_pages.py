"""Members make links from an image or a collection, see them, revoke and extend them."""

import html
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from gallery.signals import images_trashed
from sharing import services
from sharing.models import Expiry, ShareLink
from sharing.tests.helpers import LINK_PASSWORD, form_inputs, share_url, token_from

pytestmark = pytest.mark.django_db

CREATE = reverse("sharing:create")
LIST = reverse("sharing:link_list")


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_the_share_form_starts_with_safe_defaults(member_client, image):
    page = text(member_client.get(f"{CREATE}?image={image.pk}"))

    checked = {(field.get("name"), field.get("value")) for field in form_inputs(page) if "checked" in field}
    assert checked == {("expiry", "30d"), ("allow_download", None)}
    for label in ("1 day", "7 days", "30 days", "1 year", "Never", "Password (optional)", "Allow download"):
        assert label in page
    assert "Show prompt and details" in page
    assert "Label (only you see it)" in page
    assert ">Create link</button>" in page


def test_creating_a_link_shows_it_once_with_a_copy_button_and_a_qr_code(member_client, image, member):
    response = member_client.post(
        f"{CREATE}?image={image.pk}",
        {"expiry": "7d", "password": LINK_PASSWORD, "show_details": "on", "label": "For Ann"},
    )

    page = text(response)
    token = token_from(page)
    link = ShareLink.objects.get()
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert '<label for="share-url">Share link</label>' in page
    assert f'id="share-url" value="http://testserver/s/{token}/" readonly' in page
    assert 'data-copy-target="#share-url">Copy link</button>' in page
    assert 'src="data:image/svg+xml' in page
    assert 'alt="QR code of the share link"' in page
    assert (link.image, link.created_by, link.label) == (image, member, "For Ann")
    assert (link.allow_download, link.show_details, link.has_password) == (False, True, True)
    assert timedelta(days=7) - (link.expires_at - link.created_at) < timedelta(seconds=1)


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("?image=999999", 404, "There is no image 999999 in the gallery."),
        ("?image=abc", 404, "There is no image abc in the gallery."),
        ("?collection=999999", 404, "There is no collection 999999."),
        ("", 400, "Open Share from an image, a collection or a board"),
        ("?image=1&collection=1", 400, "must name exactly one of them"),
    ],
)
def test_a_bad_target_gets_a_clear_message(member_client, query, status, message):
    response = member_client.get(f"{CREATE}{query}")

    assert response.status_code == status
    assert message in text(response)


def test_members_share_only_what_they_own(other_client, image, make_collection):
    collection = make_collection()

    for query in (f"?image={image.pk}", f"?collection={collection.pk}"):
        refused = other_client.post(f"{CREATE}{query}", {"expiry": "30d"})
        assert refused.status_code == 403
        assert "Only mira, who owns this" in text(refused)
    assert not ShareLink.objects.exists()


def test_staff_share_anything(staff_client, image, make_collection, staff):
    collection = make_collection()

    for query in (f"?image={image.pk}", f"?collection={collection.pk}"):
        assert staff_client.post(f"{CREATE}{query}", {"expiry": "30d"}).status_code == 200
    assert ShareLink.objects.filter(created_by=staff).count() == 2


def test_a_trashed_image_cannot_be_shared(member_client, other_client, image):
    image.trashed_at = timezone.now()
    image.save()

    own = member_client.get(f"{CREATE}?image={image.pk}")
    others = other_client.get(f"{CREATE}?image={image.pk}")

    assert own.status_code == 409
    assert "in the trash" in text(own)
    assert others.status_code == 404  # a trashed image is visible only to its owner and staff


@pytest.mark.parametrize(
    ("data", "field_message"),
    [
        ({"expiry": "forever"}, "Choose how long the link works"),
        ({}, "Choose how long the link works"),
        ({"expiry": "30d", "password": "short"}, "Use at least 8 characters"),
        ({"expiry": "30d", "label": "x" * 201}, "Keep the label under 200 characters."),
    ],
)
def test_bad_choices_get_a_message_beside_the_field(member_client, image, data, field_message):
    response = member_client.post(f"{CREATE}?image={image.pk}", data)

    assert response.status_code == 200
    assert field_message in text(response)
    assert 'class="form-error" role="alert"' in text(response)
    assert not ShareLink.objects.exists()


def test_the_list_shows_a_members_own_links_and_staff_see_all(
    member_client, other_client, staff_client, image, make_link, other_member, make_image
):
    mine = make_link(image, label="Mine for Ann").link
    theirs = make_link(
        make_image(owner=other_member, color=(1, 1, 1)), created_by=other_member, label="Otto's"
    )

    assert "Mine for Ann" in text(member_client.get(LIST))
    assert "Otto's" not in text(member_client.get(LIST))
    assert "Otto's" in text(other_client.get(LIST))
    assert "Mine for Ann" not in text(other_client.get(LIST))
    everything = text(staff_client.get(LIST))
    assert "Mine for Ann" in everything
    assert "Otto's" in everything
    assert "by mira" in everything
    assert reverse("sharing:link_thumbnail", args=[mine.pk]) in everything
    assert theirs.link.pk


def test_the_list_shows_views_status_and_actions(member_client, stranger, image, make_link):
    created = make_link(image, label="Counted")
    stranger.get(share_url("page", created.token))
    stranger.get(share_url("page", created.token))

    page = text(member_client.get(LIST))

    assert '<td data-label="Views">2</td>' in page
    assert "Active" in page
    assert ">Revoke</button>" in page
    assert ">Extend</button>" in page
    assert f'<label for="extend-{created.link.pk}">' in page


def test_revoking_takes_effect_at_once_and_says_so(member_client, stranger, image, make_link):
    created = make_link(image, label="For Ann")

    response = member_client.post(reverse("sharing:revoke", args=[created.link.pk]), follow=True)

    assert "“For Ann” is revoked" in text(response)
    assert stranger.get(share_url("original", created.token, image_id=image.pk)).status_code == 404
    created.link.refresh_from_db()
    assert created.link.revoked_reason == "Revoked by mira"
    assert "Revoked" in text(member_client.get(LIST))


def test_revoke_returns_to_the_page_it_came_from_but_never_off_site(member_client, image, make_link):
    link = make_link(image).link
    detail = reverse("sharing:link_detail", args=[link.pk])

    back = member_client.post(reverse("sharing:revoke", args=[link.pk]), {"next": detail})
    away = member_client.post(reverse("sharing:revoke", args=[link.pk]), {"next": "https://evil.example/"})

    assert back["Location"] == detail
    assert away["Location"] == LIST


def test_extending_counts_the_new_period_from_now(member_client, stranger, image, make_link):
    created = make_link(image, expiry=Expiry.DAY)
    with time_machine.travel(timezone.now() + timedelta(days=3), tick=False):
        assert stranger.get(share_url("page", created.token)).status_code == 404

        response = member_client.post(
            reverse("sharing:extend", args=[created.link.pk]), {"expiry": "7d"}, follow=True
        )

        created.link.refresh_from_db()
        assert created.link.expires_at == timezone.now() + timedelta(days=7)
        assert "now works until" in text(response)
        assert stranger.get(share_url("page", created.token)).status_code == 200


def test_the_new_expiry_ends_its_sentence_with_one_full_stop(member_client, image, make_link):
    """It read "now works until Dec. 9, 2026, 11:51 a.m.." (issue 15): Easel's one date format has a
    24-hour time, so a date can end a sentence."""
    link = make_link(image).link
    morning = datetime(2026, 12, 2, 11, 51, tzinfo=UTC)
    with time_machine.travel(morning, tick=False):
        response = member_client.post(
            reverse("sharing:extend", args=[link.pk]), {"expiry": "7d"}, follow=True
        )

    assert "now works until 9 Dec 2026, 11:51." in text(response)
    assert "a.m." not in text(response)


def test_extend_to_never(member_client, image, make_link):
    link = make_link(image).link

    response = member_client.post(reverse("sharing:extend", args=[link.pk]), {"expiry": "never"}, follow=True)

    link.refresh_from_db()
    assert link.expires_at is None
    assert "never expires now" in text(response)


def test_a_revoked_link_cannot_be_extended(member_client, image, make_link):
    link = make_link(image).link
    services.link_revoke(link=link, reason="test")

    response = member_client.post(reverse("sharing:extend", args=[link.pk]), {"expiry": "1y"}, follow=True)

    assert "This link is revoked and can't be extended" in text(response)
    link.refresh_from_db()
    assert link.revoked_at is not None


def test_a_bad_extend_choice_says_what_to_choose(member_client, image, make_link):
    link = make_link(image).link

    response = member_client.post(reverse("sharing:extend", args=[link.pk]), {"expiry": "10y"}, follow=True)

    assert "Choose how long the link works" in text(response)


def test_the_link_page_lists_its_recent_visits(member_client, stranger, image, make_link):
    created = make_link(image)
    stranger.get(share_url("page", created.token), REMOTE_ADDR="203.0.113.77", HTTP_USER_AGENT="Slackbot 1.0")

    page = text(member_client.get(reverse("sharing:link_detail", args=[created.link.pk])))

    assert "203.0.113.0/24" in page
    assert "Slackbot 1.0" in page
    assert "203.0.113.77" not in page
    assert created.token not in page


def test_the_link_thumbnail_is_the_collections_newest_image(member_client, make_collection, make_link):
    collection = make_collection(count=2)
    link = make_link(collection).link
    newest = collection.items.order_by("-added_at").first().image

    response = member_client.get(reverse("sharing:link_thumbnail", args=[link.pk]))

    assert response.status_code == 200
    assert response["ETag"] == f'"{newest.sha256}-thumbnail"'


# --- Links end with their image or collection --------------------------------------------------------
def test_trashing_an_image_revokes_its_links_and_restoring_it_does_not_revive_them(
    stranger, image, make_link, make_collection
):
    image_link = make_link(image)
    collection = make_collection(images=[image])
    collection_link = make_link(collection)

    image.trashed_at = timezone.now()
    image.save()
    images_trashed.send(sender=type(image), image_ids=[image.pk])
    image.trashed_at = None
    image.save()

    image_link.link.refresh_from_db()
    assert image_link.link.revoked_reason == "Its image went to the trash"
    assert stranger.get(share_url("page", image_link.token)).status_code == 404
    # The collection's link lives on; it shows the image again once restored.
    assert stranger.get(share_url("page", collection_link.token)).status_code == 200


def test_deleting_a_collection_ends_its_links(member_client, stranger, make_collection, make_link):
    collection = make_collection()
    created = make_link(collection, label="Pitch deck")

    collection.delete()

    created.link.refresh_from_db()
    assert created.link.collection is None
    assert created.link.revoked_reason == "Its collection was deleted"
    assert stranger.get(share_url("page", created.token)).status_code == 404
    assert "Pitch deck" in text(member_client.get(LIST))
