from django.urls import path, register_converter

import gallery.converters  # noqa: F401  (registers <db_id:…>)
from gallery import serving, views

app_name = "gallery"


class VariantConverter:
    """`original` or `thumbnail`: any other name is simply not a URL (404), and cannot be reversed."""

    regex = "|".join(serving.VARIANTS)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(VariantConverter, "image_variant")

urlpatterns = [
    path("", views.index, name="index"),
    path("images/<db_id:pk>/", views.image_detail, name="image_detail"),
    path("images/<db_id:pk>/<image_variant:variant>", views.image_file, name="image_file"),
    path("images/<db_id:pk>/download", views.image_download, name="image_download"),
    path("images/<db_id:pk>/details.json", views.image_details_json, name="image_details_json"),
    path("images/<db_id:pk>/lineage", views.image_lineage, name="image_lineage"),
    path("images/<db_id:pk>/favourite", views.image_favourite, name="image_favourite"),
    path("selection/zip", views.selection_zip, name="selection_zip"),
    path("selection/collect", views.selection_collect, name="selection_collect"),
    path("selection/trash", views.selection_trash, name="selection_trash"),
    path("selection/restore", views.selection_restore, name="selection_restore"),
    path("trash/", views.trash, name="trash"),
    path("trash/empty", views.trash_empty, name="trash_empty"),
    path("collections/", views.collection_list, name="collection_list"),
    path("collections/new", views.collection_create, name="collection_create"),
    path("collections/<db_id:pk>/", views.collection_detail, name="collection_detail"),
    path("collections/<db_id:pk>/edit", views.collection_edit, name="collection_edit"),
    path("collections/<db_id:pk>/delete", views.collection_delete, name="collection_delete"),
    path("collections/<db_id:pk>/remove", views.collection_remove, name="collection_remove"),
]
