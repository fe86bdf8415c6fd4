"""gunicorn settings for Easel (`gunicorn -c gunicorn.conf.py config.wsgi`). Values come from the environment."""

import os
import sys

from config.env import EnvError, env_int, env_str

# Files the web processes create (the database, media) are for Easel's user alone; workers inherit it.
os.umask(0o077)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
try:
    # Read every setting once in the master, so a malformed variable is one clear line, not a worker crash loop.
    from config import settings as easel_settings
except EnvError as exc:
    sys.exit(f"easel: configuration error: {exc}")

from config.permissions import permission_warnings  # noqa: E402  (needs the settings above)

for warning in permission_warnings():
    print(f"easel: warning: {warning}", file=sys.stderr)

if easel_settings.S3_BUCKET:
    from gallery.storage import storage_problem

    # Wrong credentials or a missing bucket stop the start with one line, not a 500 on every picture.
    if problem := storage_problem():
        sys.exit(f"easel: configuration error: {problem}")

wsgi_app = "config.wsgi:application"
# `serve` opens the port itself and hands it over (EASEL_LISTEN_FD), so it outlives a web server that dies.
listen_fd = env_int("EASEL_LISTEN_FD", 0, minimum=0, maximum=65535)
bind = f"fd://{listen_fd}" if listen_fd else f"{env_str('EASEL_BIND', '127.0.0.1')}:{easel_settings.PORT}"
workers = env_int("EASEL_WEB_WORKERS", 2, minimum=1, maximum=64)
# Threads: no request ever waits on OpenRouter (the worker does), so a few threads per process suffice.
worker_class = "gthread"
threads = env_int("EASEL_WEB_THREADS", 8, minimum=1, maximum=256)
timeout = 60
graceful_timeout = 30
keepalive = 5
# Request line and headers have limits of their own (gunicorn's defaults, stated); bodies are limited by
# config.middleware.RequestSizeLimitMiddleware before Django reads them.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
max_requests = 5000
max_requests_jitter = 500
forwarded_allow_ips = env_str("EASEL_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-" if env_str("EASEL_ACCESS_LOG", "true").lower() in ("1", "true", "yes", "on") else None
errorlog = "-"
logger_class = "config.gunicorn_logging.RedactingLogger"
# gunicorn 27's control socket lives in $HOME: several instances (tests, a second deployment) would collide.
control_socket_disable = True
