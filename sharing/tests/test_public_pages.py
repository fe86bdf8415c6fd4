"""What a link shows to a stranger: exactly what it grants, nothing of the rest of Easel."""

import io
import re
import zipfile

import pytest
from django.utils import timezone

from gallery import services as gallery_services
from gallery.models import Collection
from sharing import selectors
from sharing.models import ShareLink, ShareVisit
from sharing.tests.helpers import LINK_PASSWORD, body, meta_tags, page_urls, share_url, unlock
from tests.fixtures.media import stored

pytestmark = [pytest.mark.django_db, pytest.mark.media]


def stored_bytes(image) -> bytes:
    return stored(image.file_name).read_bytes()


def assert_only_share_and_static_urls(html: str, token: str) -> None:
    for url in page_urls(html):
        assert url.startswith((f"/s/{token}/", "/static/", "data:")), url


def test_image_link_shows_the_image_and_nothing_of_the_app(stranger, image, make_link, member):
    token = make_link(image).token

    response = stranger.get(share_url("page", token))

    html = response.content.decode()
    assert response.status_code == 200
    assert f'src="/s/{token}/i/{image.pk}/original"' in html
    assert_only_share_and_static_urls(html, token)
    # Issue 15: the page says who shared it and until when (the username, nothing else of the member).
    assert f"Shared by {member.username} ·" in html
    assert html.count(member.username) == 1
    assert "Expires <time" in html
    assert "Log out" not in html
    assert "Generate" not in html
    assert "<nav" not in html
    # One script, a static file of Easel's own (the arrow keys); nothing inline, no nonce.
    assert re.findall(r"<script[^>]*>", html) == [
        re.search(r'<script src="/static/js/share-public[^"]*\.js" defer>', html).group(0)
    ]


def test_prompt_and_model_only_when_the_link_shows_details_and_the_cost_never(stranger, image, make_link):
    hidden = make_link(image).token
    shown = make_link(image, show_details=True).token

    hidden_html = stranger.get(share_url("page", hidden)).content.decode()
    shown_html = stranger.get(share_url("page", shown)).content.decode()

    for secret in (image.prompt, image.model_name):
        assert secret not in hidden_html
        assert secret in shown_html
    assert "0.039" not in shown_html  # what the team paid stays with the team (issue 15)


def test_download_gives_the_original_bytes_with_a_sensible_name(stranger, image, make_link):
    plain = make_link(image).token
    detailed = make_link(image, show_details=True).token

    response = stranger.get(share_url("download", plain, image_id=image.pk))
    assert response.status_code == 200
    assert body(response) == stored_bytes(image)
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == f'attachment; filename="{image.created_at:%Y-%m-%d}-image.png"'

    # The prompt names the file only when the link shows the prompt.
    named = stranger.get(share_url("download", detailed, image_id=image.pk))
    assert "a-red-fox-in-the-snow.png" in named["Content-Disposition"]


def test_without_allow_download_there_is_no_download(stranger, image, make_collection, make_link):
    token = make_link(image, allow_download=False).token
    collection_token = make_link(make_collection(), allow_download=False).token

    page = stranger.get(share_url("page", token)).content.decode()
    collection_page = stranger.get(share_url("page", collection_token)).content.decode()

    assert "/download" not in page
    assert ">Download<" not in page
    assert "download.zip" not in collection_page
    # The pages say so, rather than leave people looking for a button.
    assert "Downloads are turned off for this link" in page
    assert "Downloads are turned off for this link" in collection_page
    assert stranger.get(share_url("download", token, image_id=image.pk)).status_code == 403
    assert stranger.get(share_url("zip", collection_token)).status_code == 403
    # Viewing still works: the page shows the picture.
    assert stranger.get(share_url("original", token, image_id=image.pk)).status_code == 200


def test_collection_shows_only_its_images_that_are_not_in_the_trash(
    stranger, make_collection, make_link, make_image, member
):
    collection = make_collection(count=3)
    kept, trashed, also_kept = collection.images.order_by("pk")
    trashed.trashed_at = timezone.now()
    trashed.save()
    outsider = make_image(owner=member, prompt="not in the collection", color=(1, 2, 3))
    token = make_link(collection).token

    html = stranger.get(share_url("page", token)).content.decode()

    assert f"/i/{kept.pk}/thumbnail" in html
    assert f"/i/{also_kept.pk}/thumbnail" in html
    assert f"/i/{trashed.pk}/" not in html
    assert f"/i/{outsider.pk}/" not in html
    assert "2 images" in html
    assert collection.description not in html  # a detail: shown only with "Show prompt and details"
    assert_only_share_and_static_urls(html, token)
    for hidden in (trashed, outsider):
        for name in ("item", "original", "thumbnail", "download"):
            assert stranger.get(share_url(name, token, image_id=hidden.pk)).status_code == 404, name


def test_collection_item_pages_step_through_the_collection(stranger, make_collection, make_link):
    collection = make_collection(count=3)
    token = make_link(collection).token
    first, second, third = [item.image for item in collection.items.order_by("-added_at")]

    html = stranger.get(share_url("item", token, image_id=second.pk)).content.decode()

    assert "Image 2 of 3" in html
    assert share_url("item", token, image_id=first.pk) in html
    assert share_url("item", token, image_id=third.pk) in html
    assert share_url("page", token) in html
    assert_only_share_and_static_urls(html, token)


def test_collection_zip_streams_every_shown_original(stranger, make_collection, make_link):
    collection = make_collection(count=3)
    token = make_link(collection).token

    response = stranger.get(share_url("zip", token))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="winter-foxes.zip"'
    archive = zipfile.ZipFile(io.BytesIO(body(response)))
    assert sorted(archive.read(name) for name in archive.namelist()) == sorted(
        stored_bytes(image) for image in collection.images.all()
    )
    day = f"{collection.images.first().created_at:%Y-%m-%d}"
    assert sorted(archive.namelist()) == [f"{day}-image-2.png", f"{day}-image-3.png", f"{day}-image.png"]


def test_an_image_link_has_no_zip_and_no_other_images(stranger, image, make_image, make_link, member):
    other = make_image(owner=member, prompt="another", color=(9, 9, 9))
    token = make_link(image).token

    assert stranger.get(share_url("zip", token)).status_code == 404
    assert stranger.get(share_url("original", token, image_id=other.pk)).status_code == 404
    assert stranger.get(share_url("item", token, image_id=image.pk)).status_code == 302


def test_open_graph_tags_let_chat_apps_unfurl_the_picture(stranger, image, make_link):
    token = make_link(image).token

    tags = meta_tags(stranger.get(share_url("page", token)).content.decode())

    image_url = f"http://testserver/s/{token}/i/{image.pk}/original"
    assert tags["og:image"] == image_url
    assert tags["twitter:image"] == image_url
    assert tags["og:image:width"] == str(image.width)
    assert tags["og:image:height"] == str(image.height)
    assert tags["og:url"] == f"http://testserver/s/{token}/"
    assert tags["og:title"] == "Shared image"  # not the prompt: details are off
    assert tags["twitter:card"] == "summary_large_image"
    assert tags["robots"] == "noindex, nofollow, noarchive"


def test_password_links_reveal_nothing_to_unfurlers_even_once_unlocked(stranger, image, make_link):
    token = make_link(image, password=LINK_PASSWORD, show_details=True).token

    locked = stranger.get(share_url("page", token), follow=True).content.decode()
    unlock(stranger, token)
    unlocked = stranger.get(share_url("page", token)).content.decode()

    for html in (locked, unlocked):
        tags = meta_tags(html)
        assert not [key for key in tags if key.startswith(("og:", "twitter:"))]
    assert image.prompt not in locked
    assert "/original" not in locked


@pytest.fixture
def counted_link(image, make_link):
    return make_link(image)


def test_page_views_are_counted_and_the_last_50_visits_kept(stranger, counted_link, image):
    token, link = counted_link.token, counted_link.link
    for n in range(55):
        stranger.get(
            share_url("page", token), REMOTE_ADDR=f"203.0.113.{n}", HTTP_USER_AGENT=f"Agent {n} " + "x" * 300
        )
    # Bytes and HEAD requests are not page views.
    stranger.get(share_url("original", token, image_id=image.pk))
    stranger.head(share_url("page", token))

    link.refresh_from_db()
    assert link.view_count == 55
    assert link.last_viewed_at is not None
    visits = list(ShareVisit.objects.filter(link=link))
    assert len(visits) == 50
    assert visits[0].user_agent.startswith("Agent 54 ")
    assert len(visits[0].user_agent) == 200
    assert visits[-1].user_agent.startswith("Agent 5 ")
    assert {visit.network for visit in visits} == {"203.0.113.0/24"}


def test_visits_keep_only_a_coarse_address(stranger, counted_link):
    stranger.get(share_url("page", counted_link.token), REMOTE_ADDR="2001:db8:1234:5678::9")
    stranger.get(share_url("page", counted_link.token), REMOTE_ADDR="::ffff:198.51.100.77")

    networks = set(ShareVisit.objects.values_list("network", flat=True))

    assert networks == {"2001:db8:1234::/48", "198.51.100.0/24"}


def test_a_signed_in_member_gets_the_same_page_as_a_stranger(member_client, stranger, image, make_link):
    token = make_link(image, password=LINK_PASSWORD).token

    # No bypass for the owner either: the public pages don't look at who is signed in.
    assert member_client.get(share_url("original", token, image_id=image.pk)).status_code == 403
    assert member_client.get(share_url("page", token))["Location"] == share_url("unlock", token)
    assert ShareLink.objects.get().view_count == 0


def test_a_share_page_can_list_a_collections_gallery_images(member, make_image):
    kept, trashed = make_image(owner=member, color=(1, 1, 1)), make_image(owner=member, color=(2, 2, 2))
    collection = Collection.objects.create(owner=member, title="Shared")
    gallery_services.collection_add_images(actor=member, collection=collection, images=[kept, trashed])
    gallery_services.image_trash(actor=member, images=[trashed])
    assert list(selectors.collection_images(collection_id=collection.pk)) == [kept]
