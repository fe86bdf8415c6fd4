"""A compare board shared by link, like a collection: the same rules (password, expiry, revoke, the
downloads switch, the details switch, only images its maker may share), and a public board page."""

import io
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from compare import services as compare_services
from compare.tests.helpers import FLUX, GEMINI, KLEIN, fill_board
from gallery import services as gallery_services
from sharing import services
from sharing.models import ShareLink
from sharing.tests.helpers import LINK_PASSWORD, body, page_urls, share_url, token_from, unlock

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(member, image_models, make_image):
    made = compare_services.board_create(
        member=member,
        models=[image_models[m] for m in (FLUX, KLEIN, GEMINI)],
        prompt="a secret harbour at dawn",
    )
    made.images = fill_board(made, make_image)
    return made


def test_the_maker_shares_a_board_from_its_page_and_a_stranger_sees_each_model(
    member_client, stranger, board
):
    page = member_client.get(f"/compare/boards/{board.pk}/").content.decode()
    assert f'href="/shared/new/?board={board.pk}">Share this board</a>' in page

    form = member_client.get("/shared/new/", {"board": board.pk})
    assert form.status_code == 200
    assert "Share a compare board" in form.content.decode()
    created = member_client.post(f"/shared/new/?board={board.pk}", {"expiry": "7d", "allow_download": "on"})
    token = token_from(created.content.decode())
    link = ShareLink.objects.get()
    assert (link.kind, link.board, link.image, link.collection) == ("board", board, None, None)

    public = stranger.get(share_url("page", token))
    html = public.content.decode()
    assert public.status_code == 200
    for image, cell in zip(board.images, board.cells.select_related("model"), strict=True):
        assert f'src="/s/{token}/i/{image.pk}/thumbnail"' in html
        assert f"<figcaption>{cell.model.name}</figcaption>" in html
        assert stranger.get(share_url("thumbnail", token, image_id=image.pk)).status_code == 200
    assert "a secret harbour" not in html  # the details switch is off
    assert all(url.startswith((f"/s/{token}/", "/static/", "data:")) for url in page_urls(html))
    archive = zipfile.ZipFile(io.BytesIO(body(stranger.get(share_url("zip", token)))))
    assert len(archive.namelist()) == 3

    mine = member_client.get("/shared/").content.decode()
    assert f'<a href="/shared/{link.pk}/">a secret harbour at dawn</a>' in mine
    assert f'src="/shared/{link.pk}/thumbnail"' in mine
    assert member_client.get(f"/shared/{link.pk}/thumbnail").status_code == 200
    detail = member_client.get(f"/shared/{link.pk}/").content.decode()
    assert "A compare board: a secret harbour at dawn" in detail
    image_page = member_client.get(f"/gallery/images/{board.images[0].pk}/").content.decode()
    assert f'<a href="/shared/{link.pk}/">Its compare board</a>' in image_page  # "Shared by links"


def test_the_details_switch_shows_the_prompt(stranger, board, make_link):
    token = make_link(board, show_details=True).token

    assert "a secret harbour at dawn" in stranger.get(share_url("page", token)).content.decode()


def test_the_cost_switch_shows_each_model_s_cost_and_nothing_else(stranger, board, make_link):
    from decimal import Decimal

    from gallery.models import Image

    Image.objects.filter(pk__in=[image.pk for image in board.images]).update(cost_usd=Decimal("0.0387"))
    hidden = stranger.get(share_url("page", make_link(board).token)).content.decode()
    shown = stranger.get(share_url("page", make_link(board, show_cost=True).token)).content.decode()

    assert "$0.0387" not in hidden
    assert shown.count('<span data-figure="cost">$0.0387</span>') == 3
    assert "a secret harbour at dawn" not in shown  # cost alone is not the details


def test_a_password_board_link_opens_nothing_before_it_is_unlocked(stranger, board, make_link):
    token = make_link(board, password=LINK_PASSWORD).token
    image = board.images[0]

    assert stranger.get(share_url("page", token))["Location"] == share_url("unlock", token)
    assert stranger.get(share_url("thumbnail", token, image_id=image.pk)).status_code == 403
    unlock(stranger, token)
    assert stranger.get(share_url("thumbnail", token, image_id=image.pk)).status_code == 200


def test_an_expired_or_revoked_board_link_opens_nothing(stranger, board, make_link):
    expiring = make_link(board, expiry="1d").token
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert stranger.get(share_url("page", expiring)).status_code == 404
    revoked = make_link(board)
    services.link_revoke(link=revoked.link, reason="test")
    assert stranger.get(share_url("page", revoked.token)).status_code == 404


def test_downloads_off_serves_no_original_and_no_zip(stranger, board, make_link):
    token = make_link(board, allow_download=False).token
    image = board.images[0]

    assert stranger.get(share_url("zip", token)).status_code == 403
    assert stranger.get(share_url("download", token, image_id=image.pk)).status_code == 403
    assert "Downloads are turned off" in stranger.get(share_url("page", token)).content.decode()


def test_a_trashed_image_leaves_the_shared_board(member, stranger, board, make_link):
    token = make_link(board).token
    gone = board.images[1]

    gallery_services.image_trash(actor=member, images=[gone])

    html = stranger.get(share_url("page", token)).content.decode()
    assert f"/i/{gone.pk}/" not in html
    assert f"/i/{board.images[0].pk}/" in html
    assert stranger.get(share_url("thumbnail", token, image_id=gone.pk)).status_code == 404


def test_only_the_maker_or_staff_shares_a_board(other_client, staff_client, board):
    assert other_client.get("/shared/new/", {"board": board.pk}).status_code == 404
    assert staff_client.get("/shared/new/", {"board": board.pk}).status_code == 200


def test_a_board_link_shows_only_images_its_maker_may_share(
    other_member, stranger, board, make_link, make_image
):
    # An image of another member's on the board's generation (which a normal run never makes) stays out.
    cell = board.cells.first()
    foreign = make_image(owner=other_member, prompt="not theirs", color=(1, 1, 1), generation=cell.generation)
    token = make_link(board).token

    html = stranger.get(share_url("page", token)).content.decode()
    assert f"/i/{foreign.pk}/" not in html
    assert stranger.get(share_url("thumbnail", token, image_id=foreign.pk)).status_code == 404
