from django.urls import path

from imagegen import views

app_name = "imagegen"

urlpatterns = [
    path("", views.generate, name="generate"),
]
