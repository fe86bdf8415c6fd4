"""Members' share-link pages, mounted at /shared/."""

from django.urls import path

import gallery.converters  # noqa: F401  (registers <db_id:…>)
from sharing import views

app_name = "sharing"

urlpatterns = [
    path("", views.link_list, name="link_list"),
    path("new/", views.create, name="create"),
    path("<db_id:pk>/", views.link_detail, name="link_detail"),
    path("<db_id:pk>/revoke/", views.revoke, name="revoke"),
    path("<db_id:pk>/extend/", views.extend, name="extend"),
    path("<db_id:pk>/thumbnail", views.link_thumbnail, name="link_thumbnail"),
]
