"""`manage.py backup` and `restore` round-trip the database and every image, byte for byte."""

import json
import secrets
import tarfile

import pytest
from django.db import connection

from tests.fixtures.processes import database_url, easel_env, manage

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.media]

LIST_IMAGES = (
    "import json, hashlib; from gallery.models import Image; from django.core.files.storage import default_storage as s;"
    "print(json.dumps(sorted([i.pk, i.prompt, i.sha256, hashlib.sha256(s.open(i.file_name).read()).hexdigest(),"
    " hashlib.sha256(s.open(i.thumbnail_name).read()).hexdigest()] for i in Image.objects.all())))"
)


@pytest.fixture
def source_dir(tmp_path, settings, media_env):
    """Media written by this test go where a backup subprocess (EASEL_DATA_DIR=source) finds them:
    its media folder, or this test's bucket (`media_env`)."""
    source = tmp_path / "source"
    if media_env:
        return source
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": source / "media"},
        },
    }
    return source


@pytest.fixture
def empty_database(tmp_path):
    """A database to restore into: a new SQLite file, or a new PostgreSQL database."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"easel_restore_{secrets.token_hex(4)}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield database_url().rsplit("/", 1)[0] + f"/{name}"
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def target_media_env(media_env, request) -> dict[str, str]:
    """Where a restore writes the media back: the new install's folder, or an empty bucket of its own."""
    return request.getfixturevalue("s3_server").new_bucket().env() if media_env else {}


def test_backup_then_restore_into_an_empty_install_keeps_every_image(
    source_dir, tmp_path, member, make_image, empty_database, media_env, target_media_env
):
    for n, color in enumerate([(200, 10, 10), (10, 200, 10), (10, 10, 200)]):
        make_image(owner=member, prompt=f"picture {n}", color=color, width=300, height=200)
    archive = tmp_path / "easel.tar"
    source_env = easel_env(EASEL_DATA_DIR=str(source_dir), **media_env)

    backup = manage("backup", str(archive), env=source_env, timeout=300)
    assert backup.returncode == 0, backup.stderr
    assert "media files" in backup.stdout
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("easel-backup/manifest.json"))
    assert len(manifest["media"]) == 6  # three originals, three thumbnails

    target_env = easel_env(
        EASEL_DATA_DIR=str(tmp_path / "restored"), DATABASE_URL=empty_database, **target_media_env
    )
    restore = manage("restore", str(archive), env=target_env, timeout=300)
    assert restore.returncode == 0, restore.stderr
    assert "every image's file matches its sha256" in restore.stdout

    before = json.loads(manage("shell", "--no-imports", "-c", LIST_IMAGES, env=source_env).stdout)
    after = json.loads(manage("shell", "--no-imports", "-c", LIST_IMAGES, env=target_env).stdout)
    assert len(after) == 3
    assert after == before
    for _pk, _prompt, sha256, file_sha256, _thumbnail_sha256 in after:
        assert file_sha256 == sha256


def test_restore_refuses_to_overwrite_data_without_force(source_dir, tmp_path, member, make_image, media_env):
    make_image(owner=member)
    archive = tmp_path / "easel.tar"
    env = easel_env(EASEL_DATA_DIR=str(source_dir), **media_env)
    assert manage("backup", str(archive), env=env).returncode == 0

    refused = manage("restore", str(archive), env=env)
    assert refused.returncode != 0
    assert "already has data: pass --force" in refused.stderr


def test_restore_says_plainly_when_a_file_is_not_a_backup(tmp_path):
    bogus = tmp_path / "holiday.tar"
    with tarfile.open(bogus, "w") as tar:
        tar.add(__file__, arcname="notes.py")
    result = manage("restore", str(bogus), env=easel_env(DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}"))
    assert result.returncode != 0
    assert "is not an Easel backup" in result.stderr
