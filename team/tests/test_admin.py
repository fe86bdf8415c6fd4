"""The admin: members with their budget inline."""

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import get_user_model

from imagegen.models import Generation
from team.models import MemberBudget
from team.tests.helpers import FLUX

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


# --- members and budgets ---------------------------------------------------------------------------


def user_change_data(user, **budget) -> dict:
    return {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "budget-TOTAL_FORMS": "1",
        "budget-INITIAL_FORMS": "1" if MemberBudget.objects.filter(member=user).exists() else "0",
        "budget-MIN_NUM_FORMS": "0",
        "budget-MAX_NUM_FORMS": "1",
        "budget-0-member": str(user.pk),
        **{f"budget-0-{name}": value for name, value in budget.items()},
    }


def test_a_members_budget_is_edited_inline_in_the_user_admin(admin_client, member):
    page = admin_client.get(f"/admin/auth/user/{member.pk}/change/").content.decode()
    assert "Monthly budget (USD)" in page
    assert "Blank: the team default" in page

    response = admin_client.post(
        f"/admin/auth/user/{member.pk}/change/", user_change_data(member, monthly_limit_usd="12.50")
    )

    assert response.status_code == 302, response.content.decode()
    assert MemberBudget.objects.get(member=member).monthly_limit_usd == Decimal("12.50")


def test_a_negative_budget_is_refused_with_a_message(admin_client, member):
    response = admin_client.post(
        f"/admin/auth/user/{member.pk}/change/", user_change_data(member, monthly_limit_usd="-1")
    )
    assert response.status_code == 200
    assert "A budget cannot be negative: use 0 to stop all spending." in response.content.decode()
    assert not MemberBudget.objects.filter(member=member, monthly_limit_usd__lt=0).exists()


def test_the_member_list_shows_budgets(admin_client, member, other_member, settings):
    settings.TEAM_MONTHLY_BUDGET_USD = "5"
    MemberBudget.objects.create(member=member, monthly_limit_usd=Decimal("20"))
    html = admin_client.get("/admin/auth/user/").content.decode()
    assert "$20.00" in html
    assert "$5.00 (team default)" in html


def test_admins_add_members_with_a_budget_and_mark_staff(admin_client):
    page = admin_client.get("/admin/auth/user/add/").content.decode()
    assert "Monthly budget (USD)" in page
    response = admin_client.post(
        "/admin/auth/user/add/",
        {
            "username": "ana",
            "usable_password": "true",
            "password1": "velvet-otter-lantern-42",
            "password2": "velvet-otter-lantern-42",
            "budget-TOTAL_FORMS": "1",
            "budget-INITIAL_FORMS": "0",
            "budget-MIN_NUM_FORMS": "0",
            "budget-MAX_NUM_FORMS": "1",
            "budget-0-monthly_limit_usd": "3.00",
        },
    )
    assert response.status_code == 302, response.content.decode()
    ana = User.objects.get(username="ana")
    assert ana.budget.monthly_limit_usd == Decimal("3.00")

    data = user_change_data(ana, monthly_limit_usd="3.00") | {"is_staff": "on"}
    assert admin_client.post(f"/admin/auth/user/{ana.pk}/change/", data).status_code == 302
    ana.refresh_from_db()
    assert ana.is_staff


# --- the member's page: budget beside this month's spend, near the top ------------------------------


def summary_figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">([^<]*)<', html)
    assert match, f"no figure {name}"
    return match[1]


def test_a_members_page_shows_the_budget_beside_this_months_spend_above_the_form(
    admin_client, member, image_models, settings
):
    MemberBudget.objects.create(member=member, monthly_limit_usd=Decimal("20"))
    now = datetime(2026, 7, 15, 12, tzinfo=UTC)
    for when, cost, reserved in [
        (datetime(2026, 7, 2, tzinfo=UTC), "1.2345", "0"),  # settled this month
        (datetime(2026, 7, 14, tzinfo=UTC), None, "0.50"),  # still running: its reservation counts
        (datetime(2026, 6, 30, tzinfo=UTC), "7.00", "0"),  # last month
    ]:
        Generation.objects.create(
            member=member, model=image_models[FLUX], prompt="a fox", aspect_ratio="1:1", count=1,
            cost_usd=None if cost is None else Decimal(cost), reserved_usd=Decimal(reserved), created_at=when,
        )  # fmt: skip

    with time_machine.travel(now, tick=False):
        html = admin_client.get(f"/admin/auth/user/{member.pk}/change/").content.decode()

    assert summary_figure(html, "budget") == "$20.00"
    assert summary_figure(html, "spent") == "$1.23"  # settled this month
    assert summary_figure(html, "reserved") == "$0.50"  # in progress: it counts against the budget too
    assert summary_figure(html, "left") == "$18.27"
    assert "July 2026" in html
    # Near the top: before the form's first field.
    assert html.index('data-figure="spent"') < html.index('name="username"')


def test_an_unlimited_members_page_says_so_and_shows_the_spend(admin_client, member, settings):
    settings.TEAM_MONTHLY_BUDGET_USD = ""
    html = admin_client.get(f"/admin/auth/user/{member.pk}/change/").content.decode()
    assert summary_figure(html, "budget") == "unlimited"
    assert summary_figure(html, "spent") == "$0.00"
