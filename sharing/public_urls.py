"""Public share pages, mounted at /s/. Every address here starts with the token (/s/<token>/…), which the
access log redacts; anything else below /s/ gets the same "not available" answer."""

from django.urls import path, re_path

import gallery.converters  # noqa: F401  (registers <db_id:…>)
from sharing import public_views

app_name = "share"

urlpatterns = [
    path("<str:token>/", public_views.page, name="page"),
    path("<str:token>/unlock/", public_views.unlock, name="unlock"),
    path("<str:token>/i/<db_id:image_id>/", public_views.item, name="item"),
    path("<str:token>/i/<db_id:image_id>/original", public_views.original, name="original"),
    path("<str:token>/i/<db_id:image_id>/thumbnail", public_views.thumbnail, name="thumbnail"),
    path("<str:token>/i/<db_id:image_id>/download", public_views.download, name="download"),
    path("<str:token>/download.zip", public_views.download_zip, name="zip"),
    re_path(r"^.*$", public_views.unknown_address, name="unknown"),
]
