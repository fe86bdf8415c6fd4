"""Who may do what, for every URL of the share feature: one row per action, one column per role.

A new share URL without a row here fails `test_every_share_url_has_a_row`.
"""

from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from core.tokens import new_token
from sharing import public_urls, urls
from sharing.models import ShareLink
from sharing.tests.helpers import LINK_PASSWORD, share_url, unlock

pytestmark = pytest.mark.django_db

# Roles. Members reach the public side with the link in hand but without having given its password:
# being signed in must open nothing there.
ANONYMOUS = "anonymous"  # signed out, and without the link (a made-up token)
OWNER = "owner"  # the member who made the link and owns its collection
OTHER = "other member"
STAFF = "staff"
HOLDER = "holder"  # signed out, has the password link, not the password
HOLDER_UNLOCKED = "holder with password"
OPEN_HOLDER = "holder of an open link"  # the same collection, shared without a password
ROLES = [ANONYMOUS, OWNER, OTHER, STAFF, HOLDER, HOLDER_UNLOCKED, OPEN_HOLDER]

LOGIN, UNLOCK, PAGE = "→login", "→unlock", "→page"  # redirects, checked by where they go


@dataclass
class World:
    clients: dict[str, Client]
    tokens: dict[str, str]  # role → the token that role uses on public URLs
    link: ShareLink  # the owner's password link (member URLs act on it)
    image_id: int  # an image in the shared collection, owned by the owner
    collection_id: int


@pytest.fixture
def world(member, other_member, staff, make_collection, make_link) -> World:
    collection = make_collection(count=2)
    locked = make_link(collection, password=LINK_PASSWORD)
    open_link = make_link(collection)
    clients = {role: Client() for role in ROLES}
    clients[OWNER].force_login(member)
    clients[OTHER].force_login(other_member)
    clients[STAFF].force_login(staff)
    unlock(clients[HOLDER_UNLOCKED], locked.token)
    tokens = {role: locked.token for role in ROLES} | {ANONYMOUS: new_token(), OPEN_HOLDER: open_link.token}
    return World(clients, tokens, locked.link, collection.images.first().pk, collection.pk)


@dataclass
class Row:
    name: str  # the URL name, namespace included
    method: str
    expected: dict[str, int | str]  # role → status, or one of the redirects above
    data: dict = field(default_factory=dict)

    def address(self, world: World, role: str) -> str:
        namespace, url_name = self.name.split(":")
        if namespace == "share":
            kwargs = {"token": world.tokens[role]}
            if url_name in ("item", "original", "thumbnail", "download"):
                kwargs["image_id"] = world.image_id
            if url_name == "unknown":
                return f"/s/{world.tokens[role]}/no-such-page"
            return reverse(self.name, kwargs=kwargs)
        if url_name == "create":
            return f"{reverse(self.name)}?collection={world.collection_id}"
        if url_name == "link_list":
            return reverse(self.name)
        return reverse(self.name, args=[world.link.pk])


def members_only(*, owner, other, staff) -> dict[str, int | str]:
    """Member pages: the signed-out roles are sent to sign in."""
    signed_out = {role: LOGIN for role in (ANONYMOUS, HOLDER, HOLDER_UNLOCKED, OPEN_HOLDER)}
    return signed_out | {OWNER: owner, OTHER: other, STAFF: staff}


def public(*, locked, opened=200) -> dict[str, int | str]:
    """Public URLs: without the link nothing; with it, `locked` until the password is given."""
    return {ANONYMOUS: 404, OWNER: locked, OTHER: locked, STAFF: locked, HOLDER: locked} | {
        HOLDER_UNLOCKED: opened,
        OPEN_HOLDER: opened,
    }


ROWS = [
    Row("sharing:link_list", "get", members_only(owner=200, other=200, staff=200)),
    Row("sharing:create", "get", members_only(owner=200, other=403, staff=200)),
    Row("sharing:create", "post", members_only(owner=200, other=403, staff=200), {"expiry": "30d"}),
    Row("sharing:link_detail", "get", members_only(owner=200, other=404, staff=200)),
    Row("sharing:link_thumbnail", "get", members_only(owner=200, other=404, staff=200)),
    Row("sharing:revoke", "post", members_only(owner=302, other=404, staff=302)),
    Row("sharing:extend", "post", members_only(owner=302, other=404, staff=302), {"expiry": "1y"}),
    Row("share:page", "get", public(locked=UNLOCK)),
    Row("share:unlock", "get", public(locked=200, opened=PAGE)),
    Row("share:unlock", "post", public(locked=302, opened=PAGE), {"password": LINK_PASSWORD}),
    Row("share:item", "get", public(locked=UNLOCK)),
    Row("share:original", "get", public(locked=403)),
    Row("share:thumbnail", "get", public(locked=403)),
    Row("share:download", "get", public(locked=403)),
    Row("share:zip", "get", public(locked=403)),
    Row("share:unknown", "get", dict.fromkeys(ROLES, 404)),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"{row.method.upper()} {row.name}")
def test_role_may_do_only_what_it_should(world, row, role):
    client = world.clients[role]
    address = row.address(world, role)

    response = getattr(client, row.method)(address, row.data)

    expected = row.expected[role]
    if expected == LOGIN:
        assert response.status_code == 302, address
        assert response["Location"].startswith("/login/?next="), address
    elif expected == UNLOCK:
        assert response.status_code == 302
        assert response["Location"] == share_url("unlock", world.tokens[role])
    elif expected == PAGE:
        assert response.status_code == 302
        assert response["Location"] == share_url("page", world.tokens[role])
    else:
        assert response.status_code == expected, (row.name, role)


def test_only_the_right_password_unlocks_through_the_matrix_post(world):
    # The matrix's unlock POST carries the right password; a holder with a wrong one stays locked.
    client = world.clients[HOLDER]
    unlock(client, world.tokens[HOLDER], "wrong-password")

    assert client.get(share_url("original", world.tokens[HOLDER], image_id=world.image_id)).status_code == 403


def test_every_share_url_has_a_row():
    names = {f"sharing:{p.name}" for p in urls.urlpatterns if isinstance(p, URLPattern)}
    names |= {f"share:{p.name}" for p in public_urls.urlpatterns if isinstance(p, URLPattern)}
    every_pattern_is_named = len(names) == len(urls.urlpatterns) + len(public_urls.urlpatterns)

    assert every_pattern_is_named
    assert names == {row.name for row in ROWS}
