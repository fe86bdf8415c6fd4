"""Other local users can't read Easel's state (issue 13, #8): a new data directory is 0700, the SQLite
database, the secret key, media and backups are owner-only whatever the shell's umask, and start-up warns
about existing files others can read, naming the path and the chmod that fixes it."""

import os
import stat
import subprocess
import sys

import pytest

from config.backup import backup_create
from gallery import files
from tests.fixtures.processes import BASE_DIR, clean_env, manage


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def permissive_umask():
    """The usual 022 of a login shell, under which new files are 0644 unless Easel says otherwise."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def run_with_umask(*args, env):
    """manage.py started from a shell whose umask is 022, as a person or a service manager would."""
    return subprocess.run(
        ["sh", "-c", 'umask 022; exec "$@"', "sh", sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_fresh_install_is_owner_only(tmp_path):
    data = tmp_path / "data"
    result = run_with_umask("migrate", "--noinput", env=clean_env(data))
    assert result.returncode == 0, result.stderr

    assert mode(data) == 0o700
    assert mode(data / "easel.sqlite3") == 0o600
    assert mode(data / "secret_key") == 0o600
    for leftover in data.glob("easel.sqlite3-*"):  # WAL files, if SQLite left any
        assert mode(leftover) == 0o600


@pytest.mark.django_db
def test_media_files_and_folders_are_owner_only(permissive_umask, settings):
    files.write_file(name="images/ab/abcdef.png", data=b"bytes")

    root = settings.MEDIA_ROOT
    assert mode(root / "images" / "ab" / "abcdef.png") == 0o600
    assert mode(root / "images" / "ab") == 0o700
    assert mode(root / "images") == 0o700


@pytest.mark.django_db
def test_backups_are_owner_only(permissive_umask, tmp_path, make_image, member):
    make_image(owner=member)
    target = tmp_path / "backups" / "easel.tar"

    backup_create(path=target)

    assert mode(target) == 0o600
    assert mode(target.parent) == 0o700


def test_start_up_warns_about_files_others_can_read(tmp_path):
    data = tmp_path / "data"
    env = clean_env(data)
    assert manage("migrate", "--noinput", env=env).returncode == 0
    os.chmod(data, 0o755)
    os.chmod(data / "easel.sqlite3", 0o644)

    result = manage("check", env=env)

    assert f"{data} can be read by other users" in result.stderr
    assert f"chmod 700 {data}" in result.stderr
    assert f"chmod 600 {data / 'easel.sqlite3'}" in result.stderr
    assert "easel.W001" in result.stderr


def test_gunicorn_warns_at_start_up_too(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    env = clean_env(data)

    result = subprocess.run(
        [sys.executable, "-c", "import runpy; runpy.run_path('gunicorn.conf.py')"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert f"easel: warning: {data} can be read by other users" in result.stderr
    assert f"chmod 700 {data}" in result.stderr


def test_the_docker_image_keeps_data_owner_only():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    entrypoint = (BASE_DIR / "docker-entrypoint.sh").read_text()
    assert "chmod 700 /data" in dockerfile
    assert "umask 077" in entrypoint
