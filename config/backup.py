"""Backup and restore of Easel's state: the database and the media files, in one tar archive.

The database is copied first (SQLite's online backup API, or pg_dump for PostgreSQL, both consistent
while Easel runs), then the media files. Media names are content hashes and files are never rewritten,
so a file copied after the snapshot is the same one the snapshot refers to.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import connection

from gallery import files

FORMAT_VERSION = 1
ROOT = "easel-backup"


class BackupError(Exception):
    """Something a person must fix before the backup or restore can run (the message says what)."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    vendor: str
    media_files: int
    bytes: int


def _media_names() -> list[str]:
    """Every file in the media storage, walked through the storage API (disk or S3)."""
    names: list[str] = []
    pending = [""]
    while pending:
        folder = pending.pop()
        try:
            directories, files = default_storage.listdir(folder)
        except FileNotFoundError:
            continue
        names += [
            f"{folder}/{name}" if folder else name for name in files if not name.startswith(".incoming-")
        ]
        pending += [f"{folder}/{name}" if folder else name for name in directories]
    return sorted(names)


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = connection.settings_dict
    args = ["--host", db.get("HOST") or "127.0.0.1", "--port", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    return args, env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed: install PostgreSQL's client tools to {what}.")
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed ({result.returncode}): {result.stderr.strip()[:500]}")


def _dump_database(target: Path) -> str:
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        source = sqlite3.connect(connection.settings_dict["NAME"])
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # online and consistent, even while the web and worker write
        finally:
            copy.close()
            source.close()
        return "sqlite"
    if connection.vendor == "postgresql":
        args, env = _pg_env()
        _run(
            [
                "pg_dump",
                *args,
                "--format=custom",
                "--no-owner",
                "--file",
                str(target),
                connection.settings_dict["NAME"],
            ],
            env,
            "back up PostgreSQL",
        )
        return "postgresql"
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {connection.vendor}.")


def backup_create(*, path: Path) -> BackupReport:
    """Write a consistent archive of the database and media to `path` (written atomically)."""
    path = Path(path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="easel-backup-") as scratch:
        dump = Path(scratch) / "database"
        vendor = _dump_database(dump)
        names = _media_names()
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": datetime.now(UTC).isoformat(),
            "database": vendor,
            "media": names,
        }
        partial = path.with_name(path.name + ".partial")
        # Owner-only before the first byte: the archive holds the database, sessions included.
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        os.chmod(partial, 0o600)
        with tarfile.open(partial, "w") as archive:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(f"{ROOT}/manifest.json")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
            archive.add(dump, arcname=f"{ROOT}/database.{'sqlite3' if vendor == 'sqlite' else 'pgdump'}")
            for name in names:
                # Read in pieces, from disk or straight from the S3 response: never a whole file in memory.
                stream, size = files.open_stream(name=name)
                with stream:
                    info = tarfile.TarInfo(f"{ROOT}/media/{name}")
                    info.size = size
                    archive.addfile(info, stream)
        os.replace(partial, path)
    return BackupReport(path=path, vendor=vendor, media_files=len(names), bytes=path.stat().st_size)


def _database_has_data() -> bool:
    try:
        return get_user_model().objects.exists()
    except Exception:  # no tables yet: an empty database
        return False


def backup_restore(*, path: Path, force: bool = False) -> BackupReport:
    """Bring an archive back: the database replaces this one's, the media files are written back.

    Stop the web server and workers first. Refuses to overwrite a database that has members unless
    `force` is given.
    """
    path = Path(path)
    if not path.exists():
        raise BackupError(f"{path} does not exist.")
    if _database_has_data() and not force:
        raise BackupError("This database already has data: pass --force to replace it with the backup.")
    with tarfile.open(path, "r") as archive, tempfile.TemporaryDirectory(prefix="easel-restore-") as scratch:
        try:
            manifest = json.load(archive.extractfile(f"{ROOT}/manifest.json"))
        except (KeyError, json.JSONDecodeError, tarfile.TarError):
            raise BackupError(f"{path} is not an Easel backup (no readable manifest).") from None
        if manifest.get("format") != FORMAT_VERSION:
            raise BackupError(
                f"{path} has backup format {manifest.get('format')}; this Easel reads {FORMAT_VERSION}."
            )
        vendor = manifest["database"]
        if vendor != connection.vendor:
            raise BackupError(f"The backup holds a {vendor} database; this Easel uses {connection.vendor}.")
        member = f"{ROOT}/database.{'sqlite3' if vendor == 'sqlite' else 'pgdump'}"
        dump = Path(scratch) / "database"
        with archive.extractfile(member) as source, dump.open("wb") as target:
            shutil.copyfileobj(source, target)
        _restore_database(dump, vendor)
        for name in manifest["media"]:
            if name.startswith("/") or ".." in Path(name).parts:
                raise BackupError(f"The backup names an unsafe path: {name!r}.")
            if default_storage.exists(name):
                default_storage.delete(name)
            default_storage.save(name, File(archive.extractfile(f"{ROOT}/media/{name}")))
    return BackupReport(
        path=path, vendor=vendor, media_files=len(manifest["media"]), bytes=path.stat().st_size
    )


def _restore_database(dump: Path, vendor: str) -> None:
    if vendor == "sqlite":
        connection.close()
        source = sqlite3.connect(dump)
        live = sqlite3.connect(connection.settings_dict["NAME"])
        try:
            source.backup(live)  # page by page into the live file, WAL included
        finally:
            live.close()
            source.close()
        return
    args, env = _pg_env()
    connection.close()
    _run(
        [
            "pg_restore",
            *args,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--dbname",
            connection.settings_dict["NAME"],
            str(dump),
        ],
        env,
        "restore PostgreSQL",
    )


def file_sha256(name: str) -> str:
    digest = hashlib.sha256()
    for chunk in files.iter_chunks(name=name, chunk_size=1 << 20):
        digest.update(chunk)
    return digest.hexdigest()
