from django.urls import path

from team import views

app_name = "team"

urlpatterns = [
    path("team/", views.dashboard, name="dashboard"),
    # Public: the token is a bearer secret (256 bits; only its hash is stored).
    path("invite/<str:token>/", views.invite_accept, name="invite"),
    path("account/password/", views.password_change, name="password_change"),
    # Public too: a one-time link staff made in the admin (256 bits; only its hash is stored).
    path("password-reset/<str:token>/", views.password_reset, name="password_reset"),
]
