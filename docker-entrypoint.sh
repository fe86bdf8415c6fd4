#!/bin/sh
# Apply migrations first when asked (the web service does; the worker waits for it), then run the command.
set -e
# Everything Easel writes to /data (database, media, backups) is for its own user alone.
umask 077
if [ "${EASEL_MIGRATE_ON_START:-false}" = "true" ]; then
    python manage.py migrate --noinput
fi
exec "$@"
