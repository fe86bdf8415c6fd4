"""Easel's files are for Easel's user alone: the database holds live sessions, so anyone who can read it
can sign in as anyone. New files are made owner-only (umask 077 in every entry point, explicit modes
where files are written); this module finds existing ones that other users of the machine can read,
for the start-up warning (a system check, and gunicorn's master)."""

import os
import stat
from pathlib import Path

from django.conf import settings
from django.core import checks

OWNER_ONLY_UMASK = 0o077


def restrict_new_files() -> None:
    """Every file and folder this process creates from now on is owner-only (0600 / 0700)."""
    os.umask(OWNER_ONLY_UMASK)


def exposed_paths() -> list[tuple[Path, str]]:
    """(path, the command that fixes it) for Easel's state that other users can read or enter."""
    data_dir = Path(settings.DATA_DIR)
    found = []
    candidates = [(data_dir, "700")]
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        name = Path(database["NAME"])
        candidates += [(Path(f"{name}{suffix}"), "600") for suffix in ("", "-wal", "-shm")]
    candidates += [
        (data_dir / "secret_key", "600"),
        (data_dir / "backups", "700"),
        (Path(settings.MEDIA_ROOT), "700"),
    ]
    for path, mode in candidates:
        try:
            current = path.stat().st_mode
        except OSError:
            continue
        if current & 0o077:
            found.append((path, f"chmod {mode} {path}"))
    backups = data_dir / "backups"
    if backups.is_dir():
        for archive in sorted(backups.iterdir()):
            if archive.is_file() and archive.stat().st_mode & 0o077:
                found.append((archive, f"chmod 600 {archive}"))
    return found


def permission_warnings() -> list[str]:
    return [
        f"{path} can be read by other users of this machine (mode {stat.filemode(path.stat().st_mode)}): "
        f"run `{fix}`"
        for path, fix in exposed_paths()
    ]


@checks.register(checks.Tags.security)
def check_file_permissions(app_configs=None, **kwargs) -> list[checks.Warning]:
    return [
        checks.Warning(
            text,
            hint="Easel's database holds signed-in sessions: anyone who can read it can act as any member. "
            "Easel makes its files owner-only; files from an older version or another tool may not be.",
            id="easel.W001",
        )
        for text in permission_warnings()
    ]
