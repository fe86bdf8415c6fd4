"""Fixtures shared by every app's tests."""

import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Every test writes media into its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
        # The manifest needs collectstatic; tests serve static files straight from static/.
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def member(django_user_model):
    return django_user_model.objects.create_user(username="mira", password="a-long-test-password")


@pytest.fixture
def other_member(django_user_model):
    return django_user_model.objects.create_user(username="otto", password="a-long-test-password")


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user(
        username="sam", password="a-long-test-password", is_staff=True, is_superuser=True
    )


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


# --- Browser tests: Debian's Chromium, never a downloaded browser ------------------------------------
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "accept_downloads": True}


# --- Gallery images with real files ---------------------------------------------------------------
def png_bytes(width: int = 64, height: int = 64, color: tuple[int, int, int] = (200, 60, 40)) -> bytes:
    import io

    from PIL import Image as PILImage

    out = io.BytesIO()
    PILImage.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def create_image(
    *,
    owner,
    prompt: str = "a red fox in the snow",
    model_slug: str = "google/gemini-2.5-flash-image",
    width: int = 64,
    height: int = 64,
    color=(200, 60, 40),
    aspect_ratio: str = "1:1",
    **fields,
):
    """An Image row with its original and thumbnail really stored, as a generation would leave it."""
    from django.db import transaction

    from gallery import services

    data = png_bytes(width, height, color)
    stored = services.image_files_store(data=data, image_format="PNG")
    with transaction.atomic():
        return services.image_create(
            owner=owner,
            stored=stored,
            mime_type="image/png",
            image_format="PNG",
            width=width,
            height=height,
            prompt=prompt,
            model_slug=model_slug,
            model_name=fields.pop("model_name", "Gemini 2.5 Flash Image"),
            aspect_ratio=aspect_ratio,
            **fields,
        )


@pytest.fixture
def make_image(db):
    """`make_image(owner=member, prompt=..., color=(r, g, b))`: distinct colours give distinct files."""
    return create_image


# --- OpenRouter: Easel pointed at the stand-in over real HTTP ------------------------------------
@pytest.fixture
def openrouter_standin(settings, standin):
    """Settings pointing Easel at the session's stand-in (real HTTP), with short timeouts for tests."""
    from openrouter.tests.standin_fixtures import TEST_API_KEY

    settings.OPENROUTER_BASE_URL = standin.base_url
    settings.OPENROUTER_API_KEY = TEST_API_KEY
    settings.OPENROUTER_IDLE_TIMEOUT = 5
    settings.OPENROUTER_TOTAL_TIMEOUT = 60
    settings.OPENROUTER_RETRY_AFTER_CAP = 2
    return standin


@pytest.fixture
def image_models(db, openrouter_standin):
    """The stand-in's image models, synced into the allowlist and enabled (what `serve` does in demo mode)."""
    from imagegen.client import openrouter_client
    from imagegen.model_sync import models_sync
    from imagegen.models import ImageModel

    models_sync(client=openrouter_client(), enable_all=True)
    return {model.openrouter_id: model for model in ImageModel.objects.all()}


def queue_generation(member, model, prompt: str, **overrides):
    """A queued generation, as a submission makes it: one 1:1 image at 1K unless overridden."""
    from imagegen import services

    fields = {"aspect_ratio": "1:1", "image_size": "1K", "count": 1} | overrides
    return services.generation_create(member=member, model=model, prompt=prompt, **fields)


@pytest.fixture
def task_worker(transactional_db, openrouter_standin):
    """The real worker loop (claims, thread pool, heartbeat) in a thread of the test process."""
    import threading

    from imagegen import services
    from imagegen.worker import PoolWorker

    worker = PoolWorker(
        worker_id="test-worker",
        threads=4,
        poll_seconds=0.05,
        heartbeat_seconds=1,
        recovery_seconds=3600,
        heartbeat=lambda worker_id: services.generations_heartbeat(worker_id=worker_id),
        recover=lambda: None,
    )
    thread = threading.Thread(target=worker.run, name="test-worker", daemon=True)
    thread.start()
    yield worker
    worker.stopping.set()
    thread.join(timeout=60)


@pytest.fixture
def media_shared_with_processes(settings):
    """Media in EASEL_DATA_DIR/media, where the Easel processes a test starts (gunicorn, workers) look."""
    location = settings.DATA_DIR / "media"
    settings.MEDIA_ROOT = location
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": location},
        },
    }
    return location
