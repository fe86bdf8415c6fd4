#!/usr/bin/env python
"""Django's command-line utility for Easel."""

import os
import sys


def main() -> None:
    # Everything Easel's commands create (the database, media, backups) is for Easel's user alone.
    os.umask(0o077)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    from config.env import EnvError

    try:
        execute_from_command_line(sys.argv)
    except EnvError as exc:
        # One line a person can act on, not a traceback.
        sys.exit(f"easel: configuration error: {exc}")


if __name__ == "__main__":
    main()
