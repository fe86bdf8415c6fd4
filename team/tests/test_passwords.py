"""Members change their own password, and staff make a one-time reset link for a forgotten one: shown
once, stored hashed, expiring, like invites; using it sets the password and signs out other sessions."""

import hashlib
import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from team import services
from team.models import PasswordReset

pytestmark = pytest.mark.django_db

OLD = "a-long-test-password"
NEW = "a-brand-new-passphrase-7"


def signed_in(user) -> Client:
    client = Client()
    assert client.post("/login/", {"username": user.username, "password": OLD}).status_code == 302
    return client


def test_the_nav_links_to_change_password(member_client):
    html = member_client.get("/").content.decode()
    assert f'href="{reverse("team:password_change")}"' in html
    assert "Change password" in html


def test_a_member_changes_their_password_and_other_sessions_end(member):
    here, elsewhere = signed_in(member), signed_in(member)

    response = here.post(
        reverse("team:password_change"),
        {"old_password": OLD, "new_password1": NEW, "new_password2": NEW},
        follow=True,
    )

    assert "Your password is changed" in response.content.decode()
    assert here.get("/gallery/").status_code == 200  # this browser stays signed in
    assert elsewhere.get("/gallery/").status_code == 302  # the other one is signed out
    member.refresh_from_db()
    assert member.check_password(NEW)


def test_a_wrong_current_password_changes_nothing(member_client, member):
    response = member_client.post(
        reverse("team:password_change"), {"old_password": "nope", "new_password1": NEW, "new_password2": NEW}
    )

    assert response.status_code == 422
    assert "Your old password was entered incorrectly" in response.content.decode()
    member.refresh_from_db()
    assert member.check_password(OLD)


def test_staff_make_a_reset_link_shown_once_and_stored_hashed(staff_client, member):
    made = staff_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "make_password_reset_link", "_selected_action": [member.pk]},
    )
    reset = PasswordReset.objects.get(member=member)
    assert made["Location"] == reverse("admin:team_passwordreset_created", args=[reset.pk])
    response = staff_client.get(made["Location"])

    html = response.content.decode()
    link = re.search(r'value="(http://testserver/password-reset/([A-Za-z0-9_-]{43})/)"', html)
    assert link
    assert "Copy link" in html
    assert "no-store" in response["Cache-Control"]
    reset = PasswordReset.objects.get(member=member)
    assert reset.token_hash == hashlib.sha256(link.group(2).encode()).hexdigest()
    assert link.group(2) not in str(PasswordReset.objects.values().get())
    assert (
        link.group(2) not in staff_client.get(reverse("admin:team_passwordreset_changelist")).content.decode()
    )
    refreshed = staff_client.get(made["Location"]).content.decode()
    assert link.group(2) not in refreshed
    assert "was shown once" in refreshed
    assert PasswordReset.objects.count() == 1


def test_the_reset_link_sets_the_password_once_and_signs_out_everywhere(member, staff):
    elsewhere = signed_in(member)
    _, token = services.password_reset_create(member=member, created_by=staff)
    holder = Client()

    page = holder.get(reverse("team:password_reset", args=[token]))
    assert page.status_code == 200
    assert member.username in page.content.decode()
    done = holder.post(
        reverse("team:password_reset", args=[token]), {"new_password1": NEW, "new_password2": NEW}
    )

    assert done.status_code == 302
    assert done["Location"] == reverse("login")
    assert elsewhere.get("/gallery/").status_code == 302
    assert Client().post("/login/", {"username": member.username, "password": NEW}).status_code == 302
    again = holder.post(
        reverse("team:password_reset", args=[token]), {"new_password1": OLD + "x", "new_password2": OLD + "x"}
    )
    assert again.status_code == 404


def test_a_weak_new_password_is_refused_and_the_link_still_works(member, staff):
    _, token = services.password_reset_create(member=member, created_by=staff)

    response = Client().post(
        reverse("team:password_reset", args=[token]), {"new_password1": "123", "new_password2": "123"}
    )

    assert response.status_code == 422
    assert "too short" in response.content.decode()
    assert Client().get(reverse("team:password_reset", args=[token])).status_code == 200


def test_reset_links_expire_and_unknown_ones_look_the_same(member, staff):
    _, token = services.password_reset_create(member=member, created_by=staff)
    with time_machine.travel(timezone.now() + services.PASSWORD_RESET_LIFETIME + timedelta(seconds=1)):
        expired = Client().get(reverse("team:password_reset", args=[token]))
    unknown = Client().get(reverse("team:password_reset", args=["x" * 43]))

    assert expired.status_code == unknown.status_code == 404
    assert expired.content == unknown.content


def test_using_a_reset_link_lifts_the_sign_in_lockout(member, staff, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for n in range(3):
        Client().post("/login/", {"username": member.username, "password": f"guess-{n}"})
    assert Client().post("/login/", {"username": member.username, "password": OLD}).status_code == 429
    _, token = services.password_reset_create(member=member, created_by=staff)

    Client().post(reverse("team:password_reset", args=[token]), {"new_password1": NEW, "new_password2": NEW})

    assert Client().post("/login/", {"username": member.username, "password": NEW}).status_code == 302
    assert get_user_model().objects.get(pk=member.pk).check_password(NEW)
