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
