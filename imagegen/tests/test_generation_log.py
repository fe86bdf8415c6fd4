"""The generation log in the admin: totals of what is listed, and an error breakdown by kind and model."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from imagegen.models import Generation
from team.tests.helpers import FLUX, GEMINI, KLEIN

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(staff_client):
    return staff_client


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
        "cost": "$0.14",  # a total: dollars and cents
        "reserved": "$0.06",
        "average_latency": f"{(4 + 10 + 1 + 2 + 30 + 6) / 6:.1f} s",
    }


def test_totals_follow_the_filters_and_the_prompt_search(admin_client, log, member):
    html = admin_client.get("/admin/imagegen/generation/?status__exact=succeeded").content.decode()
    assert totals(html) == {
        "generations": "3",
        "images_requested": "5",
        "images_stored": "4",
        "cost": "$0.14",  # a total: dollars and cents
        "reserved": "$0.00",
        "average_latency": "6.7 s",
    }
    html = admin_client.get(f"/admin/imagegen/generation/?member__id__exact={member.pk}").content.decode()
    assert totals(html)["generations"] == "3"
    assert totals(html)["cost"] == "$0.11"
    model = log[GEMINI]
    html = admin_client.get(f"/admin/imagegen/generation/?model__id__exact={model.pk}").content.decode()
    assert totals(html)["generations"] == "3"
    html = admin_client.get("/admin/imagegen/generation/?q=red").content.decode()
    assert totals(html)["generations"] == "2"
    assert totals(html)["cost"] == "$0.11"
    html = admin_client.get(
        "/admin/imagegen/generation/?created_at__year=2026&created_at__month=8"
    ).content.decode()
    assert totals(html)["generations"] == "0"


def test_the_totals_cover_every_page(admin_client, log, monkeypatch):
    from imagegen.admin import GenerationAdmin

    monkeypatch.setattr(GenerationAdmin, "list_per_page", 2)
    html = admin_client.get("/admin/imagegen/generation/").content.decode()
    assert html.count('class="field-thumbnail"') == 2  # this page lists two
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


# --- read-only, with prompt and thumbnail columns (issue 15) ----------------------------------------


def test_the_log_is_read_only(admin_client, log):
    generation = Generation.objects.order_by("pk").first()
    changelist = admin_client.get("/admin/imagegen/generation/").content.decode()
    page = admin_client.get(f"/admin/imagegen/generation/{generation.pk}/change/")

    assert page.status_code == 200  # viewing is fine
    assert 'name="_save"' not in page.content.decode()
    assert "delete_selected" not in changelist
    assert "/admin/imagegen/generation/add/" not in changelist
    assert (
        admin_client.post(f"/admin/imagegen/generation/{generation.pk}/change/", {"prompt": "x"}).status_code
        == 403
    )
    assert (
        admin_client.post(f"/admin/imagegen/generation/{generation.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert admin_client.get("/admin/imagegen/generation/add/").status_code == 403
    generation.refresh_from_db()
    assert Generation.objects.filter(pk=generation.pk).exists()


def test_the_log_shows_a_truncated_prompt_and_a_thumbnail(admin_client, log, member, image_models):
    long_prompt = "a lighthouse on a cliff at dusk, " * 8
    Generation.objects.create(
        member=member, model=image_models[FLUX], prompt=long_prompt, aspect_ratio="1:1", count=1,
        status=Generation.Status.QUEUED, created_at=BASE + timedelta(hours=1),
    )  # fmt: skip
    html = admin_client.get("/admin/imagegen/generation/").content.decode()

    shown = re.search(r'<span class="generation-prompt" title="([^"]*)">([^<]*)</span>', html)
    assert shown[1] == long_prompt.strip() or shown[1] == long_prompt
    assert len(shown[2]) <= 60
    assert shown[2].endswith("…")
    foxes = Generation.objects.get(prompt="two red foxes")
    first = foxes.images.order_by("pk").first()
    assert f'src="/gallery/images/{first.pk}/thumbnail"' in html
    assert ">two red foxes<" in html
    assert "2 of 2" in html  # images stored of asked for
    assert "Failed: Out of credits" in html
