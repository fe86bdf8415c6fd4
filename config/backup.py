"""Backup and restore of Easel's state: the database and the media files, in one tar archive.

The database is copied first (SQLite's online backup API, or pg_dump for PostgreSQL, both consistent
while Easel runs), then the media files. Media names are content hashes and files are never rewritten,
so a file copied after the snapshot is the same one the snapshot refers to.
"""

import hashlib
import io
import json
import os
import re
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
MEDIA = f"{ROOT}/media/"


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
                    info = tarfile.TarInfo(f"{MEDIA}{name}")
                    info.size = size
                    archive.addfile(info, stream)
        os.replace(partial, path)
    return BackupReport(path=path, vendor=vendor, media_files=len(names), bytes=path.stat().st_size)


def _database_has_data() -> bool:
    try:
        return get_user_model().objects.exists()
    except Exception:  # no tables yet: an empty database
        return False


@dataclass(frozen=True)
class ArchiveCheck:
    """What an archive lacks: files the database (or the manifest) names that are not in it, and files
    whose bytes differ from the sha256 the database holds for them. Sorted names."""

    missing: list[str]
    mismatched: list[str]

    @property
    def complete(self) -> bool:
        return not self.missing and not self.mismatched

    def describe(self) -> str:
        lines = [f"  missing from the archive: {name}" for name in self.missing]
        lines += [f"  damaged (its sha256 does not match the database): {name}" for name in self.mismatched]
        return "\n".join(lines)


class IncompleteBackup(BackupError):
    def __init__(self, check: ArchiveCheck):
        self.check = check
        super().__init__(
            f"the archive is incomplete ({len(check.missing)} missing, {len(check.mismatched)} damaged):\n"
            f"{check.describe()}\nNothing was changed. To restore everything else anyway (the files above "
            "stay missing), run it again with --restore-incomplete."
        )


@dataclass(frozen=True)
class RestoreReport(BackupReport):
    check: ArchiveCheck


def backup_restore(*, path: Path, force: bool = False, restore_incomplete: bool = False) -> RestoreReport:
    """Bring an archive back: the database replaces this one's, the media files are written back.

    The whole archive is checked first (backup_check's rules); an incomplete one changes nothing unless
    `restore_incomplete` is given, and then everything else is restored. Stop the web server and workers
    first. Refuses to overwrite a database that has members unless `force` is given.
    """
    path = Path(path)
    if not path.exists():
        raise BackupError(f"{path} does not exist.")
    if _database_has_data() and not force:
        raise BackupError("This database already has data: pass --force to replace it with the backup.")
    with tarfile.open(path, "r") as archive, tempfile.TemporaryDirectory(prefix="easel-restore-") as scratch:
        manifest = _read_manifest(archive, path)
        vendor = manifest["database"]
        dump = Path(scratch) / "database"
        member = f"{ROOT}/database.{'sqlite3' if vendor == 'sqlite' else 'pgdump'}"
        with archive.extractfile(member) as source, dump.open("wb") as target:
            shutil.copyfileobj(source, target)
        check, restorable = _check_archive(archive, manifest, dump)
        if not check.complete and not restore_incomplete:
            raise IncompleteBackup(check)
        _restore_database(dump, vendor)
        for name in restorable:
            if default_storage.exists(name):
                default_storage.delete(name)
            default_storage.save(name, File(archive.extractfile(f"{MEDIA}{name}")))
    return RestoreReport(
        path=path, vendor=vendor, media_files=len(restorable), bytes=path.stat().st_size, check=check
    )


def _read_manifest(archive: tarfile.TarFile, path: Path) -> dict:
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
    return manifest


def _check_archive(archive: tarfile.TarFile, manifest: dict, dump: Path) -> tuple[ArchiveCheck, list[str]]:
    """Every file the database or the manifest names, against the archive's own listing: which are
    missing, which are damaged, and which can be restored. Reads every named file once."""
    expected = _files_named_by_database(dump, manifest["database"])
    named = set(manifest["media"]) | set(expected)
    for name in named:
        if name.startswith("/") or ".." in Path(name).parts:
            raise BackupError(f"The backup names an unsafe path: {name!r}.")
    listing = {
        member.name.removeprefix(MEDIA): member
        for member in archive.getmembers()
        if member.isfile() and member.name.startswith(MEDIA)
    }
    missing = sorted(named - set(listing))
    mismatched = sorted(
        name
        for name, sha256 in expected.items()
        if sha256 and name in listing and _member_sha256(archive, listing[name]) != sha256
    )
    restorable = sorted((named & set(listing)) - set(mismatched))
    return ArchiveCheck(missing=missing, mismatched=mismatched), restorable


def _member_sha256(archive: tarfile.TarFile, member: tarfile.TarInfo) -> str:
    digest = hashlib.sha256()
    with archive.extractfile(member) as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# The files each table names, and the column holding their sha256 (None: a thumbnail, no hash kept).
FILE_COLUMNS = {
    "gallery_image": [("file_name", "sha256"), ("thumbnail_name", None)],
    "imagegen_generationreference": [("file_name", "sha256")],
}


def _files_named_by_database(dump: Path, vendor: str) -> dict[str, str | None]:
    """{file name: its sha256 (or None)} for every media file the dumped database refers to."""
    files: dict[str, str | None] = {}
    for table, columns in FILE_COLUMNS.items():
        rows = _sqlite_rows(dump, table) if vendor == "sqlite" else _pg_dump_rows(dump, table)
        for row in rows:
            for name_column, hash_column in columns:
                if row.get(name_column):
                    files[row[name_column]] = row.get(hash_column) if hash_column else None
    return files


def _sqlite_rows(dump: Path, table: str) -> list[dict]:
    database = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    database.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in database.execute(f'SELECT * FROM "{table}"')]  # noqa: S608 (ours)
    except sqlite3.OperationalError:
        return []  # an older Easel without this table
    finally:
        database.close()


def _pg_dump_rows(dump: Path, table: str) -> list[dict]:
    """A table's rows from a pg_dump archive, read by pg_restore as COPY text (no database needed)."""
    if shutil.which("pg_restore") is None:
        raise BackupError("pg_restore is not installed: install PostgreSQL's client tools to restore.")
    result = subprocess.run(
        ["pg_restore", "--data-only", f"--table={table}", "--file=-", str(dump)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore could not read the backup: {result.stderr.strip()[:500]}")
    return _copy_rows(result.stdout, table)


def _copy_rows(script: str, table: str) -> list[dict]:
    lines = iter(script.splitlines())
    header = re.compile(rf"COPY (?:\S+\.)?\"?{table}\"? \((?P<columns>.*)\) FROM stdin;")
    for line in lines:
        if match := header.match(line):
            columns = [column.strip().strip('"') for column in match["columns"].split(",")]
            break
    else:
        return []
    rows = []
    for line in lines:
        if line == "\\.":
            break
        values = [None if value == "\\N" else _copy_unescape(value) for value in line.split("\t")]
        rows.append(dict(zip(columns, values, strict=True)))
    return rows


def _copy_unescape(value: str) -> str:
    escapes = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}
    return re.sub(r"\\(.)", lambda match: escapes.get(match[1], match[1]), value)


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


def file_sha256(name: str) -> str | None:
    """The sha256 of a stored media file, None when there is no such file."""
    digest = hashlib.sha256()
    try:
        for chunk in files.iter_chunks(name=name, chunk_size=1 << 20):
            digest.update(chunk)
    except FileNotFoundError:
        return None
    return digest.hexdigest()
