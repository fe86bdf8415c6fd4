from django.urls import path

from imagegen import views

app_name = "imagegen"

urlpatterns = [
    path("", views.generate, name="generate"),
    path("generate/options/", views.model_options, name="model_options"),
    path("generations/updates/", views.generation_updates, name="generation_updates"),
    path("generations/<int:pk>/", views.generation_card, name="generation_card"),
    path("generations/<int:pk>/retry/", views.generation_retry, name="generation_retry"),
    path("images/<int:pk>/run-again/", views.run_again_exactly, name="run_again_exactly"),
]
