"""Sign-in, the base page, /healthz and the security headers every page carries."""

import re

import pytest
from django.db import DatabaseError
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/gallery/"])
def test_pages_need_a_signed_in_member(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


def test_login_page_has_labelled_fields_and_a_log_in_button(client):
    html = client.get("/login/").content.decode()
    assert '<label for="id_username">Username</label>' in html
    assert '<label for="id_password">Password</label>' in html
    assert '<button type="submit">Log in</button>' in html


def test_logging_in_lands_on_generate(client, member):
    response = client.post("/login/", {"username": "mira", "password": "a-long-test-password"})
    assert response.status_code == 302
    assert response["Location"] == reverse("imagegen:generate")


def test_a_wrong_password_is_refused_with_a_message(client, member):
    response = client.post("/login/", {"username": "mira", "password": "wrong"})
    assert response.status_code == 200
    assert "didn't match" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_log_out_is_a_post(member_client):
    assert member_client.get("/logout/").status_code == 405
    response = member_client.post("/logout/")
    assert response["Location"] == "/login/"
    assert member_client.get("/").status_code == 302


def test_base_page_shows_navigation_member_and_log_out(member_client):
    html = member_client.get("/").content.decode()
    assert '<nav class="container-fluid" aria-label="Main">' in html
    assert ">Generate</a>" in html
    assert ">Gallery</a>" in html
    assert "mira" in html
    assert ">Log out</button>" in html
    assert ">Admin</a>" not in html


def test_staff_also_get_the_admin(client, staff):
    client.force_login(staff)
    assert ">Admin</a>" in client.get("/").content.decode()
    assert client.get("/admin/").status_code == 200


def test_members_do_not_get_the_admin(member_client):
    response = member_client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_healthz_answers_without_sign_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "storage": "ok",
        "worker_heartbeat_age_seconds": None,
        "oldest_queued_seconds": None,
        "live_workers": 0,
    }


def test_healthz_answers_503_when_the_database_does_not(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr("config.views.connection.cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


@pytest.mark.parametrize("path", ["/healthz", "/healthz/work"])
def test_health_checks_ignore_allowed_hosts_and_https_redirect(client, settings, path):
    settings.ALLOWED_HOSTS = ["easel.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(path, HTTP_HOST="10.0.0.7:8000").status_code == 200
    assert client.get("/login/", HTTP_HOST="10.0.0.7:8000").status_code == 400


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/login/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy
    assert "unsafe-inline" not in policy
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    scripts = re.findall(r"<script[^>]*>", response.content.decode())
    assert scripts, "the page loads htmx and easel.js"
    for tag in scripts:
        assert 'src="/static/' in tag
        assert f'nonce="{nonce}"' in tag
    assert "style=" not in response.content.decode()
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_offline_demo_banner_shows_on_every_page_in_demo_mode(client, member, settings):
    banner = "Offline demo — images come from the built-in stand-in, not OpenRouter"
    assert banner not in client.get("/login/").content.decode()
    settings.OFFLINE_DEMO = True
    assert banner in client.get("/login/").content.decode()
    client.force_login(member)
    assert banner in client.get("/").content.decode()
    assert banner in client.get("/gallery/").content.decode()


def test_an_unreachable_database_gives_a_friendly_503_then_recovers(member, monkeypatch):
    from django.db import OperationalError
    from django.test import Client

    client = Client(raise_request_exception=False)
    client.force_login(member)

    def unreachable(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    with monkeypatch.context() as patch:
        patch.setattr("imagegen.selectors.generation_list_recent", unreachable)
        response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    body = response.content.decode()
    assert "can't reach its database" in body
    assert "Traceback" not in body
    assert "Connection refused" not in body
    assert client.get("/").status_code == 200


def test_an_unexpected_error_is_a_plain_500_without_a_traceback(member, monkeypatch):
    from django.test import Client

    client = Client(raise_request_exception=False)
    client.force_login(member)
    monkeypatch.setattr("imagegen.selectors.generation_list_recent", lambda **kwargs: 1 / 0)
    response = client.get("/")
    assert response.status_code == 500
    assert "Something went wrong on Easel's side" in response.content.decode()
    assert "ZeroDivisionError" not in response.content.decode()


def test_the_access_log_hides_share_and_invite_tokens():
    from types import SimpleNamespace

    from gunicorn.config import Config

    from config.gunicorn_logging import RedactingLogger

    logger = RedactingLogger(Config())
    request = SimpleNamespace(method="GET", path="/x", query="", version=(1, 1), headers=[], uri="/x")
    token = "Zm9vYmFyYmF6cXV4cXV1eHh5enp5eHh5enp5"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/invite/{token}/",
        "PATH_INFO": f"/invite/{token}/",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[], response_length=10)
    for path in (f"/invite/{token}/", f"/s/{token}/i/3/original"):
        environ.update(RAW_URI=path, PATH_INFO=path)
        atoms = logger.atoms(response, request, environ, __import__("datetime").timedelta(seconds=0.1))
        assert token not in atoms["r"]
        assert "<redacted>" in atoms["r"]
