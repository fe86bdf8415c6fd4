"""Who may do what, for every URL in the URL conf: one row per URL, one column per role.

The rows are in access_table.py. A new URL without a row fails `test_every_url_has_a_row`. Admin URLs are
one family: only staff get past the admin's own sign-in. Mutating rows also check their effect, not only
the status code. (sharing/tests/test_access_matrix.py goes deeper into the share feature's roles and
passwords.)
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.fixtures.world import ANON, OTHER, OWNER, ROLES, STAFF
from tests.security.access_table import LOGIN, ROWS

pytestmark = pytest.mark.django_db


def _url_names(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _url_names(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_url_has_a_row():
    names = [name for name in _url_names(get_resolver().url_patterns) if not name.startswith("admin:")]
    assert sorted(set(names)) == sorted(row.name for row in ROWS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_access(world, row, role):
    client = world.clients[role]
    path = row.path(world, role)
    response = client.generic(
        row.method, path, data=_encode(row.data(world)), content_type="application/x-www-form-urlencoded"
    )
    expected = row.expected[role]
    if expected == LOGIN:
        assert response.status_code == 302, (path, response.status_code)
        assert response["Location"].startswith("/login/?next="), response["Location"]
    else:
        assert response.status_code == expected, (path, response.status_code)
    if row.effect:
        row.effect(world, role)  # signed-out and refused attempts must change nothing


def _encode(data: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(data, doseq=True)


# --- the admin: one family -----------------------------------------------------------------------


def _admin_paths():
    from django.contrib import admin

    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        yield f"admin:{info[0]}_{info[1]}_changelist", reverse(f"admin:{info[0]}_{info[1]}_changelist")
        yield f"admin:{info[0]}_{info[1]}_add", reverse(f"admin:{info[0]}_{info[1]}_add")


def test_every_admin_url_needs_staff(world):
    paths = [("admin:index", reverse("admin:index")), *_admin_paths()]
    for name, path in paths:
        for role in (ANON, OWNER, OTHER):
            response = world.clients[role].get(path)
            assert response.status_code == 302, (name, role, response.status_code)
            # Signed out: Easel's sign-in first; signed in but not staff: the admin's own sign-in.
            assert response["Location"].startswith(("/login/", "/admin/login/")), (name, role)
        staff_status = world.clients[STAFF].get(path).status_code
        assert staff_status in (200, 403), (name, staff_status)  # 403: a log that can't be added to by hand


def test_admin_object_pages_need_staff(world):
    user_model = get_user_model()._meta
    change = reverse(
        f"admin:{user_model.app_label}_{user_model.model_name}_change", args=[world.image.owner_id]
    )
    generation = reverse("admin:imagegen_generation_change", args=[world.generation.pk])
    for path in (change, generation):
        for role in (ANON, OWNER, OTHER):
            assert world.clients[role].get(path).status_code == 302
        assert world.clients[STAFF].get(path).status_code == 200
