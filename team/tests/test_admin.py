"""The admin: members with their budget inline, and the generation log with totals and an error breakdown."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from imagegen.models import Generation
from team.models import MemberBudget
from team.tests.helpers import FLUX, GEMINI, KLEIN

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


# --- the generation log ------------------------------------------------------------------------------

BASE = datetime(2026, 7, 1, 12, tzinfo=UTC)


@pytest.fixture
def log(member, other_member, image_models, make_image):
    def add(
        who, slug, status, *, cost=None, reserved="0", count=1, error="", latency=None, prompt="", images=0
    ):
        started = BASE
        generation = Generation.objects.create(
            member=who,
            model=image_models[slug],
            prompt=prompt or f"{slug} {status}",
            aspect_ratio="1:1",
            image_size="1K",
            count=count,
            status=status,
            error_kind=error,
            cost_usd=None if cost is None else Decimal(cost),
            reserved_usd=Decimal(reserved),
            created_at=BASE,
            started_at=started if latency is not None else None,
            finished_at=started + timedelta(seconds=latency) if latency is not None else None,
        )
        for n in range(images):
            make_image(owner=who, generation=generation, color=(n * 40, generation.pk * 10 % 255, 0))
        return generation

    S, F, R = Generation.Status.SUCCEEDED, Generation.Status.FAILED, Generation.Status.RUNNING
    add(member, FLUX, S, cost="0.03", latency=4, images=1, prompt="a red lighthouse")
    add(member, GEMINI, S, cost="0.0774", count=2, latency=10, images=2, prompt="two red foxes")
    add(member, GEMINI, F, error="out_of_credits", latency=1)
    add(other_member, GEMINI, F, error="out_of_credits", latency=2)
    add(other_member, KLEIN, F, error="timeout", latency=30)
    add(other_member, FLUX, S, cost="0.03", count=2, error="partial", latency=6, images=1)
    add(other_member, FLUX, R, reserved="0.06", count=2)
    return image_models


def totals(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-total="(\w+)">([^<]*)<', html))


def test_the_log_shows_totals_of_every_generation_listed(admin_client, log):
    html = admin_client.get("/admin/imagegen/generation/").content.decode()
    assert totals(html) == {
        "generations": "7",
        "images_requested": "10",
        "images_stored": "4",
        "cost": "$0.1374",
        "reserved": "$0.06",
        "average_latency": f"{(4 + 10 + 1 + 2 + 30 + 6) / 6:.1f} s",
    }


def test_totals_follow_the_filters_and_the_prompt_search(admin_client, log, member):
    html = admin_client.get("/admin/imagegen/generation/?status__exact=succeeded").content.decode()
    assert totals(html) == {
        "generations": "3",
        "images_requested": "5",
        "images_stored": "4",
        "cost": "$0.1374",
        "reserved": "$0.00",
        "average_latency": "6.7 s",
    }
    html = admin_client.get(f"/admin/imagegen/generation/?member__id__exact={member.pk}").content.decode()
    assert totals(html)["generations"] == "3"
    assert totals(html)["cost"] == "$0.1074"
    model = log[GEMINI]
    html = admin_client.get(f"/admin/imagegen/generation/?model__id__exact={model.pk}").content.decode()
    assert totals(html)["generations"] == "3"
    html = admin_client.get("/admin/imagegen/generation/?q=red").content.decode()
    assert totals(html)["generations"] == "2"
    assert totals(html)["cost"] == "$0.1074"
    html = admin_client.get(
        "/admin/imagegen/generation/?created_at__year=2026&created_at__month=8"
    ).content.decode()
    assert totals(html)["generations"] == "0"


def test_the_totals_cover_every_page(admin_client, log, monkeypatch):
    from imagegen.admin import GenerationAdmin

    monkeypatch.setattr(GenerationAdmin, "list_per_page", 2)
    html = admin_client.get("/admin/imagegen/generation/").content.decode()
    assert html.count('class="action-select"') == 2  # this page lists two
    assert totals(html)["generations"] == "7"


def test_the_log_has_cost_and_latency_columns(admin_client, log):
    html = admin_client.get("/admin/imagegen/generation/").content.decode()
    assert "Cost</a>" in html
    assert "Latency (s)" in html
    assert "$0.0774" in html
    assert "30.0" in html


def breakdown_cells(html: str) -> dict[tuple[str, str], str]:
    cells = {}
    for kind, row in re.findall(r'<tr data-kind="(\w+)">(.*?)</tr>', html, re.S):
        for model, value in re.findall(r'<td data-model="(\w+)">(.*?)</td>', row, re.S):
            cells[kind, model] = re.sub(r"<[^>]+>", "", value)
    return cells


def test_the_error_breakdown_counts_by_kind_and_model(admin_client, log):
    changelist = admin_client.get("/admin/imagegen/generation/").content.decode()
    assert (
        'href="/admin/imagegen/generation/errors/?"' in changelist
        or "/admin/imagegen/generation/errors/" in changelist
    )

    html = admin_client.get("/admin/imagegen/generation/errors/").content.decode()
    gemini, klein, flux = (str(log[slug].pk) for slug in (GEMINI, KLEIN, FLUX))
    assert breakdown_cells(html) == {
        ("out_of_credits", flux): "0",
        ("out_of_credits", gemini): "2",
        ("out_of_credits", klein): "0",
        ("out_of_credits", "all"): "2",
        ("partial", flux): "1",
        ("partial", gemini): "0",
        ("partial", klein): "0",
        ("partial", "all"): "1",
        ("timeout", flux): "0",
        ("timeout", gemini): "0",
        ("timeout", klein): "1",
        ("timeout", "all"): "1",
    }
    assert "4 generations with errors" in html
    assert (
        f'href="/admin/imagegen/generation/?error_kind__exact=out_of_credits&amp;model__id__exact={gemini}"'
        in html
    )


def test_the_error_breakdown_keeps_the_changelists_filters(admin_client, log, member):
    html = admin_client.get(
        f"/admin/imagegen/generation/errors/?member__id__exact={member.pk}"
    ).content.decode()
    cells = breakdown_cells(html)
    assert cells[("out_of_credits", "all")] == "1"
    assert ("timeout", "all") not in cells
    assert "among those that match the generation log" in html


def test_the_error_breakdown_is_for_staff_only(member_client, log):
    response = member_client.get("/admin/imagegen/generation/errors/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
