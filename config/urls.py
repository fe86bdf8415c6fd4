from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config import views

admin.site.site_header = "Easel administration"
admin.site.site_title = "Easel admin"
handler500 = "config.views.server_error"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("healthz/work", views.healthz_work, name="healthz_work"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("gallery/", include("gallery.urls")),
    path("compare/", include("compare.urls")),
    path("shared/", include("sharing.urls")),
    path("s/", include("sharing.public_urls")),  # public share pages: /s/<token>/… (redacted in access logs)
    path("", include("team.urls")),  # /team/ (staff dashboard) and /invite/<token>/ (public sign-up)
    path("", include("imagegen.urls")),
]
