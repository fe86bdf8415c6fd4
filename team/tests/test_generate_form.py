"""The Generate page shows refusals at the top of the form (422, nothing queued) and the budget left."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django_tasks_db.models import DBTaskResult

from imagegen.models import Generation
from team.tests.helpers import FLUX

pytestmark = pytest.mark.django_db


def post(client, model, *, key="", **fields):
    data = {"prompt": "a harbour", "model": model.pk, "aspect_ratio": "1:1", "image_size": "1K", "count": 1}
    return client.post("/", data | {"submission_key": key} | fields, HTTP_HX_REQUEST="true")


def form_errors(html: str) -> str:
    start = html.index('<div class="form-error" role="alert">')
    return html[start : html.index("</div>", start)]


@time_machine.travel(datetime(2026, 7, 15, 12, 0, tzinfo=UTC), tick=False)
def test_over_budget_shows_at_the_top_of_the_form_and_queues_nothing(
    member_client, member, image_models, set_budget, standin
):
    set_budget(member, "0.05")
    assert post(member_client, image_models[FLUX], key="a").status_code == 200
    calls = standin.chat_request_count

    response = post(member_client, image_models[FLUX], key="b")

    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="generate-form"' in html
    assert "only $0.02 of your monthly budget of $0.05 is left" in form_errors(html)
    assert "resets on 1 Aug 2026" in form_errors(html)
    assert Generation.objects.count() == 1
    assert DBTaskResult.objects.count() == 1
    assert standin.chat_request_count == calls


def test_too_many_submissions_shows_when_to_try_again(member_client, image_models, settings):
    settings.MAX_SUBMISSIONS_PER_MINUTE = 1
    assert post(member_client, image_models[FLUX], key="a").status_code == 200
    response = post(member_client, image_models[FLUX], key="b")
    assert response.status_code == 422
    assert "the limit is 1 a minute. Try again in" in form_errors(response.content.decode())


def test_too_many_running_shows_at_the_top(member_client, image_models, settings):
    settings.MAX_RUNNING_PER_MEMBER = 1
    post(member_client, image_models[FLUX], key="a")
    response = post(member_client, image_models[FLUX], key="b")
    assert response.status_code == 422
    assert "the limit is 1 at a time" in form_errors(response.content.decode())


def test_an_unpriced_model_is_refused_beside_the_model_field(member_client, member, image_models, set_budget):
    set_budget(member, "1.00")
    model = image_models[FLUX]
    model.pricing_override = [{"billable": "input_text", "unit": "token", "cost_usd": "0.000001"}]
    model.save()
    response = post(member_client, model)
    assert response.status_code == 422
    html = response.content.decode()
    assert "has no known price" in html
    assert '<div class="form-error" role="alert">' not in html  # beside the field, not at the top


def test_try_again_on_a_card_is_refused_the_same_way(member_client, member, image_models, set_budget):
    set_budget(member, "0.03")
    post(member_client, image_models[FLUX], key="a")
    failed = Generation.objects.get()
    Generation.objects.filter(pk=failed.pk).update(status=Generation.Status.FAILED, cost_usd=Decimal("0.03"))

    response = member_client.post(
        f"/generations/{failed.pk}/retry/", {"submission_key": "r"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 422
    assert "Your monthly budget of $0.03 is used up." in response.content.decode()
    # It replaces the card it was asked from, not a copy added to the top of the list.
    assert response.headers["HX-Retarget"] == f"#generation-{failed.pk}"
    assert response.headers["HX-Reswap"] == "outerHTML"
    assert Generation.objects.count() == 1


@time_machine.travel(datetime(2026, 7, 15, 12, 0, tzinfo=UTC), tick=False)
def test_the_form_shows_the_budget_left_this_month(member_client, member, image_models, set_budget):
    set_budget(member, "1.00")
    post(member_client, image_models[FLUX], key="a", count=2)

    html = member_client.get("/").content.decode()
    assert "Budget: <strong>$0.94</strong> of $1.00 left this month" in html
    assert "(resets on 1 Aug 2026)" in html
    # …and after each submission, in the form htmx swaps in.
    assert (
        "<strong>$0.91</strong> of $1.00" in post(member_client, image_models[FLUX], key="b").content.decode()
    )


def test_no_budget_line_without_a_budget(member_client, image_models):
    assert "Budget:" not in member_client.get("/").content.decode()
