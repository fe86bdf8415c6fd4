"""`manage.py backup` and `restore` round-trip the database and every image, byte for byte."""

import io
import json
import secrets
import tarfile
from pathlib import Path

import pytest
from django.db import connection

from config import backup
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


def _damage(archive: Path, *, remove: str, alter: str) -> Path:
    """A copy of the archive without one media file and with another one's bytes changed."""
    damaged = archive.with_name("damaged.tar")
    with tarfile.open(archive) as source, tarfile.open(damaged, "w") as target:
        for member in source.getmembers():
            if member.name == f"easel-backup/media/{remove}":
                continue
            data = source.extractfile(member).read()
            if member.name == f"easel-backup/media/{alter}":
                data = data[:-1] + bytes([data[-1] ^ 0xFF])
            target.addfile(member, io.BytesIO(data))
    return damaged


TABLES = "from django.db import connection; print(len(connection.introspection.table_names()))"


def test_restore_checks_the_whole_archive_first_and_names_every_missing_or_damaged_file(
    source_dir, tmp_path, member, make_image, empty_database, media_env, target_media_env
):
    kept, lost, spoiled = (
        make_image(owner=member, prompt=f"picture {n}", color=(40 * n, 20, 20)) for n in range(3)
    )
    archive = tmp_path / "easel.tar"
    source_env = easel_env(EASEL_DATA_DIR=str(source_dir), **media_env)
    assert manage("backup", str(archive), env=source_env, timeout=300).returncode == 0
    damaged = _damage(archive, remove=lost.file_name, alter=spoiled.file_name)
    target_dir = tmp_path / "restored"
    target_env = easel_env(EASEL_DATA_DIR=str(target_dir), DATABASE_URL=empty_database, **target_media_env)

    refused = manage("restore", str(damaged), env=target_env)

    assert refused.returncode != 0
    assert "Traceback" not in refused.stderr
    assert f"missing from the archive: {lost.file_name}" in refused.stderr
    assert f"damaged (its sha256 does not match the database): {spoiled.file_name}" in refused.stderr
    assert kept.file_name not in refused.stderr
    assert "Nothing was changed" in refused.stderr
    assert "--restore-incomplete" in refused.stderr
    assert manage("shell", "--no-imports", "-c", TABLES, env=target_env).stdout.strip() == "0", (
        "the database is untouched"
    )
    assert not any((target_dir / "media").rglob("*.*")), "no media file was written"

    incomplete = manage("restore", "--restore-incomplete", str(damaged), env=target_env)

    assert incomplete.returncode == 0, incomplete.stderr
    assert "Traceback" not in incomplete.stderr
    assert "Restored the" in incomplete.stdout
    assert f"missing from the archive: {lost.file_name}" in incomplete.stderr
    assert f"damaged (its sha256 does not match the database): {spoiled.file_name}" in incomplete.stderr
    after = json.loads(manage("shell", "--no-imports", "-c", LIST_FILES, env=target_env).stdout)
    assert after == {
        kept.file_name: kept.sha256,
        lost.file_name: None,  # not in the archive: not restored
        spoiled.file_name: None,  # damaged bytes are not written under a name that promises other ones
    }


LIST_FILES = (
    "import json; from gallery.models import Image; from config.backup import file_sha256;"
    "print(json.dumps({i.file_name: file_sha256(i.file_name) for i in Image.objects.all()}))"
)


def test_a_pg_dump_tables_rows_are_read_from_pg_restores_copy_text():
    """How restore reads a PostgreSQL backup's file names without a database (the PostgreSQL run restores
    real dumps; this pins the text format on every run)."""
    script = (
        "SET statement_timeout = 0;\n"
        "COPY public.gallery_image (id, file_name, thumbnail_name, sha256, prompt) FROM stdin;\n"
        "1\timages/ab/ab12.png\tthumbnails/ab/ab12.webp\tab12\ta fox\\tin \\\\snow\\n\n"
        "2\timages/cd/cd34.png\tthumbnails/cd/cd34.webp\tcd34\t\\N\n"
        "\\.\n"
        "COPY public.gallery_collection (id, title) FROM stdin;\n"
        "1\tFoxes\n"
        "\\.\n"
    )

    rows = backup._copy_rows(script, "gallery_image")

    assert rows == [
        {
            "id": "1",
            "file_name": "images/ab/ab12.png",
            "thumbnail_name": "thumbnails/ab/ab12.webp",
            "sha256": "ab12",
            "prompt": "a fox\tin \\snow\n",
        },
        {
            "id": "2",
            "file_name": "images/cd/cd34.png",
            "thumbnail_name": "thumbnails/cd/cd34.webp",
            "sha256": "cd34",
            "prompt": None,
        },
    ]
    assert backup._copy_rows(script, "imagegen_generationreference") == []
