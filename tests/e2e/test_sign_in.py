import pytest
from playwright.sync_api import expect

from tests.fixtures.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_log_in_land_on_generate_and_log_out(live_server, page, member):
    csp_violations = []
    page.on(
        "console",
        lambda message: (
            csp_violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    page.goto(live_server.url)
    expect(page).to_have_url(f"{live_server.url}/login/?next=/")

    log_in(page, live_server.url, "mira")
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Generate", level=1)).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("mira")
    expect(page.get_by_role("link", name="Admin")).to_have_count(0)

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{live_server.url}/login/")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    assert csp_violations == []


def test_wrong_password_says_so(live_server, page, member):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("mira")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("didn't match")
