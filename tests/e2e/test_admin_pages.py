"""The admin and team pages in a browser (issue 15): the generation log fits a 1440-pixel screen, and axe
finds nothing on the team pages and the admin pages staff use, light and dark."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from imagegen.models import Generation
from team import services as team_services
from team.models import Invite
from tests.fixtures.axe import axe_violations
from tests.fixtures.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_PROMPT = (
    "a lighthouse on a cliff at dusk, in the style of a long and detailed matte painting with soft morning "
    "light, a quiet palette of blues and greys, gulls, spray, and a small red boat far out at sea"
)


@pytest.fixture
def logged(staff, member, image_models, make_image):
    """A log with every model, long prompts, a thumbnail per stored image, every status."""
    statuses = [Generation.Status.SUCCEEDED, Generation.Status.FAILED, Generation.Status.RUNNING]
    generations = []
    for number, model in enumerate(sorted(image_models.values(), key=lambda m: m.pk)):
        status = statuses[number % len(statuses)]
        generation = Generation.objects.create(
            member=member if number % 2 else staff,
            model=model,
            prompt=f"{LONG_PROMPT} {number}",
            aspect_ratio="1:1",
            count=2,
            status=status,
            error_kind="out_of_credits" if status == Generation.Status.FAILED else "",
            cost_usd=Decimal("0.0774") if status == Generation.Status.SUCCEEDED else None,
            reserved_usd=Decimal("0.0774") if status == Generation.Status.RUNNING else Decimal(0),
            created_at=timezone.now() - timedelta(minutes=number),
        )
        if status == Generation.Status.SUCCEEDED:
            make_image(owner=generation.member, generation=generation, color=(number * 30, 90, 160))
        generations.append(generation)
    return generations


FITS = """() => {
  const results = document.querySelector('#changelist .results');
  return {
    page: document.documentElement.scrollWidth, viewport: window.innerWidth,
    table: results.scrollWidth, box: results.clientWidth,
  };
}"""


def test_the_generation_log_fits_1440_pixels_without_sideways_scrolling(live_server, page, logged):
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, live_server.url, "sam")

    page.goto(live_server.url + reverse("admin:imagegen_generation_changelist"))

    expect(page.locator("#result_list tbody tr")).to_have_count(len(logged))
    expect(page.locator("img.generation-thumb").first).to_be_visible()
    expect(page.get_by_text(f"{LONG_PROMPT[:40]}").first).to_be_visible()
    widths = page.evaluate(FITS)
    assert widths["page"] <= widths["viewport"], widths
    assert widths["table"] <= widths["box"], widths


def admin_pages(world) -> list[str]:
    member, model, generation = world["member"], world["model"], world["generation"]
    return [
        reverse("admin:index"),
        reverse("admin:imagegen_imagemodel_changelist"),
        reverse("admin:imagegen_imagemodel_change", args=[model.pk]),
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_user_change", args=[member.pk]),
        reverse("admin:imagegen_generation_changelist"),
        reverse("admin:imagegen_generation_change", args=[generation.pk]),
        reverse("admin:team_invite_changelist"),
        reverse("admin:team_invite_add"),
    ]


@pytest.fixture
def world(staff, member, image_models, logged):
    return {"member": member, "model": logged[0].model, "generation": logged[0]}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_on_the_admin_pages(live_server, page, world, scheme):
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, live_server.url, "sam")
    for path in admin_pages(world):
        page.goto(live_server.url + path)
        assert axe_violations(page) == [], path


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_on_the_team_pages(live_server, page, browser, staff, member, logged, scheme):
    _, invite = team_services.invite_create(created_by=staff)
    _, reset = team_services.password_reset_create(member=member, created_by=staff)
    page.emulate_media(color_scheme=scheme)
    for path in (reverse("team:invite", args=[invite]), reverse("team:password_reset", args=[reset])):
        page.goto(live_server.url + path)
        assert axe_violations(page) == [], path
    log_in(page, live_server.url, "sam")
    for path in (reverse("team:dashboard"), reverse("team:password_change")):
        page.goto(live_server.url + path)
        assert axe_violations(page) == [], path


def test_the_invite_link_is_copied_with_a_button_and_a_refresh_makes_no_second_invite(
    live_server, page, staff
):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    log_in(page, live_server.url, "sam")
    page.goto(live_server.url + reverse("admin:team_invite_add"))
    page.get_by_label("Who is it for? (optional)").fill("Ana")
    page.get_by_role("button", name="Create invite link").click()
    link = page.get_by_label("Invite link").input_value()
    assert "/invite/" in link
    assert link not in page.url
    assert axe_violations(page) == []

    page.get_by_role("button", name="Copy link").click()

    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("() => navigator.clipboard.readText()") == link
    page.reload()
    expect(page.get_by_text("was shown once")).to_be_visible()
    assert Invite.objects.count() == 1
