"""The access-control table: one row per URL in the URL conf, one column per role, the answer each role gets.

test_access_control.py checks every cell and that every URL has a row; test_hostile_input.py sends every
POST row without its CSRF token.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse

from compare.models import BoardCell
from core.tokens import new_token
from gallery.models import Collection, CollectionItem, Image
from imagegen.models import Generation
from sharing.models import ShareLink
from tests.fixtures.world import ANON, HOLDER, OTHER, OWNER, ROLES, STAFF, World

LOGIN = "→login"  # a redirect to the sign-in page


@dataclass
class Row:
    name: str
    method: str
    path: Callable[[World, str], str]
    expected: dict[str, int | str]
    data: Callable[[World], dict] = lambda world: {}
    effect: Callable[[World, str], None] | None = None  # asserts what the request changed, per role
    headers: dict = field(default_factory=dict)


def members(status, *, anonymous=LOGIN, owner=None, other=None, staff=None) -> dict[str, int | str]:
    """The common shape: signed-out people go to sign in; members get `status` unless said otherwise."""
    return {
        ANON: anonymous,
        HOLDER: anonymous,
        OWNER: owner or status,
        OTHER: other or status,
        STAFF: staff or status,
    }


def url(name, *args):
    return lambda world, role: reverse(name, args=[a(world) if callable(a) else a for a in args])


def trashed_only_by(*roles):
    def check(world, role):
        assert Image.objects.get(pk=world.image.pk).is_trashed == (role in roles)

    return check


def restored_only_by(*roles):
    def check(world, role):
        assert (not Image.objects.get(pk=world.trashed.pk).is_trashed) == (role in roles)

    return check


def purged_only_by(*roles):
    def check(world, role):
        assert (not Image.objects.filter(pk=world.trashed.pk).exists()) == (role in roles)

    return check


def collection_gone_only_by(*roles):
    def check(world, role):
        assert (not Collection.objects.filter(pk=world.collection.pk).exists()) == (role in roles)

    return check


def removed_from_collection_only_by(*roles):
    def check(world, role):
        inside = CollectionItem.objects.filter(collection=world.collection, image=world.image).exists()
        assert (not inside) == (role in roles)

    return check


def link_revoked_only_by(*roles):
    def check(world, role):
        assert (ShareLink.objects.get(pk=world.link.pk).revoked_at is not None) == (role in roles)

    return check


def retried_only_by(*roles):
    def check(world, role):
        assert Generation.objects.filter(retry_of=world.generation).exists() == (role in roles)

    return check


def best_picked_only_by(*roles):
    def check(world, role):
        assert BoardCell.objects.filter(board=world.board, is_best=True).exists() == (role in roles)

    return check


def board_pk(world):
    return world.board.pk


def image_pk(world):
    return world.image.pk


def share(name, *extra):
    return lambda world, role: reverse(name, args=[world.token_for(role), *(a(world) for a in extra)])


SHARE_ALL = {ANON: 404, OWNER: 200, OTHER: 200, STAFF: 200, HOLDER: 200}

ROWS = [
    Row("healthz", "GET", url("healthz"), dict.fromkeys(ROLES, 200)),
    Row("healthz_work", "GET", url("healthz_work"), dict.fromkeys(ROLES, 200)),
    Row("favicon", "GET", url("favicon"), dict.fromkeys(ROLES, 301)),
    Row("login", "GET", url("login"), {ANON: 200, HOLDER: 200, OWNER: 302, OTHER: 302, STAFF: 302}),
    Row("logout", "POST", url("logout"), dict.fromkeys(ROLES, 302)),
    # Compare: a board is its maker's (and staff's), like a generation
    Row("compare:compare", "GET", url("compare:compare"), members(200)),
    Row("compare:compare_settings", "GET", url("compare:compare_settings"), members(200)),
    Row("compare:board_list", "GET", url("compare:board_list"), members(200)),
    Row("compare:board_detail", "GET", url("compare:board_detail", board_pk), members(200, other=404)),
    Row("compare:board_columns", "GET", url("compare:board_columns", board_pk), members(200, other=404)),
    Row(
        "compare:board_best",
        "POST",
        url("compare:board_best", board_pk),
        members(302, other=404),
        data=lambda world: {"cell": world.board_cell.pk},
        effect=best_picked_only_by(OWNER, STAFF),
    ),
    # Generate
    Row("imagegen:generate", "GET", url("imagegen:generate"), members(200)),
    Row("imagegen:model_options", "GET", url("imagegen:model_options"), members(200)),
    Row(
        "imagegen:generation_card",
        "GET",
        url("imagegen:generation_card", lambda w: w.generation.pk),
        members(200, other=404),
    ),
    Row(
        # Everyone signed in gets an answer; it holds only their own cards (test_generate_page checks).
        "imagegen:generation_updates",
        "GET",
        lambda w, role: reverse("imagegen:generation_updates") + f"?live={w.generation.pk}",
        members(200),
    ),
    Row(
        "imagegen:generation_retry",
        "POST",
        url("imagegen:generation_retry", lambda w: w.generation.pk),
        members(302, other=404),
        effect=retried_only_by(OWNER, STAFF),
    ),
    Row(
        "imagegen:generation_reference_file",
        "GET",
        url("imagegen:generation_reference_file", lambda w: w.generation.pk, 0),
        members(200, other=404),
    ),
    Row(
        # A kept upload is its member's alone (staff included: nobody else has a reason to see it).
        "imagegen:pending_reference_file",
        "GET",
        url("imagegen:pending_reference_file", lambda w: w.pending_reference_id),
        members(200, other=404, staff=404),
    ),
    Row(
        "imagegen:run_again_exactly",
        "POST",
        url("imagegen:run_again_exactly", image_pk),
        members(302),
    ),
    # Gallery
    Row("gallery:index", "GET", url("gallery:index"), members(200)),
    Row("gallery:image_detail", "GET", url("gallery:image_detail", image_pk), members(200)),
    Row("gallery:image_file", "GET", url("gallery:image_file", image_pk, "thumbnail"), members(200)),
    Row("gallery:image_download", "GET", url("gallery:image_download", image_pk), members(200)),
    Row("gallery:image_details_json", "GET", url("gallery:image_details_json", image_pk), members(200)),
    Row("gallery:image_lineage", "GET", url("gallery:image_lineage", image_pk), members(200)),
    Row(
        "gallery:image_favourite",
        "POST",
        url("gallery:image_favourite", image_pk),
        members(302),
        data=lambda w: {"favourite": "1"},
    ),
    Row(
        "gallery:selection_zip",
        "POST",
        url("gallery:selection_zip"),
        members(200),
        data=lambda w: {"image": [w.image.pk]},
    ),
    Row(
        "gallery:selection_collect",
        "POST",
        url("gallery:selection_collect"),
        members(302),
        data=lambda w: {"image": [w.image.pk], "collection": w.collection.pk},
    ),
    Row(
        "gallery:selection_trash",
        "POST",
        url("gallery:selection_trash"),
        members(302),
        data=lambda w: {"image": [w.image.pk]},
        effect=trashed_only_by(OWNER, STAFF),
    ),
    Row(
        "gallery:selection_restore",
        "POST",
        url("gallery:selection_restore"),
        members(302),
        data=lambda w: {"image": [w.trashed.pk]},
        effect=restored_only_by(OWNER, STAFF),
    ),
    Row("gallery:trash", "GET", url("gallery:trash"), members(200)),
    Row(
        "gallery:trash_empty",
        "POST",
        url("gallery:trash_empty"),
        members(302),
        effect=purged_only_by(OWNER, STAFF),
    ),
    Row("gallery:collection_list", "GET", url("gallery:collection_list"), members(200)),
    Row(
        "gallery:collection_create",
        "POST",
        url("gallery:collection_create"),
        members(302),
        data=lambda w: {"title": "New ones"},
    ),
    Row(
        "gallery:collection_detail",
        "GET",
        url("gallery:collection_detail", lambda w: w.collection.pk),
        members(200),
    ),
    Row(
        "gallery:collection_edit",
        "GET",
        url("gallery:collection_edit", lambda w: w.collection.pk),
        members(200, other=403),
    ),
    Row(
        "gallery:collection_delete",
        "POST",
        url("gallery:collection_delete", lambda w: w.collection.pk),
        members(302, other=403),
        effect=collection_gone_only_by(OWNER, STAFF),
    ),
    Row(
        "gallery:collection_remove",
        "POST",
        url("gallery:collection_remove", lambda w: w.collection.pk),
        members(302, other=403),
        data=lambda w: {"image": [w.image.pk]},
        effect=removed_from_collection_only_by(OWNER, STAFF),
    ),
    # Share links: the member side
    Row("sharing:link_list", "GET", url("sharing:link_list"), members(200)),
    Row(
        "sharing:create",
        "GET",
        lambda w, role: reverse("sharing:create") + f"?image={w.image.pk}",
        members(200, other=403),
    ),
    Row(
        "sharing:link_detail", "GET", url("sharing:link_detail", lambda w: w.link.pk), members(200, other=404)
    ),
    Row(
        "sharing:revoke",
        "POST",
        url("sharing:revoke", lambda w: w.link.pk),
        members(302, other=404),
        effect=link_revoked_only_by(OWNER, STAFF),
    ),
    Row(
        "sharing:extend",
        "POST",
        url("sharing:extend", lambda w: w.link.pk),
        members(302, other=404),
        data=lambda w: {"expiry": "7d"},
    ),
    Row(
        "sharing:link_thumbnail",
        "GET",
        url("sharing:link_thumbnail", lambda w: w.link.pk),
        members(200, other=404),
    ),
    # Share links: the public side (no sign-in; only the token counts)
    Row("share:page", "GET", share("share:page"), SHARE_ALL),
    Row(
        "share:unlock",
        "GET",
        share("share:unlock"),
        {**SHARE_ALL, **dict.fromkeys([OWNER, OTHER, STAFF, HOLDER], 302)},
    ),
    Row("share:original", "GET", share("share:original", image_pk), SHARE_ALL),
    Row("share:thumbnail", "GET", share("share:thumbnail", image_pk), SHARE_ALL),
    Row("share:download", "GET", share("share:download", image_pk), SHARE_ALL),
    Row(
        "share:item",
        "GET",
        lambda w, role: reverse(
            "share:item", args=[w.collection_token if role != ANON else new_token(), w.image.pk]
        ),
        SHARE_ALL,
    ),
    Row(
        "share:zip",
        "GET",
        lambda w, role: reverse("share:zip", args=[w.collection_token if role != ANON else new_token()]),
        SHARE_ALL,
    ),
    Row("share:unknown", "GET", lambda w, role: f"/s/{w.token}/no/such/thing", dict.fromkeys(ROLES, 404)),
    # Team
    Row("team:dashboard", "GET", url("team:dashboard"), members(200, owner=403, other=403)),
    # Public: whoever holds the invite may sign up (a signed-in member is told it switches accounts).
    Row(
        "team:invite",
        "GET",
        lambda w, role: reverse("team:invite", args=[w.invite_token]),
        dict.fromkeys(ROLES, 200),
    ),
    # Every member changes their own password (the form asks for the current one).
    Row("team:password_change", "GET", url("team:password_change"), members(200)),
    # Public: whoever holds the reset link staff made may set that member's password; a made-up token
    # is the same 404 as a used or expired one.
    Row(
        "team:password_reset",
        "GET",
        lambda w, role: reverse("team:password_reset", args=[new_token() if role == ANON else w.reset_token]),
        {**dict.fromkeys(ROLES, 200), ANON: 404},
    ),
]
