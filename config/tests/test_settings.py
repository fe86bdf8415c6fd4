"""Settings come from the environment; a bad value stops start-up with one clear line."""

import stat
import threading

import pytest
from django.conf import settings
from django.db import connection, transaction

from tests.fixtures.processes import clean_env, manage

BAD_VALUES = [
    ("EASEL_DEBUG", "maybe", "EASEL_DEBUG='maybe' is not valid: use true or false"),
    ("DATABASE_URL", "mysql://user:pw@db/easel", "DATABASE_URL has the scheme 'mysql'"),
    ("DATABASE_URL", "postgres://", "DATABASE_URL names no database"),
    ("PORT", "eighty", "PORT='eighty' is not valid: use a whole number from 1 to 65535"),
    ("EASEL_HTTPS", "yes please", "EASEL_HTTPS='yes please' is not valid"),
    ("EASEL_CSRF_TRUSTED_ORIGINS", "easel.example.com", "use comma-separated origins such as https://"),
    (
        "OPENROUTER_BASE_URL",
        "openrouter.ai",
        "OPENROUTER_BASE_URL='openrouter.ai' is not valid: use an http:// or https:// URL",
    ),
    ("EASEL_WORKER_THREADS", "0", "EASEL_WORKER_THREADS='0' is not valid: use a whole number from 1 to 200"),
    (
        "EASEL_DATABASE_POOL_SIZE",
        "-1",
        "EASEL_DATABASE_POOL_SIZE='-1' is not valid: use a whole number from 0 to 1000",
    ),
    (
        "EASEL_MONTHLY_BUDGET_USD",
        "lots",
        "EASEL_MONTHLY_BUDGET_USD='lots' is not valid: use an amount in US dollars",
    ),
    (
        "EASEL_LOG_LEVEL",
        "chatty",
        "EASEL_LOG_LEVEL='chatty' is not valid: use one of DEBUG, INFO, WARNING, ERROR",
    ),
]


@pytest.mark.parametrize(("name", "value", "expected"), BAD_VALUES)
def test_a_malformed_variable_stops_start_up_with_one_clear_line(tmp_path, name, value, expected):
    result = manage("check", env=clean_env(tmp_path, **{name: value}))

    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("easel: configuration error: ")
    assert expected in lines[0]


def test_good_values_start(tmp_path):
    env = clean_env(tmp_path, EASEL_DEBUG="false", PORT="8080", EASEL_HTTPS="0", EASEL_WORKER_THREADS="4")
    result = manage("check", env=env)
    assert result.returncode == 0, result.stderr


def test_a_database_pool_size_pools_postgresql_connections_and_leaves_sqlite_alone(tmp_path):
    show = (
        "from django.conf import settings; database = settings.DATABASES['default']; "
        "print(settings.DATABASE_POOL_SIZE, database['CONN_MAX_AGE'], database['OPTIONS'].get('pool'))"
    )
    # A closed port: nothing here connects, and a mistake that did would fail at once.
    postgresql = "postgres://easel:secret@127.0.0.1:1/easel"

    def shown(**env) -> str:
        result = manage("shell", "--no-imports", "-c", show, env=clean_env(tmp_path, **env))
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert shown(DATABASE_URL=postgresql, EASEL_DATABASE_POOL_SIZE="5") == (
        "5 0 {'min_size': 1, 'max_size': 5, 'timeout': 30}"
    )
    assert shown(DATABASE_URL=postgresql) == "0 60 None", "without it, a connection per thread, kept 60 s"
    assert shown(EASEL_DATABASE_POOL_SIZE="5") == "0 0 None", "SQLite is a file: nothing to pool"


def _secret_key(env) -> str:
    result = manage(
        "shell", "--no-imports", "-c", "from django.conf import settings; print(settings.SECRET_KEY)", env=env
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_secret_key_is_generated_once_kept_private_and_reused(tmp_path):
    env = clean_env(tmp_path)
    first = _secret_key(env)
    key_file = tmp_path / "secret_key"

    assert len(first) >= 50
    assert key_file.read_text().strip() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert _secret_key(env) == first


def test_secret_key_from_the_environment_wins(tmp_path):
    assert _secret_key(clean_env(tmp_path, SECRET_KEY="k" * 60)) == "k" * 60
    assert not (tmp_path / "secret_key").exists()


def test_database_and_media_live_in_the_data_dir(tmp_path):
    code = "from django.conf import settings; print(settings.DATABASES['default']['NAME']); print(settings.MEDIA_ROOT)"
    result = manage("shell", "--no-imports", "-c", code, env=clean_env(tmp_path))
    database, media = result.stdout.split()
    assert database == str(tmp_path / "easel.sqlite3")
    assert media == str(tmp_path / "media")


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    # A process of its own on a fresh data directory, so this holds on the PostgreSQL run too.
    code = (
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('PRAGMA journal_mode'); print(cursor.fetchone()[0])\n"
        "    cursor.execute('PRAGMA busy_timeout'); print(cursor.fetchone()[0])"
    )
    result = manage("shell", "--no-imports", "-c", code, env=clean_env(tmp_path))
    journal_mode, busy_timeout = result.stdout.split()
    assert journal_mode == "wal"
    assert int(busy_timeout) >= 20_000


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_see_database_is_locked(django_user_model):
    errors = []

    def write_many(prefix: str) -> None:
        try:
            for n in range(40):
                with transaction.atomic():
                    user = django_user_model.objects.create(username=f"{prefix}{n}")
                    user.first_name = "x"
                    user.save()
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write_many, args=(f"w{i}-",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert django_user_model.objects.count() == 160


def test_the_console_handler_redacts():
    assert "redact_share_tokens" in settings.LOGGING["handlers"]["console"]["filters"]
