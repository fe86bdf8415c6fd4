"""A generation end to end against the stand-in over real HTTP: stored, measured, failed plainly."""

import hashlib
import io
import itertools
from decimal import Decimal

import pytest
from django_tasks_db.models import DBTaskResult
from PIL import Image as PILImage

from gallery import files
from gallery.models import Image
from imagegen import services
from imagegen.models import Generation, GenerationReference
from openrouter.tests.standin_fixtures import TEST_API_KEY
from tests.fixtures.generations import queue_generation
from tests.fixtures.images import png_bytes
from tests.fixtures.media import stored, stored_names

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.media]

GEMINI = "google/gemini-2.5-flash-image"
FLUX = "black-forest-labs/flux.2-pro"


@pytest.fixture(autouse=True)
def chat_completions(settings):
    """These tests follow the chat completions path, which the operator can choose for every model."""
    settings.OPENROUTER_API = "chat"


def create(member, model, prompt, **overrides) -> Generation:
    return queue_generation(member, model, prompt, **overrides)


def run(generation: Generation) -> Generation:
    services.generation_run(generation_id=generation.pk)
    return Generation.objects.get(pk=generation.pk)


def test_a_generation_is_queued_with_its_task_in_the_same_transaction(member, image_models, tag):
    generation = create(member, image_models[GEMINI], f"a lighthouse {tag}")

    assert generation.status == Generation.Status.QUEUED
    task = DBTaskResult.objects.get()
    assert task.args_kwargs == {"args": [], "kwargs": {"generation_id": generation.pk}}


def test_a_generation_stores_the_image_exactly_as_sent(member, image_models, standin, tag):
    generation = run(create(member, image_models[GEMINI], f"a red fox at dusk {tag}", aspect_ratio="16:9"))

    assert generation.status == Generation.Status.SUCCEEDED
    assert generation.stage == Generation.Stage.DONE
    assert generation.error_message == ""
    image = Image.objects.get(generation=generation)
    original = stored(image.file_name).read_bytes()
    assert hashlib.sha256(original).hexdigest() == image.sha256
    assert image.file_name == f"images/{image.sha256[:2]}/{image.sha256}.png"
    assert (image.width, image.height) == (1344, 768)
    assert image.aspect_ratio == "16:9"
    assert image.aspect_matches is True
    assert max(image.thumbnail_width, image.thumbnail_height) == 512
    assert image.owner == member
    assert image.prompt == generation.prompt
    assert image.model_slug == GEMINI
    assert image.openrouter_generation_id.startswith("gen-")
    assert image.openrouter_generation_id in generation.openrouter_ids
    charged = standin.charged_for(image.openrouter_generation_id)
    assert image.cost_usd == generation.cost_usd == charged.quantize(Decimal("0.000001"))
    assert image.image_tokens == 1290
    assert image.latency_ms is not None
    assert generation.request_sent_at is not None
    (request,) = standin.requests_for(tag)
    assert request["body"]["modalities"] == ["image", "text"]
    assert request["body"]["image_config"] == {"aspect_ratio": "16:9"}, "no size for a model without sizes"
    assert request["body"]["stream"] is True


@pytest.mark.parametrize("api", ["chat", "images"])
def test_each_image_is_decoded_once_its_thumbnail_made_from_the_checks_pixels(
    member, image_models, standin, tag, settings, monkeypatch, api
):
    settings.OPENROUTER_API = api
    monkeypatch.setattr(files, "make_thumbnail", lambda *a, **k: pytest.fail("the image was decoded twice"))

    generation = run(create(member, image_models[GEMINI], f"a heron in reeds {tag}", aspect_ratio="16:9"))

    assert generation.status == Generation.Status.SUCCEEDED, generation.error_message
    image = Image.objects.get(generation=generation)
    original = PILImage.open(io.BytesIO(stored(image.file_name).read_bytes()))
    original.load()
    expected = files.thumbnail_from_pixels(original)
    assert stored(image.thumbnail_name).read_bytes() == expected.data
    assert (image.thumbnail_width, image.thumbnail_height) == (expected.width, expected.height) == (512, 293)


def test_an_image_only_model_is_asked_for_images_only(member, image_models, standin, tag):
    generation = run(create(member, image_models[FLUX], f"a blue teapot {tag}"))

    assert generation.status == Generation.Status.SUCCEEDED
    (request,) = standin.requests_for(tag)
    assert request["body"]["modalities"] == ["image"]


def test_several_images_run_in_parallel_and_all_land(member, image_models, standin, tag):
    generation = run(create(member, image_models[GEMINI], f"three green pears {tag} [latency:5]", count=3))

    assert generation.status == Generation.Status.SUCCEEDED
    assert Image.objects.filter(generation=generation).count() == 3
    requests = standin.requests_for(tag)
    assert len(requests) == 3
    assert Decimal("0.1161") <= generation.cost_usd < Decimal("0.1162")
    assert set(generation.progress) == {"0", "1", "2"}
    # In parallel: every request arrived before the first could have been answered (each takes 5 s). A
    # sequence would space them 5 s apart; on a loaded machine the whole run can take far longer, so its
    # total time says nothing.
    arrivals = [request["received_at"] for request in requests]
    assert max(arrivals) - min(arrivals) < 5


def test_reference_images_are_sent_text_first_and_kept_with_the_generation(
    member, image_models, standin, tag
):
    reference = services.ReferenceInput(
        data=png_bytes(32, 32), mime_type="image/png", image_format="PNG", width=32, height=32
    )
    generation = run(create(member, image_models[GEMINI], f"make it purple {tag}", references=[reference]))

    assert generation.status == Generation.Status.SUCCEEDED
    (kept,) = GenerationReference.objects.filter(generation=generation)
    assert stored(kept.file_name).read_bytes() == reference.data
    assert kept.file_name.startswith("references/")
    (request,) = standin.requests_for(tag)
    parts = request["body"]["messages"][0]["content"]
    assert parts[0] == {"type": "text", "text": generation.prompt}
    assert parts[1]["type"] == "image_url"
    assert parts[1]["image_url"]["url"].startswith("data:image/png;base64,")


def test_running_twice_is_harmless(member, image_models, standin, tag):
    generation = run(create(member, image_models[GEMINI], f"an owl {tag}"))
    services.generation_run(generation_id=generation.pk)

    assert len(standin.requests_for(tag)) == 1
    assert Image.objects.filter(generation=generation).count() == 1


def test_a_repeated_submission_key_makes_one_generation(member, image_models):
    first = create(member, image_models[GEMINI], "a cat", submission_key="k1")
    second = create(member, image_models[GEMINI], "a cat", submission_key="k1")

    assert first.pk == second.pk
    assert Generation.objects.count() == 1
    assert DBTaskResult.objects.count() == 1


FAULTS = [
    ("402", "out_of_credits", "credits"),
    ("401", "bad_key", "Ask an admin"),
    ("403", "moderation", ""),
    ("404", "no_endpoint", ""),
    ("429", "rate_limited", "try again"),
    ("midstream", "provider_error", ""),
    ("truncate", "truncated", ""),
    ("badbase64", "image_rejected", "base64"),
    ("svg", "image_rejected", "SVG"),
    ("notimage", "image_rejected", ""),
    ("bomb", "image_rejected", "megapixels"),
    ("https-url", "image_rejected", ""),
]


@pytest.mark.parametrize(("fault", "kind", "words"), FAULTS)
def test_a_fault_fails_the_generation_plainly_and_stores_nothing(
    member, image_models, fault, kind, words, tag
):
    generation = run(create(member, image_models[GEMINI], f"a storm [fault:{fault}] {tag}"))

    assert generation.status == Generation.Status.FAILED
    assert generation.stage == Generation.Stage.FAILED
    assert generation.error_kind == kind
    assert words.lower() in generation.error_message.lower()
    assert "Traceback" not in generation.error_message
    assert TEST_API_KEY not in generation.error_message
    assert Image.objects.count() == 0
    assert stored_names() == []
    assert generation.finished_at is not None


def test_a_reply_with_text_but_no_image_says_so_and_shows_the_text(member, image_models, tag):
    generation = run(create(member, image_models[GEMINI], f"something forbidden [fault:noimage] {tag}"))

    assert generation.status == Generation.Status.FAILED
    assert generation.error_kind == "no_image"
    assert generation.error_message.startswith("The model replied without an image.")
    assert "Its reply:" in generation.error_message


def test_a_rate_limit_once_is_retried_and_succeeds(member, image_models, standin, tag):
    generation = run(create(member, image_models[GEMINI], f"a kite [fault:429-once] {tag}"))

    assert generation.status == Generation.Status.SUCCEEDED
    assert len(standin.requests_for(tag)) == 2


def test_when_one_of_several_images_fails_the_others_are_kept(member, image_models, tag):
    generation = run(create(member, image_models[GEMINI], f"two pears [fault:truncate-once] {tag}", count=2))

    assert generation.status == Generation.Status.SUCCEEDED
    assert generation.error_kind == "partial"
    assert generation.error_message.startswith("1 of 2 images failed:")
    assert Image.objects.filter(generation=generation).count() == 1


def test_a_disk_that_fills_while_saving_leaves_no_file_and_says_so(member, image_models, monkeypatch, tag):
    def full_disk(*, name, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("gallery.files.write_file", full_disk)
    generation = run(create(member, image_models[GEMINI], f"a desert {tag}"))

    assert generation.status == Generation.Status.FAILED
    assert generation.error_kind == "save_failed"
    assert "could not store" in generation.error_message
    assert stored_names() == []
    assert Image.objects.count() == 0


def test_no_api_key_fails_with_ask_an_admin(member, image_models, settings, tag):
    settings.OPENROUTER_API_KEY = ""
    generation = run(create(member, image_models[GEMINI], f"a tree {tag}"))

    assert generation.status == Generation.Status.FAILED
    assert generation.error_kind == "bad_key"
    assert "Ask an admin" in generation.error_message
    assert generation.request_sent_at is None, "nothing left: a retry could not pay twice"
    assert generation.attempts == 1


def test_one_request_writes_its_row_twice_the_claim_and_the_finish_with_the_image(
    member, image_models, standin, tag
):
    """A generation of one request writes in its own thread: the claim, which also records the request as
    sent before it leaves, then its image's row and the finish in one transaction. In a burst of 100, each
    transaction waits its turn for SQLite's one write lock (bench/bench_generate.py); the stages shown
    in between are the progress writer's, on its own connection."""
    from django.db import connection

    generation = create(member, image_models[GEMINI], f"a paper boat {tag}")
    statements = []  # (SQL, the outermost transaction it ran in: the Atomic object itself, kept alive)

    def record(execute, sql, params, many, context):
        statements.append((sql, connection.atomic_blocks[0] if connection.atomic_blocks else None))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        services.generation_run(generation_id=generation.pk, worker_id="worker-a")
    row_writes = [(sql, block) for sql, block in statements if sql.startswith('UPDATE "imagegen_generation"')]
    image_inserts = [
        (sql, block) for sql, block in statements if sql.startswith('INSERT INTO "gallery_image"')
    ]

    assert len(row_writes) == 2
    (claim, _), (finish, finish_block) = row_writes
    assert '"request_sent_at"' in claim
    assert '"worker_id"' in claim
    assert '"finished_at"' in finish
    ((_, image_block),) = image_inserts
    assert finish_block is not None
    assert image_block is finish_block, "the image and the finish commit together"
    generation.refresh_from_db()
    assert generation.status == Generation.Status.SUCCEEDED
    assert generation.request_sent_at == generation.started_at
    assert generation.worker_id == "worker-a"
    assert generation.progress["0"]["stage"] == Generation.Stage.DONE
    assert Image.objects.filter(generation=generation).count() == 1
    assert len(standin.requests_for(tag)) == 1


def test_the_worker_reads_a_generations_references_once_and_finishes_without_a_savepoint(
    member, image_models, standin, tag
):
    """The request sends the references, the images' recipe hashes them and their lineage links them: one
    read serves the three. The finish is one UPDATE inside the images' transaction, with no savepoint
    around it. Each statement is CPU for the worker and the database in a burst of 100."""
    from django.db import connection

    generation = create(member, image_models[GEMINI], f"a kite over dunes {tag}")
    statements = []
    with connection.execute_wrapper(
        lambda execute, sql, *args: statements.append(sql) or execute(sql, *args)
    ):
        services.generation_run(generation_id=generation.pk, worker_id="worker-a")

    assert sum('FROM "imagegen_generationreference"' in sql for sql in statements) == 1, statements
    assert not [sql for sql in statements if "SAVEPOINT" in sql], statements
    assert Generation.objects.get(pk=generation.pk).status == Generation.Status.SUCCEEDED


def test_a_short_database_outage_while_saving_loses_nothing(member, image_models, monkeypatch, tag):
    from django.db import OperationalError

    from gallery import services as gallery_services

    real_create = gallery_services.image_create
    failures = iter([True, True])

    def flaky_create(**kwargs):
        if next(failures, False):
            raise OperationalError("server closed the connection unexpectedly")
        return real_create(**kwargs)

    monkeypatch.setattr(gallery_services, "image_create", flaky_create)
    monkeypatch.setattr("imagegen.services.retry.time.sleep", lambda seconds: None)
    generation = run(create(member, image_models[GEMINI], f"a patient heron {tag}"))

    assert generation.status == Generation.Status.SUCCEEDED
    image = Image.objects.get(generation=generation)
    assert stored(image.file_name).exists()
    assert len(stored_names()) == 2


def test_database_retry_gives_up_after_its_deadline(monkeypatch):
    from django.db import OperationalError

    calls = []
    clock = [1000.0]
    monkeypatch.setattr("imagegen.services.retry.time.monotonic", lambda: clock[0])

    def sleep(seconds):
        calls.append(seconds)
        clock[0] += seconds

    monkeypatch.setattr("imagegen.services.retry.time.sleep", sleep)

    def always_down():
        raise OperationalError("connection refused")

    with pytest.raises(OperationalError):
        services.with_database_retry(always_down, seconds=3)
    assert calls == [0.5, 1.0]


def test_a_429_storm_honours_retry_after_then_gives_up_cleanly(member, image_models, standin, tag, settings):
    settings.OPENROUTER_MAX_ATTEMPTS = 3
    generation = run(create(member, image_models[GEMINI], f"a busy day [fault:429] {tag}"))

    requests = standin.requests_for(tag)
    assert len(requests) == 3
    gaps = [b["received_at"] - a["received_at"] for a, b in itertools.pairwise(requests)]
    assert all(gap >= 1.0 for gap in gaps), gaps  # the stand-in says Retry-After: 1
    assert generation.status == Generation.Status.FAILED
    assert generation.error_kind == "rate_limited"
    assert "try again" in generation.error_message.lower()
    assert Image.objects.count() == 0
