from django.urls import path

import gallery.converters  # noqa: F401  (registers <db_id:…>)
from imagegen import views

app_name = "imagegen"

urlpatterns = [
    path("", views.generate, name="generate"),
    path("generate/options/", views.model_options, name="model_options"),
    path("generations/updates/", views.generation_updates, name="generation_updates"),
    path("generations/<db_id:pk>/", views.generation_card, name="generation_card"),
    path("generations/<db_id:pk>/retry/", views.generation_retry, name="generation_retry"),
    path(
        "generations/<db_id:pk>/references/<int:position>",
        views.generation_reference_file,
        name="generation_reference_file",
    ),
    path("references/kept/<db_id:pk>", views.pending_reference_file, name="pending_reference_file"),
    path("images/<db_id:pk>/run-again/", views.run_again_exactly, name="run_again_exactly"),
]
