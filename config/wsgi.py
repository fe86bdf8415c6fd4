import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.umask(0o077)  # files the web process creates (media, the database) are for Easel's user alone
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

if settings.WARM_UP:
    from config.warmup import web_warm_up

    web_warm_up()  # the first member's first page is as quick as the rest
