from django.urls import path

from team import views

app_name = "team"

urlpatterns = [
    path("team/", views.dashboard, name="dashboard"),
    # Public: the token is a bearer secret (256 bits; only its hash is stored).
    path("invite/<str:token>/", views.invite_accept, name="invite"),
]
