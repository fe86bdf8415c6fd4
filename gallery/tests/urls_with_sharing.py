"""The project's URLs plus a stand-in `sharing:create`, to test the Share buttons before that app exists here."""

from django.http import HttpResponse
from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns


def create(request):
    return HttpResponse("share")


urlpatterns = [
    *project_urlpatterns,
    path("share/", include(([path("new", create, name="create")], "sharing"))),
]
