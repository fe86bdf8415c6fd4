"""Easel's one settings module: every value a deployment may change comes from the environment.

The README's table lists each variable; `config.env` turns a malformed value into one clear line.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from botocore.config import Config as BotoConfig
from django.utils.csp import CSP

from config.env import (
    EnvError,
    env_bool,
    env_choice,
    env_decimal_or_blank,
    env_float,
    env_int,
    env_list,
    env_origins,
    env_path,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

# --- Where Easel keeps its state: database, media and the generated secret key -----------------
DATA_DIR = env_path("EASEL_DATA_DIR", BASE_DIR / "data")
try:
    # Owner-only when Easel creates it; an existing one that others can open gets a start-up warning
    # (config.permissions).
    DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
except OSError as exc:
    raise EnvError(
        f"EASEL_DATA_DIR={str(DATA_DIR)!r} cannot be created ({exc.strerror}): use a writable directory."
    ) from None


def _secret_key_from_data_dir() -> str:
    """Generate the key on first start and keep it, so sessions survive restarts.

    O_EXCL makes concurrent first starts (web and worker) agree on one key.
    """
    path = DATA_DIR / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text().strip()
        if len(key) < 50:
            raise EnvError(
                f"{path} holds a key shorter than 50 characters: delete it to generate a new one."
            ) from None
        return key
    key = secrets.token_urlsafe(50)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


SECRET_KEY = env_str("SECRET_KEY") or _secret_key_from_data_dir()
DEBUG = env_bool("EASEL_DEBUG", False)
ALLOWED_HOSTS = env_list("EASEL_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_origins("EASEL_CSRF_TRUSTED_ORIGINS")
PORT = env_int("PORT", 8000, minimum=1, maximum=65535)

# --- Production switches -------------------------------------------------------------------------
HTTPS = env_bool("EASEL_HTTPS", False)
if env_bool("EASEL_PROXY_SSL_HEADER", False):
    # Only behind a proxy that sets (and strips client-sent) X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("EASEL_SSL_REDIRECT", HTTPS)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("EASEL_SECURE_COOKIES", HTTPS)
SECURE_HSTS_SECONDS = env_int("EASEL_HSTS_SECONDS", 31_536_000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("EASEL_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("EASEL_HSTS_PRELOAD", HTTPS)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14

# Pages carry no inline script or style; htmx and our own JS are static files with the nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# --- Applications --------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_htmx",
    "django_tasks_db",
    "axes",
    "config.apps.EaselConfig",
    "imagegen",
    "gallery",
    "compare",
    "sharing",
    "team",
]

MIDDLEWARE = [
    "config.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before anything reads a request's body (the CSRF check reads POST): refuses oversized bodies unread.
    "config.middleware.RequestSizeLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "config.middleware.AdminSelectionIdsMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into config.lockout's answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
# Form widgets render through the same template engine as the pages (django.forms above provides their
# templates), so a project template may override one.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.easel",
            ],
            # The one money format (usd, usd_price) in every template.
            "builtins": ["config.templatetags.easel_formats"],
        },
    },
]

# --- Database: SQLite in the data directory, or PostgreSQL from DATABASE_URL ----------------------
SQLITE_OPTIONS = {
    # IMMEDIATE makes writers queue on the busy timeout instead of failing with "database is locked".
    "transaction_mode": "IMMEDIATE",
    "timeout": 30,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON",
}


# PostgreSQL only: the most connections one process (a web process or a worker) holds; 0 keeps one per thread.
DATABASE_POOL_SIZE = env_int("EASEL_DATABASE_POOL_SIZE", 0, minimum=0, maximum=1000)


def _database_from_url(url: str) -> dict:
    accepted = "use postgres://USER:PASSWORD@HOST:5432/NAME (or sqlite:////absolute/path.sqlite3)"
    scheme = url.split(":", 1)[0].lower()
    if scheme not in ("postgres", "postgresql", "pgsql", "sqlite"):
        raise EnvError(f"DATABASE_URL has the scheme {scheme!r}, which Easel does not support: {accepted}.")
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except Exception as exc:  # dj-database-url raises several types for bad URLs
        raise EnvError(f"DATABASE_URL could not be read ({exc}): {accepted}.") from None
    if not config.get("NAME"):
        raise EnvError(f"DATABASE_URL names no database: {accepted}.")
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = dict(SQLITE_OPTIONS)
    elif DATABASE_POOL_SIZE:
        # psycopg's pool (Django's OPTIONS["pool"]): a thread borrows a connection for its request or its
        # database work and gives it back, so a process holds at most this many, however many threads it
        # runs. A thread that finds them all busy waits up to `timeout` s, then fails as in an outage.
        config["CONN_MAX_AGE"] = 0  # the pool keeps the connections; Django must not keep them as well
        config["OPTIONS"] = {
            **config.get("OPTIONS", {}),
            "pool": {"min_size": 1, "max_size": DATABASE_POOL_SIZE, "timeout": 30},
        }
    return config


DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": _database_from_url(DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "easel.sqlite3",
            "OPTIONS": dict(SQLITE_OPTIONS),
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASE_POOL_SIZE = 0  # a file, not a server: no connection limit to pool for
    # A file, not memory: the test server, worker threads and subprocesses all share it.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-easel.sqlite3")}

# --- Sign-in ------------------------------------------------------------------------------------
# django-axes counts failed sign-ins (on /login/ and /admin/login/) in the database, so a lockout holds
# across every web process and machine. Usernames and client addresses are locked separately: guessing
# one member's password from many addresses, or many members' from one address, both stop.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out attempt before any password check
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("EASEL_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("EASEL_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# The same trusted-proxy rule as share links (EASEL_SHARE_CLIENT_IP_HEADER; IPv6 counted by /64).
AXES_CLIENT_IP_CALLABLE = "sharing.network.client_limit_key"
AXES_LOCKOUT_CALLABLE = "config.lockout.lockout_response"
# Tries while locked out neither count nor push the end of the lockout back, so the time the message
# names stays true. A successful sign-in clears nothing: with one account of their own, a member could
# otherwise wipe their address's failures against others.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = False
AXES_DISABLE_ACCESS_LOG = True  # no record of every successful sign-in: failures are what matter here

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "imagegen:generate"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language, time ---------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("EASEL_TIME_ZONE", "UTC")
USE_I18N = False
# One date format on every page and in the admin (core/formats/): "2 Dec 2026", "2 Dec 2026, 11:51".
FORMAT_MODULE_PATH = ["core.formats"]
USE_TZ = True

# --- Static files (whitenoise) and media (Django storage: disk, or S3-compatible) -----------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "config.staticfinders.AppDirectoriesFinder",
]
STATIC_ROOT = env_path("EASEL_STATIC_ROOT", BASE_DIR / "staticfiles")
MEDIA_ROOT = DATA_DIR / "media"
S3_BUCKET = env_str("EASEL_S3_BUCKET")
# Bounded waits for object storage: a bucket that stops answering costs a page its thumbnails for a few
# seconds, never a hung request (thumbnails are <img> requests of their own; pages never read bytes).
S3_CLIENT_CONFIG = BotoConfig(
    connect_timeout=env_int("EASEL_S3_CONNECT_TIMEOUT", 3, minimum=1, maximum=60),
    read_timeout=env_int("EASEL_S3_READ_TIMEOUT", 10, minimum=1, maximum=300),
    retries={"max_attempts": 2, "mode": "standard"},
)
# What every S3 storage of Easel's has, whatever its bucket (the tests' buckets too).
S3_OPTIONS = {
    "default_acl": "private",
    # Easel streams every byte itself after its permission check (gallery/serving.py), so no signed URL
    # is ever handed out; one made anyway (storage.url) lives a minute at most.
    "querystring_auth": True,
    "querystring_expire": 60,
    "file_overwrite": True,  # names are content hashes: same name, same bytes
    "client_config": S3_CLIENT_CONFIG,
}
if S3_BUCKET:
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **S3_OPTIONS,
            "bucket_name": S3_BUCKET,
            "endpoint_url": env_str("EASEL_S3_ENDPOINT_URL") or None,
            "region_name": env_str("EASEL_S3_REGION") or None,
        },
    }
else:
    DEFAULT_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # Owner-only, like the whole data directory: other local users read no image.
        "OPTIONS": {
            "location": MEDIA_ROOT,
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# When nginx fronts Easel: files are handed off with X-Accel-Redirect under this internal prefix.
MEDIA_ACCEL_PREFIX = env_str("EASEL_MEDIA_ACCEL_PREFIX")
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Form fields other than files: a prompt and a few choices are far below this.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
# Files Django accepts in one request: a few above the reference images a generation takes
# (imagegen.services.MAX_REFERENCES), so one too many still gets the form's message; far more is a 400
# before anything is decoded.
DATA_UPLOAD_MAX_NUMBER_FILES = 10
# Request bodies, checked from Content-Length before any byte is read (config.middleware): signed-out
# requests are sign-in, sign-up and share-password forms; members' largest is the Generate form with
# its reference images (see config.middleware.member_request_limit).
MAX_ANONYMOUS_REQUEST_BYTES = 64 * 1024
FORM_ALLOWANCE_BYTES = 1024 * 1024

# --- Background tasks ------------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
WORKER_THREADS = env_int("EASEL_WORKER_THREADS", 20, minimum=1, maximum=200)
# How far the worker lowers its CPU priority (Unix niceness): on a shared machine, decoding and
# thumbnailing a burst of images yields to the web processes, so pages stay quick. 0 keeps it equal.
WORKER_NICENESS = env_int("EASEL_WORKER_NICENESS", 10, minimum=0, maximum=19)
# Pictures one process decodes at once (core/decoding.py): a 4K picture holds ~50 MB of pixels while it is
# checked or thumbnailed, so a burst of big pictures arriving together waits for a slot instead of taking
# memory in proportion to EASEL_WORKER_THREADS (bench/bench_worker_memory.py measures both).
DECODING_SLOTS = env_int("EASEL_DECODING_SLOTS", 4, minimum=1, maximum=200)
WORKER_POLL_SECONDS = env_float("EASEL_WORKER_POLL_SECONDS", 0.1, minimum=0.01)
# Web and worker pay at start what the first page and generation would (bench/bench_warmup.py measures it).
WARM_UP = env_bool("EASEL_WARM_UP", True)
HEARTBEAT_SECONDS = env_float("EASEL_HEARTBEAT_SECONDS", 10, minimum=0.1)
HEARTBEAT_STALE_SECONDS = env_float("EASEL_HEARTBEAT_STALE_SECONDS", 60, minimum=0.5)
RECOVERY_INTERVAL_SECONDS = env_float("EASEL_RECOVERY_INTERVAL_SECONDS", 30, minimum=0.5)
# A worker whose main loop completes no round for this long is hung: it exits (code 70) so that `serve`
# or the container's restart policy starts a fresh one. 0 turns the watchdog off.
WORKER_WATCHDOG_SECONDS = env_float("EASEL_WORKER_WATCHDOG_SECONDS", 120, minimum=0)
# /healthz/work answers 503 once queued work has waited this long with no live worker.
STUCK_QUEUE_SECONDS = env_float("EASEL_STUCK_QUEUE_SECONDS", 120, minimum=1)
# How long a worker keeps retrying a write that must not be lost (a finished generation) while the
# database is unreachable.
DATABASE_RETRY_SECONDS = env_float("EASEL_DATABASE_RETRY_SECONDS", 120, minimum=0)
# How long a finished generation's image is retried while S3-compatible storage is unreachable.
STORAGE_RETRY_SECONDS = env_float("EASEL_STORAGE_RETRY_SECONDS", 120, minimum=0)

# --- OpenRouter ------------------------------------------------------------------------------------
OPENROUTER_API_KEY = env_str("OPENROUTER_API_KEY")
OPENROUTER_BASE_URL = env_url("OPENROUTER_BASE_URL", "https://openrouter.ai/api/v1")
OPENROUTER_APP_URL = env_str("OPENROUTER_APP_URL", "https://github.com/easel-images/easel")
OPENROUTER_APP_TITLE = env_str("OPENROUTER_APP_TITLE", "Easel")
OPENROUTER_CONNECT_TIMEOUT = env_float("OPENROUTER_CONNECT_TIMEOUT", 10, minimum=0.1)
OPENROUTER_IDLE_TIMEOUT = env_float("OPENROUTER_IDLE_TIMEOUT", 120, minimum=0.1)
OPENROUTER_TOTAL_TIMEOUT = env_float("OPENROUTER_TOTAL_TIMEOUT", 600, minimum=1)
OPENROUTER_MAX_ATTEMPTS = env_int("OPENROUTER_MAX_ATTEMPTS", 3, minimum=1, maximum=10)
OPENROUTER_RETRY_AFTER_CAP = env_float("OPENROUTER_RETRY_AFTER_CAP", 60, minimum=0)
# How images are requested: "auto" (the API OpenRouter serves each model through, as the sync found it),
# or one path for every model: "chat" (chat completions with modalities) or "images" (the Image API).
OPENROUTER_API = env_choice("OPENROUTER_API", "auto", ("auto", "chat", "images"))
# The stand-in is running in place of OpenRouter (set by `manage.py serve` when no key is given).
OFFLINE_DEMO = env_bool("EASEL_OFFLINE_DEMO", False)

# --- Images ----------------------------------------------------------------------------------------
MAX_IMAGE_BYTES = env_int("EASEL_MAX_IMAGE_BYTES", 50 * 1024 * 1024, minimum=1024)
MAX_IMAGE_PIXELS = env_int("EASEL_MAX_IMAGE_PIXELS", 40_000_000, minimum=1)
MAX_REFERENCE_BYTES = 10 * 1024 * 1024
THUMBNAIL_LONG_SIDE = 512

# The image page's link to the compare board an image was made on (gallery/image_board.py explains it).
IMAGE_BOARD_LOOKUP = "compare.selectors.board_link_for_image"

# --- Team controls ---------------------------------------------------------------------------------
# The team's budgets and limits, plugged into generating (imagegen/admission.py explains the seam).
GENERATION_ADMISSION = "team.services.generation_admit"
TEAM_MONTHLY_BUDGET_USD = env_decimal_or_blank("EASEL_MONTHLY_BUDGET_USD")
MAX_RUNNING_PER_MEMBER = env_int("EASEL_MAX_RUNNING_PER_MEMBER", 6, minimum=1)
MAX_SUBMISSIONS_PER_MINUTE = env_int("EASEL_MAX_SUBMISSIONS_PER_MINUTE", 20, minimum=1)
TRASH_DAYS = env_int("EASEL_TRASH_DAYS", 30, minimum=1)

# --- Logging: plain lines on stderr, collected by whatever runs the process -----------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "easel": {"level": env_choice("EASEL_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))},
        "django_tasks_db": {"level": "WARNING"},
    },
}

# --- Share links (sharing app) -------------------------------------------------------------------
# Counters live in the database, so the limits hold across every web process and machine.
# Failed look-ups (unknown, expired, revoked links) one client address may make per window; then 429.
SHARE_LOOKUP_FAILURE_LIMIT = env_int("EASEL_SHARE_LOOKUP_FAILURE_LIMIT", 20, minimum=1)
SHARE_LOOKUP_WINDOW_SECONDS = env_int("EASEL_SHARE_LOOKUP_WINDOW_SECONDS", 600, minimum=1)
# Wrong password tries per link and client address per window; then 429 (a right password costs nothing).
SHARE_PASSWORD_ATTEMPT_LIMIT = env_int("EASEL_SHARE_PASSWORD_ATTEMPT_LIMIT", 5, minimum=1)
SHARE_PASSWORD_WINDOW_SECONDS = env_int("EASEL_SHARE_PASSWORD_WINDOW_SECONDS", 900, minimum=1)
# Wrong password tries per link from all addresses together per window; then the link asks everyone to
# wait, and its owner sees why on the link's page.
SHARE_PASSWORD_LINK_LIMIT = env_int("EASEL_SHARE_PASSWORD_LINK_LIMIT", 20, minimum=1)
# Behind a reverse proxy every visitor has the proxy's address: name the header the proxy sets to the
# client's address (e.g. X-Real-IP), and only if the proxy always overwrites it. Empty: REMOTE_ADDR.
# Share-link limits and sign-in lockouts both count by it (sharing/network.py).
SHARE_CLIENT_IP_HEADER = env_str("EASEL_SHARE_CLIENT_IP_HEADER")
# Django logs each 4xx/5xx with its path: keep share tokens out of those lines too.
LOGGING["filters"] = {"redact_share_tokens": {"()": "core.log_redaction.RedactTokens"}}
LOGGING["handlers"]["console"]["filters"] = ["redact_share_tokens"]
# --- end of share links ----------------------------------------------------------------------------
