"""The team dashboard: every figure matches the rows it summarises; staff only; OpenRouter key usage
shown when it can be read, a plain message when it cannot."""

import re
import socket
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from core.money import usd
from imagegen.models import Generation
from team.tests.helpers import FLUX, GEMINI, KLEIN

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 7, 20, 12, 0, tzinfo=UTC)
S, F, R = Generation.Status.SUCCEEDED, Generation.Status.FAILED, Generation.Status.RUNNING


@dataclass(frozen=True)
class Seed:
    who: str
    model: str
    when: datetime
    status: str
    cost: str | None = None
    reserved: str = "0"
    count: int = 1
    images: int = 0
    error_kind: str = ""


SEEDS = [
    Seed("mira", FLUX, datetime(2026, 7, 2, 10, tzinfo=UTC), S, cost="0.03", images=1),
    Seed("mira", GEMINI, datetime(2026, 7, 2, 15, tzinfo=UTC), S, cost="0.0774", count=2, images=2),
    Seed("mira", GEMINI, datetime(2026, 7, 5, 9, tzinfo=UTC), F, error_kind="out_of_credits"),
    Seed("mira", FLUX, datetime(2026, 7, 20, 11, 59, tzinfo=UTC), R, reserved="0.06", count=2),
    Seed("otto", KLEIN, datetime(2026, 7, 10, 8, tzinfo=UTC), S, cost="0.014", images=1),
    Seed("otto", KLEIN, datetime(2026, 7, 10, 9, tzinfo=UTC), F, error_kind="timeout"),
    Seed(
        "otto",
        FLUX,
        datetime(2026, 7, 12, 23, tzinfo=UTC),
        S,
        cost="0.03",
        count=2,
        images=1,
        error_kind="partial",
    ),
    # Other months: not part of July.
    Seed("otto", FLUX, datetime(2026, 6, 30, 23, 59, tzinfo=UTC), S, cost="1.00", images=1),
    Seed("mira", FLUX, datetime(2026, 8, 1, 0, 0, tzinfo=UTC), S, cost="2.00"),
]
JULY = [seed for seed in SEEDS if (seed.when.year, seed.when.month) == (2026, 7)]


def money(text: str) -> Decimal:
    return Decimal(text) if text else Decimal(0)


@pytest.fixture
def seeded(member, other_member, staff, image_models, make_image, set_budget, settings):
    settings.TEAM_MONTHLY_BUDGET_USD = "0.50"
    set_budget(member, "1.00")
    people = {"mira": member, "otto": other_member}
    colour = 0
    for seed in SEEDS:
        generation = Generation.objects.create(
            member=people[seed.who],
            model=image_models[seed.model],
            prompt=f"{seed.who} {seed.when:%d %H}",
            aspect_ratio="1:1",
            image_size="1K",
            count=seed.count,
            status=seed.status,
            error_kind=seed.error_kind,
            cost_usd=None if seed.cost is None else Decimal(seed.cost),
            reserved_usd=Decimal(seed.reserved),
            created_at=seed.when,
        )
        for _ in range(seed.images):
            colour += 1
            make_image(owner=people[seed.who], generation=generation, color=(colour * 20, 0, 0))
    return image_models


def dashboard(client, query: str = ""):
    with time_machine.travel(NOW, tick=False):
        return client.get(f"/team/{query}")


def block(html: str, attribute: str, value: str) -> str:
    match = re.search(rf'<tr {attribute}="{re.escape(value)}">(.*?)</tr>', html, re.S)
    assert match, f"no row {attribute}={value}"
    return match[1]


def figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">(.*?)</(?:td|dd)>', html, re.S)
    assert match, f"no figure {name}"
    return re.sub(r"<[^>]+>", "", match[1]).strip()


def test_totals_match_the_months_rows(staff_client, seeded):
    response = dashboard(staff_client)

    assert response.status_code == 200
    totals = response.context["totals"]
    spend = sum(money(s.cost) for s in JULY if s.cost)
    reserved = sum(Decimal(s.reserved) for s in JULY)
    assert totals.generations == len(JULY) == 7
    assert totals.images == sum(s.images for s in JULY) == 5
    assert totals.spend == spend == Decimal("0.1514")
    assert totals.reserved == reserved == Decimal("0.06")
    assert totals.failed == sum(1 for s in JULY if s.status == F) == 2
    html = response.content.decode()
    assert figure(html, "spend") == "$0.15"  # totals in dollars and cents
    assert figure(html, "reserved") == "$0.06"
    assert figure(html, "generations") == "7"
    assert figure(html, "images") == "5"
    assert figure(html, "failed") == "2"
    assert "Spending and usage in July 2026 (this month)" in html


def test_spend_per_member_matches_their_rows_and_budgets(staff_client, seeded):
    response = dashboard(staff_client)
    rows = {row.username: row for row in response.context["members"]}
    html = response.content.decode()
    limits = {"mira": Decimal("1.00"), "otto": Decimal("0.50"), "sam": Decimal("0.50")}

    assert set(rows) == {"mira", "otto", "sam"}
    for who in rows:
        mine = [s for s in JULY if s.who == who]
        spend = sum((money(s.cost) for s in mine), Decimal(0))
        reserved = sum((Decimal(s.reserved) for s in mine), Decimal(0))
        row = rows[who]
        assert (row.generations, row.images) == (len(mine), sum(s.images for s in mine))
        assert (row.spend, row.reserved) == (spend, reserved)
        assert row.limit == limits[who]
        assert row.left == limits[who] - spend - reserved
        cells = block(html, "data-member", who)
        assert figure(cells, "generations") == str(len(mine))
        assert figure(cells, "images") == str(sum(s.images for s in mine))
        assert figure(cells, "spend") == usd(spend)
        assert figure(cells, "reserved") == usd(reserved)
        assert figure(cells, "left") == usd(limits[who] - spend - reserved)
    assert figure(block(html, "data-member", "mira"), "limit") == "$1.00"
    assert figure(block(html, "data-member", "otto"), "limit") == "$0.50 (team default)"
    assert [row.username for row in response.context["members"]] == ["mira", "otto", "sam"]


def test_spend_per_model_matches_the_rows(staff_client, seeded):
    response = dashboard(staff_client)
    html = response.content.decode()
    rows = {row.name: row for row in response.context["models"]}
    assert len(rows) == 3
    for slug in (FLUX, GEMINI, KLEIN):
        name = seeded[slug].name
        mine = [s for s in JULY if s.model == slug]
        spend = sum((money(s.cost) for s in mine), Decimal(0))
        assert (rows[name].generations, rows[name].images, rows[name].spend) == (
            len(mine),
            sum(s.images for s in mine),
            spend,
        )
        cells = block(html, "data-model", name)
        assert figure(cells, "spend") == usd(spend)
        assert figure(cells, "generations") == str(len(mine))
        assert figure(cells, "images") == str(sum(s.images for s in mine))


def test_daily_spend_has_every_day_with_its_rows(staff_client, seeded):
    response = dashboard(staff_client)
    days = response.context["days"]
    html = response.content.decode()

    assert [d.day for d in days] == [date(2026, 7, n) for n in range(1, 32)]
    for day in days:
        mine = [s for s in JULY if s.when.date() == day.day]
        assert day.generations == len(mine)
        assert day.spend == sum((money(s.cost) for s in mine), Decimal(0))
        cells = block(html, "data-day", day.day.isoformat())
        assert figure(cells, "spend") == usd(day.spend)
        assert figure(cells, "generations") == str(len(mine))
    assert sum(d.spend for d in days) == response.context["totals"].spend


def test_the_chart_is_an_svg_with_a_bar_per_day_and_a_text_alternative(staff_client, seeded):
    response = dashboard(staff_client)
    html = response.content.decode()
    chart = response.context["chart"]

    assert html.count('<rect class="bar"') == 31
    tallest = max(chart.bars, key=lambda bar: bar.height)
    assert tallest.day_number == 2
    assert tallest.y == chart.bars[0].y + chart.bars[0].height - tallest.height  # grows up from the baseline
    july_10 = chart.bars[9]
    assert july_10.height == pytest.approx(tallest.height * 0.014 / 0.1074, abs=0.1)
    assert chart.bars[0].height == 0  # nothing on 1 July
    assert 'role="img" aria-labelledby="chart-title chart-desc"' in html
    assert "The highest day was 2 Jul 2026 with $0.11; the month's total is $0.15." in html
    assert "<summary>Daily spend as a table</summary>" in html
    assert "2 Jul 2026: $0.11" in html  # each bar's tooltip


def test_failures_are_counted_by_reason(staff_client, seeded):
    response = dashboard(staff_client)
    html = response.content.decode()
    failures = {f.kind: f.count for f in response.context["failures"]}
    assert failures == {"out_of_credits": 1, "timeout": 1, "partial": 1}
    assert figure(block(html, "data-kind", "out_of_credits"), "count") == "1"
    assert "Out of credits" in html
    assert "Timed out" in html
    link = re.search(r'href="(/admin/imagegen/generation/errors/[^"]*)">Errors by kind and model', html)[1]
    breakdown = staff_client.get(link.replace("&amp;", "&")).content.decode()
    assert "3 generations with errors" in breakdown  # July's, not June's or August's


def test_another_month_can_be_chosen(staff_client, seeded):
    response = dashboard(staff_client, "?month=2026-06")
    assert response.status_code == 200
    assert response.context["totals"].spend == Decimal("1.00")
    assert response.context["totals"].images == 1
    html = response.content.decode()
    assert "Spending and usage in June 2026" in html
    assert 'href="?month=2026-07"' in html
    assert "(this month)" not in html


@pytest.mark.parametrize("bad", ["July", "2026-13", "2026-7", "1999-12"])
def test_a_bad_month_is_refused_with_a_message(staff_client, bad):
    response = dashboard(staff_client, f"?month={bad}")
    assert response.status_code == 400
    assert "use the form YYYY-MM, such as 2026-07" in response.content.decode()


def test_days_and_months_follow_the_site_time_zone(staff_client, seeded, settings):
    settings.TIME_ZONE = "Europe/Berlin"  # 30 June 23:59 UTC is 1 July in Berlin; 1 August 00:00 UTC too
    response = dashboard(staff_client)
    days = {d.day: d.spend for d in response.context["days"]}
    assert days[date(2026, 7, 1)] == Decimal("1.00")
    assert days[date(2026, 7, 13)] == Decimal("0.03")  # 12 July 23:00 UTC
    # June's last row moves into July; August's first (02:00 on 1 August in Berlin) stays out.
    assert response.context["totals"].spend == Decimal("1.1514")


def test_members_who_are_not_staff_get_403(member_client):
    assert member_client.get("/team/").status_code == 403


def test_visitors_are_sent_to_log_in(client):
    response = client.get("/team/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_only_staff_see_a_team_link_in_the_navigation(staff, member):
    from django.test import Client

    staff_client, member_client = Client(), Client()
    staff_client.force_login(staff)
    member_client.force_login(member)
    assert '<a href="/team/">Team</a>' in staff_client.get("/").content.decode()
    assert 'href="/team/"' not in member_client.get("/").content.decode()


def test_the_page_has_no_inline_script_or_style(staff_client, seeded):
    html = dashboard(staff_client).content.decode()
    assert " style=" not in html
    assert "<style" not in html
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
    assert "/static/css/team.css" in html


# --- OpenRouter key usage ------------------------------------------------------------------------


def test_key_usage_comes_from_openrouter(staff_client, openrouter_standin):
    from imagegen.client import openrouter_client

    response = staff_client.get("/team/")
    info = openrouter_client().key_info()

    html = response.content.decode()
    assert response.context["key_usage"].info == info
    assert figure(html, "key-monthly") == usd(info.usage_monthly)
    assert figure(html, "key-limit") == "none"
    assert "sk-or-v1-" not in html.replace(info.label, "")  # only the key's own masked label


def test_without_a_key_the_page_says_so(staff_client, settings):
    settings.OPENROUTER_API_KEY = ""
    response = staff_client.get("/team/")
    assert response.status_code == 200
    assert "No OpenRouter key is configured" in response.content.decode()


def test_a_rejected_key_is_a_plain_message(staff_client, openrouter_standin, settings):
    settings.OPENROUTER_API_KEY = "sk-or-v1-invalid"
    response = staff_client.get("/team/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "OpenRouter&#x27;s key usage could not be read:" in html
    assert "Traceback" not in html


def test_an_unreachable_openrouter_is_a_plain_message(staff_client, settings):
    settings.OPENROUTER_API_KEY = "sk-or-v1-" + "0" * 64
    settings.OPENROUTER_BASE_URL = "http://127.0.0.1:9/api/v1"  # nothing listens there
    response = staff_client.get("/team/")
    assert response.status_code == 200
    assert "key usage could not be read" in response.content.decode()


def test_a_silent_openrouter_does_not_hold_the_page_up(staff_client, settings):
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        settings.OPENROUTER_API_KEY = "sk-or-v1-" + "0" * 64
        settings.OPENROUTER_BASE_URL = f"http://127.0.0.1:{silent.getsockname()[1]}/api/v1"
        started = time.monotonic()
        response = staff_client.get("/team/")
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert "key usage could not be read" in response.content.decode()
    assert elapsed < 8


def test_an_unexpected_error_reading_the_key_is_a_plain_message(
    staff_client, openrouter_standin, monkeypatch
):
    import openrouter

    def broken(self):
        raise ValueError("a bug")

    monkeypatch.setattr(openrouter.OpenRouterClient, "key_info", broken)
    response = staff_client.get("/team/")
    assert response.status_code == 200
    assert "because of an error inside Easel (see the log)" in response.content.decode()
