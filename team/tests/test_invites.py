"""Invite links: created in the admin and shown once (only a hash is kept), used once, valid 7 days,
one identical 404 for unknown, used and expired links, Django's password validators on sign-up."""

import hashlib
import re
import threading
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.utils import timezone

from team import services
from team.models import Invite

pytestmark = pytest.mark.django_db

User = get_user_model()
GOOD_PASSWORD = "velvet-otter-lantern-42"


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


def create_invite_in_admin(admin_client, note: str = "for Ana") -> str:
    response = admin_client.post("/admin/team/invite/add/", {"note": note})
    assert response.status_code == 302  # then the link's page, by GET
    page = admin_client.get(response["Location"])
    assert page.status_code == 200
    return re.search(r'id="invite-link" value="([^"]+)"', page.content.decode())[1]


def sign_up(
    client, path: str, username: str = "ana", password: str = GOOD_PASSWORD, again: str | None = None
):
    return client.post(path, {"username": username, "password1": password, "password2": again or password})


def test_an_admin_creates_a_link_shown_once_and_only_its_hash_is_kept(admin_client, staff):
    page = admin_client.get("/admin/team/invite/add/").content.decode()
    assert '<label for="id_note">Who is it for? (optional)</label>' in page
    assert 'value="Create invite link"' in page
    assert '<a href="/admin/team/invite/">Invites</a>' in page  # breadcrumbs back to the list

    link = create_invite_in_admin(admin_client)

    assert link.startswith("http://testserver/invite/")
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert len(token) >= 43  # 32 random bytes
    invite = Invite.objects.get()
    assert invite.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert (invite.note, invite.created_by) == ("for Ana", staff)
    stored = " ".join(str(value) for value in Invite.objects.values().get().values())
    assert token not in stored
    assert invite.expires_at - invite.created_at == timedelta(days=7)
    # The list never shows the link again.
    assert token not in admin_client.get("/admin/team/invite/").content.decode()


def test_the_created_page_has_a_copy_button_and_a_refresh_makes_no_second_invite(admin_client):
    created = admin_client.post("/admin/team/invite/add/", {"note": "for Ana"})
    invite = Invite.objects.get()
    assert created.status_code == 302
    assert created["Location"] == f"/admin/team/invite/{invite.pk}/created/"  # never the link itself

    first = admin_client.get(created["Location"])
    html = first.content.decode()
    link = re.search(r'id="invite-link" value="([^"]+)"', html)[1]
    assert '<button type="button" class="button" data-copy-target="#invite-link">Copy link</button>' in html
    assert re.search(r'<script src="/static/js/easel[^"]*\.js"', html)
    assert "<script>" not in html  # no inline script: the CSP allows none
    assert "no-store" in first["Cache-Control"]

    refreshed = admin_client.get(created["Location"]).content.decode()

    assert Invite.objects.count() == 1
    assert link not in refreshed
    assert "was shown once" in refreshed
    assert 'href="/admin/team/invite/add/"' in refreshed


def test_members_who_are_not_staff_cannot_create_invites(member_client):
    response = member_client.get("/admin/team/invite/add/")
    assert response.status_code == 302  # to the admin's log-in
    assert Invite.objects.count() == 0


def test_the_sign_up_page_is_public_with_labelled_fields(client):
    _, token = services.invite_create(created_by=None)
    response = client.get(f"/invite/{token}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_username">Username</label>' in html
    assert '<label for="id_password1">Password</label>' in html
    assert '<label for="id_password2">Password confirmation</label>' in html
    assert '<button type="submit">Create my account</button>' in html
    assert "no-cache" in response["Cache-Control"]


def test_an_invite_makes_a_member_and_signs_them_in(admin_client, client):
    link = create_invite_in_admin(admin_client)
    path = link.removeprefix("http://testserver")

    response = sign_up(client, path)

    assert response.status_code == 302
    assert response["Location"] == "/"
    ana = User.objects.get(username="ana")
    assert ana.check_password(GOOD_PASSWORD)
    assert not ana.is_staff
    assert not ana.is_superuser
    invite = Invite.objects.get()
    assert invite.used_by == ana
    assert invite.used_at is not None
    page = client.get("/").content.decode()
    assert "Welcome to Easel, ana." in page
    assert '<span class="member-name" title="Signed in">ana</span>' in page


def not_found_response(client, path: str, method: str = "get"):
    response = getattr(client, method)(path, **({"data": {}} if method == "post" else {}))
    return response.status_code, response.content, response["Content-Type"]


def test_unknown_used_and_expired_links_get_the_same_404(client):
    _, used = services.invite_create(created_by=None)
    services.invite_accept(token=used, username="first", password=GOOD_PASSWORD)
    _, expired = services.invite_create(created_by=None)
    Invite.objects.filter(used_at__isnull=True).update(expires_at=timezone.now() - timedelta(seconds=1))

    unknown = not_found_response(client, "/invite/" + "x" * 43 + "/")
    assert unknown[0] == 404
    assert not_found_response(client, f"/invite/{used}/") == unknown
    assert not_found_response(client, f"/invite/{expired}/") == unknown
    assert not_found_response(client, f"/invite/{used}/", "post") == not_found_response(
        client, "/invite/" + "x" * 43 + "/", "post"
    )


def test_a_second_use_is_404_and_makes_no_second_member(client):
    _, token = services.invite_create(created_by=None)
    assert sign_up(client, f"/invite/{token}/").status_code == 302

    other = Client()
    assert other.get(f"/invite/{token}/").status_code == 404
    assert sign_up(other, f"/invite/{token}/", username="eve").status_code == 404
    assert not User.objects.filter(username="eve").exists()


def test_an_invite_expires_after_seven_days(client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _, token = services.invite_create(created_by=None)
    with time_machine.travel(start + timedelta(days=7) - timedelta(seconds=1), tick=False):
        assert client.get(f"/invite/{token}/").status_code == 200
    with time_machine.travel(start + timedelta(days=7), tick=False):
        assert client.get(f"/invite/{token}/").status_code == 404
        assert sign_up(client, f"/invite/{token}/").status_code == 404
    assert not User.objects.filter(username="ana").exists()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password", "This password is too common."),
        ("a1b2", "This password is too short. It must contain at least 8 characters."),
        ("8472910365", "This password is entirely numeric."),
        ("ana-the-member", "The password is too similar to the username."),
    ],
)
def test_a_weak_password_is_refused_with_the_validators_message(client, password, message):
    _, token = services.invite_create(created_by=None)

    response = sign_up(client, f"/invite/{token}/", username="ana-the-member", password=password)

    assert response.status_code == 422
    assert message in response.content.decode()
    assert not User.objects.filter(username="ana-the-member").exists()
    assert Invite.objects.get().used_at is None  # still usable


def test_mismatched_passwords_and_a_taken_username_are_refused(client, member):
    _, token = services.invite_create(created_by=None)
    response = sign_up(client, f"/invite/{token}/", again="something-else-entirely")
    assert response.status_code == 422
    assert "The two password fields didn’t match." in response.content.decode()

    response = sign_up(client, f"/invite/{token}/", username="MIRA")
    assert response.status_code == 422
    assert "A user with that username already exists." in response.content.decode()
    assert Invite.objects.get().used_at is None


def test_a_username_taken_in_the_same_moment_is_a_form_error(client, monkeypatch):
    _, token = services.invite_create(created_by=None)

    def taken(**kwargs):
        raise services.UsernameTaken

    monkeypatch.setattr(services, "invite_accept", taken)
    response = sign_up(client, f"/invite/{token}/")
    assert response.status_code == 422
    assert "That username was taken a moment ago: choose another." in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_single_use_holds_when_several_people_use_the_link_at_once(settings):
    _, token = services.invite_create(created_by=None)
    people = 6
    start = threading.Barrier(people)
    statuses: dict[str, int] = {}

    def use(n: int) -> None:
        try:
            client = Client()
            start.wait()
            statuses[f"person{n}"] = sign_up(client, f"/invite/{token}/", username=f"person{n}").status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=use, args=(n,)) for n in range(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(statuses.values()) == [302] + [404] * (people - 1)
    (winner,) = [name for name, status in statuses.items() if status == 302]
    assert list(User.objects.values_list("username", flat=True)) == [winner]
    assert Invite.objects.get().used_by.username == winner


def test_revoking_makes_open_invites_unusable(admin_client, client):
    _, open_token = services.invite_create(created_by=None)
    used_invite, used_token = services.invite_create(created_by=None)
    services.invite_accept(token=used_token, username="first", password=GOOD_PASSWORD)

    response = admin_client.post(
        "/admin/team/invite/",
        {"action": "revoke", "_selected_action": [i.pk for i in Invite.objects.all()]},
        follow=True,
    )

    assert "Revoked 1 open invite." in response.content.decode()
    assert client.get(f"/invite/{open_token}/").status_code == 404
    used_invite.refresh_from_db()
    assert used_invite.state() == "used"
