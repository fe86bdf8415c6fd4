"""Security headers as a browser sees them: real gunicorn, production settings, behind an HTTPS proxy."""

import re
import secrets

import httpx
import pytest
from django.urls import reverse

from sharing import services as sharing_services
from tests.fixtures.processes import WebServer, signed_in, stop

pytestmark = pytest.mark.django_db(transaction=True)

PRODUCTION = {
    "EASEL_HTTPS": "true",
    "EASEL_PROXY_SSL_HEADER": "true",
    "EASEL_ALLOWED_HOSTS": "easel.example.com",
    "EASEL_CSRF_TRUSTED_ORIGINS": "https://easel.example.com",
}
VIA_HTTPS_PROXY = {"Host": "easel.example.com", "X-Forwarded-Proto": "https"}


@pytest.fixture
def production(tmp_path):
    server = WebServer(tmp_path / "web.log", **PRODUCTION)
    server.wait_until_ready()
    yield server
    stop(server.process)


def test_pages_carry_hsts_csp_and_friends(production, member, make_image):
    auth = signed_in(member)
    pages = {"/login/": {}, "/": auth["cookies"], "/gallery/": auth["cookies"]}
    for path, cookies in pages.items():
        with httpx.Client(base_url=production.url, cookies=cookies, headers=VIA_HTTPS_PROXY) as client:
            response = client.get(path)
            assert response.status_code == 200, (path, response.headers.get("Location"))
            headers = response.headers
            assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
            assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
            assert re.search(r"script-src 'self' 'nonce-[^']+'", headers["Content-Security-Policy"])
            assert headers["X-Content-Type-Options"] == "nosniff"
            assert headers["Referrer-Policy"] == "same-origin"
            assert headers["X-Frame-Options"] == "DENY"
            assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_cookies_are_secure_and_plain_http_is_redirected(production):
    with httpx.Client(base_url=production.url, headers=VIA_HTTPS_PROXY) as client:
        login = client.get("/login/")
        cookie = login.headers["Set-Cookie"]
        assert "Secure" in cookie
        assert "SameSite=Lax" in cookie
    plain = httpx.get(f"{production.url}/login/", headers={"Host": "easel.example.com"})
    assert plain.status_code == 301
    assert plain.headers["Location"] == "https://easel.example.com/login/"
    assert httpx.get(f"{production.url}/healthz").status_code == 200  # probes need neither host nor HTTPS


def test_image_bytes_and_share_pages_carry_their_own_headers(
    production, member, make_image, media_shared_with_processes
):
    image = make_image(owner=member)
    link = sharing_services.link_create(created_by=member, target=image, expiry="1d")
    auth = signed_in(member)
    with httpx.Client(base_url=production.url, cookies=auth["cookies"], headers=VIA_HTTPS_PROXY) as client:
        file = client.get(reverse("gallery:image_file", args=[image.pk, "original"]))
        assert file.headers["Content-Type"] == "image/png"
        assert file.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert file.headers["X-Content-Type-Options"] == "nosniff"
        assert "immutable" in file.headers["Cache-Control"]
    with httpx.Client(base_url=production.url, headers=VIA_HTTPS_PROXY) as public:
        for path in (
            reverse("share:page", args=[link.token]),
            reverse("share:page", args=[secrets.token_urlsafe(32)]),
        ):
            response = public.get(path)
            assert response.headers["Referrer-Policy"] == "no-referrer"
            assert "noindex" in response.headers["X-Robots-Tag"]
            assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
            assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
