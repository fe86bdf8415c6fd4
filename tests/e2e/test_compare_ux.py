"""axe finds nothing on the Compare pages (the form, a finished board with a failure and a best, the boards
list) nor on a shared board's public page, in light and dark, on a desktop and a phone."""

import pytest

from compare import services
from compare.models import BoardCell
from compare.tests.helpers import FLUX, GEMINI, GPT_IMAGE, KLEIN, fill_board
from imagegen.models import Generation
from sharing import services as sharing_services
from tests.fixtures.axe import axe_violations
from tests.fixtures.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def finished_board(member, image_models, make_image):
    board = services.board_create(
        member=member,
        models=[image_models[m] for m in (FLUX, KLEIN, GEMINI, GPT_IMAGE)],
        prompt="a heron standing in a misty marsh at dawn",
        image_size="2K",
    )
    fill_board(board, make_image)
    failed = board.cells.get(model=image_models[GPT_IMAGE])
    Generation.objects.filter(pk=failed.generation_id).update(
        status=Generation.Status.FAILED,
        error_kind="moderation",
        error_message="Blocked by the provider's moderation.",
    )
    BoardCell.objects.filter(board=board, position=0).update(is_best=True)
    return board


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1440x900", "390x844"])
def test_axe_finds_nothing_on_the_compare_pages(
    live_server, page, browser, member, image_models, make_image, scheme, viewport
):
    board = finished_board(member, image_models, make_image)
    link = sharing_services.link_create(created_by=member, target=board, expiry="30d", show_details=True)
    page.set_viewport_size(viewport)
    page.emulate_media(color_scheme=scheme)
    log_in(page, live_server.url, member.username)
    found = {}
    for path in (
        "/compare/",
        f"/compare/?rerun={board.pk}",
        f"/compare/boards/{board.pk}/",
        "/compare/boards/",
    ):
        page.goto(live_server.url + path)
        if violations := axe_violations(page):
            found[path] = violations
    stranger = browser.new_context(viewport=viewport, color_scheme=scheme).new_page()
    stranger.goto(f"{live_server.url}/s/{link.token}/")
    if violations := axe_violations(stranger):
        found["public board"] = violations
    stranger.context.close()
    assert found == {}
