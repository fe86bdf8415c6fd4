"""Test-run environment.

pytest-django imports Easel's settings before any conftest, so this adjusts the loaded settings rather
than the environment: each run gets its own data directory and SQLite test database, and a developer's
own environment (an API key, the demo flag, HTTPS switches) doesn't leak into tests. CI sets DATABASE_URL
on purpose to run the suite on PostgreSQL.
"""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from django.conf import settings

TEST_DATA_DIR = Path(tempfile.mkdtemp(prefix="easel-tests-"))
atexit.register(shutil.rmtree, TEST_DATA_DIR, ignore_errors=True)

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses that without this.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

settings.DATA_DIR = TEST_DATA_DIR
settings.MEDIA_ROOT = TEST_DATA_DIR / "media"
settings.STATIC_ROOT = TEST_DATA_DIR / "static"
settings.STATIC_ROOT.mkdir()
if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = str(TEST_DATA_DIR / "test-easel.sqlite3")
settings.OPENROUTER_API_KEY = ""
settings.OPENROUTER_BASE_URL = (
    "http://127.0.0.1:9/api/v1"  # discard port: nothing reaches the real OpenRouter
)
settings.OFFLINE_DEMO = False
settings.MEDIA_ACCEL_PREFIX = ""
settings.TEAM_MONTHLY_BUDGET_USD = None
settings.SECURE_SSL_REDIRECT = False
settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
settings.SECURE_HSTS_SECONDS = 0
settings.DEBUG = False
settings.PASSWORD_HASHERS = ["tests.fixtures.hashers.FastPBKDF2PasswordHasher", *settings.PASSWORD_HASHERS]

# The one registration of the shared fixtures (tests/fixtures/__init__.py lists them).
pytest_plugins = ["tests.fixtures"]
