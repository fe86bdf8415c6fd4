"""The admin: members with their budget inline."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from team.models import MemberBudget

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
