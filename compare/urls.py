from django.urls import path

import gallery.converters  # noqa: F401  (registers <db_id:…>)
from compare import views

app_name = "compare"

urlpatterns = [
    path("", views.compare, name="compare"),
    path("settings", views.compare_settings, name="compare_settings"),
    path("boards/", views.board_list, name="board_list"),
    path("boards/<db_id:pk>/", views.board_detail, name="board_detail"),
    path("boards/<db_id:pk>/columns", views.board_columns, name="board_columns"),
    path("boards/<db_id:pk>/best", views.board_best, name="board_best"),
]
