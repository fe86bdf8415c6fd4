import os

from django.core.asgi import get_asgi_application

os.umask(0o077)  # files the web process creates (media, the database) are for Easel's user alone
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_asgi_application()
