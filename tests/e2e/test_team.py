"""Team controls in a real browser: the dashboard under the CSP, and joining through an invite link."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from imagegen.models import Generation
from tests.fixtures.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def csp_violations(page) -> list[str]:
    found: list[str] = []
    page.on("console", lambda m: found.append(m.text) if "Content Security Policy" in m.text else None)
    return found


def test_staff_open_the_dashboard_from_the_navigation(live_server, page, staff, member, image_models):
    Generation.objects.create(
        member=member,
        model=image_models["black-forest-labs/flux.2-pro"],
        prompt="a kite",
        aspect_ratio="1:1",
        count=1,
        status=Generation.Status.SUCCEEDED,
        cost_usd=Decimal("0.03"),
    )
    violations = csp_violations(page)
    log_in(page, live_server.url, "sam")

    page.get_by_role("link", name="Team").click()

    expect(page.get_by_role("heading", name="Team", level=1)).to_be_visible()
    expect(page.get_by_role("img", name="Daily spend in")).to_be_visible()
    expect(page.locator("dd[data-figure=spend]")).to_have_text("$0.03")
    page.get_by_text("Daily spend as a table").click()
    expect(page.get_by_role("table").first).to_be_visible()
    page.get_by_label("Month", exact=True).fill("2026-01")
    page.get_by_role("button", name="Show month").click()
    expect(page.get_by_text("Spending and usage in January 2026")).to_be_visible()
    assert violations == []


def test_a_new_member_joins_through_an_invite_link(live_server, page, browser, staff):
    log_in(page, live_server.url, "sam")
    page.goto(f"{live_server.url}/admin/team/invite/")
    page.get_by_role("link", name="Create invite link").click()
    page.get_by_label("Who is it for? (optional)").fill("Ana")
    page.get_by_role("button", name="Create invite link").click()
    link = page.get_by_label("Invite link").input_value()
    assert link.startswith(f"{live_server.url}/invite/")

    newcomer = browser.new_context().new_page()
    violations = csp_violations(newcomer)
    newcomer.goto(link)
    expect(newcomer.get_by_role("heading", name="Join Easel")).to_be_visible()
    newcomer.get_by_label("Username").fill("ana")
    newcomer.get_by_label("Password", exact=True).fill("password")
    newcomer.get_by_label("Password confirmation").fill("password")
    newcomer.get_by_role("button", name="Create my account").click()
    expect(newcomer.get_by_role("alert")).to_contain_text("This password is too common.")

    newcomer.get_by_label("Password", exact=True).fill("velvet-otter-lantern-42")
    newcomer.get_by_label("Password confirmation").fill("velvet-otter-lantern-42")
    newcomer.get_by_role("button", name="Create my account").click()
    expect(newcomer.get_by_role("heading", name="Generate", level=1)).to_be_visible()
    expect(newcomer.get_by_text("Welcome to Easel, ana.")).to_be_visible()
    assert violations == []

    newcomer.context.clear_cookies()
    response = newcomer.goto(link)
    assert response.status == 404
