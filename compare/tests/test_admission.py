"""Admitting a board: the whole board's budget is reserved before anything is sent (the sum of what
imagegen's admission reserves for each model); any refusal names the model(s) and leaves nothing behind;
bad boards get a form error; settings a model does not take are listed in its cell."""

from decimal import Decimal

import pytest
from django_tasks_db.models import DBTaskResult

from compare import services
from compare.models import Board, BoardCell
from compare.tests.helpers import FLUX, GEMINI, GEMINI_3, GPT_IMAGE, KLEIN, latest_board, post_board
from core.money import usd
from imagegen.models import Generation, ImageModel
from imagegen.services import generation_estimate
from team.models import MemberBudget

pytestmark = pytest.mark.django_db


def assert_nothing_saved():
    assert Board.objects.count() == 0
    assert BoardCell.objects.count() == 0
    assert Generation.objects.count() == 0
    assert DBTaskResult.objects.count() == 0


def test_a_board_queues_one_generation_per_model_reserving_what_imagegen_would(member_client, image_models):
    response = post_board(
        member_client, image_models, "a lighthouse at dusk", FLUX, KLEIN, GEMINI, aspect_ratio="1:1"
    )

    board = latest_board()
    assert response.status_code == 302
    assert response["Location"] == f"/compare/boards/{board.pk}/"
    cells = list(board.cells.select_related("generation", "model"))
    assert {cell.model.openrouter_id for cell in cells} == {FLUX, KLEIN, GEMINI}
    assert [cell.position for cell in cells] == [0, 1, 2]
    for cell in cells:
        generation = cell.generation
        assert (generation.prompt, generation.count, generation.aspect_ratio) == (
            "a lighthouse at dusk",
            1,
            "1:1",
        )
        alone = generation_estimate(model=cell.model, prompt=generation.prompt, aspect_ratio="1:1", count=1)
        assert generation.reserved_usd == alone.reserve > 0
    assert DBTaskResult.objects.count() == 3  # the same queue as any generation


def test_the_budget_holds_the_whole_board_and_a_refusal_names_the_model_and_sends_nothing(
    member, member_client, image_models
):
    # Gemini's $0.0387 (first in the allowlist) fits in $0.05; then neither Flux's $0.03 nor Klein's $0.0147.
    MemberBudget.objects.create(member=member, monthly_limit_usd=Decimal("0.05"))

    response = post_board(member_client, image_models, "three foxes", FLUX, KLEIN, GEMINI)

    assert response.status_code == 422
    page = response.content.decode()
    assert "Nothing was sent: every model of a board must be admitted before any of them runs." in page
    assert f"{image_models[FLUX].name}: This request could cost up to $0.03, but only $0.0113" in page
    assert f"{image_models[KLEIN].name}: This request could cost up to $0.0147, but only $0.0113" in page
    assert f"{image_models[GEMINI].name}:" not in page
    assert_nothing_saved()


def test_every_refused_model_is_named_and_an_earlier_board_still_counts(member, image_models):
    MemberBudget.objects.create(member=member, monthly_limit_usd=Decimal("0.05"))
    models = [image_models[FLUX], image_models[KLEIN]]
    first = services.board_create(member=member, models=models, prompt="two foxes")
    each = [generation_estimate(model=model, prompt="two foxes").reserve for model in models]
    assert sum(cell.generation.reserved_usd for cell in first.cells.all()) == sum(each)

    with pytest.raises(services.BoardRefused) as refused:  # $0.0053 left: neither fits
        services.board_create(member=member, models=models, prompt="two more foxes")

    assert refused.value.models == [image_models[FLUX].name, image_models[KLEIN].name]
    assert Board.objects.get() == first
    assert Generation.objects.count() == 2
    assert DBTaskResult.objects.count() == 2


@pytest.mark.parametrize(
    ("fields", "field_error"),
    [
        ({"models": ["999999"]}, "not available"),
        ({"models": ["abc"]}, "not available"),
        ({"model_ids": [FLUX]}, "Pick 2 to 6 models to compare (you picked 1)"),
        (
            {"model_ids": [FLUX, FLUX]},
            "Pick each model once: Black Forest Labs: FLUX.2 [pro] was picked twice",
        ),
        ({"model_ids": [FLUX, KLEIN], "image_size": "4K"}, "None of the chosen models takes image size 4K"),
        ({"model_ids": [KLEIN, GPT_IMAGE], "seed": "7"}, "None of the chosen models takes seed 7"),
        (
            {"model_ids": [KLEIN, GPT_IMAGE], "aspect_ratio": "21:9"},
            "None of the chosen models takes aspect ratio 21:9",
        ),
        ({"model_ids": [FLUX, KLEIN], "aspect_ratio": "7:3"}, "No enabled model offers 7:3"),
        ({"model_ids": [FLUX, KLEIN], "prompt": ""}, "Write a prompt describing the image."),
    ],
)
def test_a_bad_board_gets_a_form_error_and_nothing_is_saved(member_client, image_models, fields, field_error):
    ids = fields.pop("model_ids", None)
    if ids is not None:
        fields["models"] = [str(image_models[m].pk) for m in ids]
    data = {"prompt": "a fox"} | fields

    response = member_client.post("/compare/", data)

    assert response.status_code == 422
    assert field_error in response.content.decode()
    assert_nothing_saved()


def test_a_disabled_model_or_more_than_six_are_refused(member_client, image_models, settings):
    settings.MAX_RUNNING_PER_MEMBER = 10
    ImageModel.objects.filter(pk=image_models[KLEIN].pk).update(enabled=False)
    response = post_board(member_client, image_models, "a fox", FLUX, KLEIN)
    assert response.status_code == 422
    assert "not available" in response.content.decode()

    seventh = image_models[FLUX]
    seventh.pk, seventh.openrouter_id, seventh.name = None, "black-forest-labs/flux-copy", "Flux copy"
    seventh.save()
    ImageModel.objects.update(enabled=True)
    all_seven = [str(pk) for pk in ImageModel.objects.values_list("pk", flat=True)]
    assert len(all_seven) == 7
    response = member_client.post("/compare/", {"prompt": "a fox", "models": all_seven})
    assert response.status_code == 422
    assert "Pick 2 to 6 models to compare (you picked 7)." in response.content.decode()
    assert_nothing_saved()


def test_more_models_than_the_running_limit_is_a_clear_error(member_client, image_models, settings):
    settings.MAX_RUNNING_PER_MEMBER = 2

    response = post_board(member_client, image_models, "a fox", FLUX, KLEIN, GEMINI)

    assert response.status_code == 422
    assert "you may have 2 queued or running at a time: pick at most 2 models" in response.content.decode()
    assert_nothing_saved()


def test_settings_a_model_does_not_take_are_left_to_it_and_listed(member, image_models):
    models = [image_models[GEMINI_3], image_models[FLUX], image_models[GPT_IMAGE]]

    board = services.board_create(
        member=member, models=models, prompt="a fox", aspect_ratio="16:9", image_size="4K", seed=7
    )

    cells = {cell.model.openrouter_id: cell for cell in board.cells.select_related("generation", "model")}
    assert cells[GEMINI_3].ignored == []
    assert (cells[GEMINI_3].generation.image_size, cells[GEMINI_3].generation.parameters) == (
        "4K",
        {"seed": 7},
    )
    assert cells[FLUX].ignored == ["4K"]
    assert cells[FLUX].generation.image_size == ""
    assert cells[GPT_IMAGE].ignored == ["aspect ratio 16:9", "4K", "seed 7"]
    assert cells[GPT_IMAGE].generation.aspect_ratio == ""
    assert cells[GPT_IMAGE].generation.parameters == {}


def test_a_double_click_makes_one_board(member_client, image_models):
    for _ in range(2):
        post_board(member_client, image_models, "a fox", FLUX, KLEIN, submission_key="k" * 32)

    assert Board.objects.count() == 1
    assert Generation.objects.count() == 2


def test_the_form_offers_the_union_of_what_the_picked_models_take(member_client, image_models):
    picked = {"models": [str(image_models[KLEIN].pk), str(image_models[GPT_IMAGE].pk)]}

    page = member_client.get("/compare/settings", picked).content.decode()

    assert '<option value="16:9"' in page
    assert '<option value="2:3"' in page
    assert '<option value="21:9"' not in page  # neither takes it
    assert '<option value="1K"' not in page
    assert "None of the picked models takes a seed." in page
    most = sum(generation_estimate(model=image_models[m]).reserve for m in (KLEIN, GPT_IMAGE))
    assert f"The whole board may cost up to {usd(most, price=True)};" in page


def test_the_compare_page_is_in_the_nav_and_offers_the_enabled_models(member_client, image_models):
    ImageModel.objects.filter(pk=image_models[KLEIN].pk).update(enabled=False)

    page = member_client.get("/compare/").content.decode()

    assert '<a href="/compare/" aria-current="page">Compare</a>' in page
    for model_id, model in image_models.items():
        checkbox = f'<input type="checkbox" name="models" value="{model.pk}">'
        assert (checkbox in page) is (model_id != KLEIN)
    assert '<button type="submit">Compare</button>' in page
    assert "Pick at least 2 models to see what the board may cost." in page
