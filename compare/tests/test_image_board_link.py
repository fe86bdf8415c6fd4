"""Lineage: an image made on a compare board knows its board, and its page links to it for those who may
see the board (its maker and staff); another member sees the image in the gallery but not the board."""

import pytest

from compare import services
from compare.selectors import board_for_image
from compare.tests.helpers import FLUX, KLEIN, fill_board

pytestmark = pytest.mark.django_db


def test_the_image_page_links_to_its_board_for_those_who_may_see_it(
    member, other_member, member_client, other_client, staff_client, image_models, make_image
):
    board = services.board_create(
        member=member, models=[image_models[FLUX], image_models[KLEIN]], prompt="a heron"
    )
    image, _ = fill_board(board, make_image)
    elsewhere = make_image(owner=member, prompt="not on a board", color=(9, 9, 9))

    assert board_for_image(viewer=member, image=image) == board
    link = f'Made on <a href="/compare/boards/{board.pk}/">a compare board of 2 models</a>'
    assert link in member_client.get(f"/gallery/images/{image.pk}/").content.decode()
    assert link in staff_client.get(f"/gallery/images/{image.pk}/").content.decode()
    other_page = other_client.get(f"/gallery/images/{image.pk}/")
    assert other_page.status_code == 200
    assert f"/compare/boards/{board.pk}/" not in other_page.content.decode()
    assert board_for_image(viewer=other_member, image=image) is None
    assert 'id="compare-board"' not in member_client.get(f"/gallery/images/{elsewhere.pk}/").content.decode()
