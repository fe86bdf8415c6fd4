"""The admin index lists what staff run the team with, not the plumbing libraries register (issue 15)."""

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PLUMBING = {
    "Task results": "/admin/django_tasks_db/",
    "Access attempts": "/admin/axes/accessattempt/",
    "Access failures": "/admin/axes/accessfailurelog/",
    "Access logs": "/admin/axes/accesslog/",
    "Groups": "/admin/auth/group/",
    "Rate limit counters": "/admin/sharing/ratelimitcounter/",
}
KEPT = ["Users", "Generations", "Image models", "Share links", "Invites", "Images", "Collections"]


def test_the_admin_index_and_side_bar_leave_out_the_plumbing(staff_client):
    index = staff_client.get("/admin/").content.decode()
    side_bar = staff_client.get("/admin/imagegen/generation/").content.decode()

    for page in (index, side_bar):
        for name, address in PLUMBING.items():
            assert address not in page, name
            assert f">{name}<" not in page, name
    for name in KEPT:
        assert f">{name}<" in index, name
    assert "Tasks database backend" not in index
    assert "Axes" not in index


def test_the_plumbing_pages_still_open_by_their_address(staff_client):
    for address in ["/admin/axes/accessattempt/", "/admin/auth/group/", "/admin/sharing/ratelimitcounter/"]:
        assert staff_client.get(address).status_code == 200, address
    assert (
        "/admin/sharing/ratelimitcounter/" in staff_client.get("/admin/sharing/sharelink/").content.decode()
    )


def test_staff_still_unlock_a_locked_out_member_from_the_members_page(staff_client, member, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        Client(REMOTE_ADDR="198.51.100.66").post(
            "/login/", {"username": member.username, "password": f"x{n}"}
        )
    assert (
        Client()
        .post("/login/", {"username": member.username, "password": "a-long-test-password"})
        .status_code
        == 429
    )

    page = staff_client.get(reverse("admin:auth_user_change", args=[member.pk])).content.decode()
    assert "sign-in is locked" in page
    unlock = reverse("admin:auth_user_unlock", args=[member.pk])
    assert f'action="{unlock}"' in page

    response = staff_client.post(unlock, follow=True)

    assert "Unlocked sign-in for mira" in response.content.decode()
    assert not AccessAttempt.objects.filter(username=member.username).exists()
    assert (
        Client()
        .post("/login/", {"username": member.username, "password": "a-long-test-password"})
        .status_code
        == 302
    )
