"""The world of the access-control table and the hostile-input tests: a member's image, trash,
collection, failed generation, share links and an invite, seen by five roles."""

from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone

from core.tokens import new_token
from gallery.models import Collection, CollectionItem, Image
from imagegen.models import Generation
from sharing import services as sharing_services
from sharing.models import ShareLink
from team import services as team_services

ANON, OWNER, OTHER, STAFF, HOLDER = "anonymous", "member", "another member", "staff", "link holder"
ROLES = [ANON, OWNER, OTHER, STAFF, HOLDER]


@dataclass
class World:
    clients: dict[str, Client]
    image: Image  # the member's image, in the gallery and in their collection
    trashed: Image  # the member's image in their trash
    collection: Collection
    generation: Generation  # the member's failed generation
    link: ShareLink  # the member's open link to the image
    token: str
    collection_token: str
    invite_token: str

    def token_for(self, role: str) -> str:
        # Signed-in members hold the link too: being signed in must open nothing more on the public side.
        return new_token() if role == ANON else self.token


@pytest.fixture
def world(member, other_member, staff, make_image, image_models) -> World:
    image = make_image(owner=member, prompt="the member's fox", color=(1, 1, 1))
    trashed = make_image(owner=member, prompt="an old draft", color=(2, 2, 2))
    Image.objects.filter(pk=trashed.pk).update(trashed_at=timezone.now())
    collection = Collection.objects.create(owner=member, title="Foxes")
    CollectionItem.objects.create(collection=collection, image=image)
    generation = Generation.objects.create(
        member=member,
        model=image_models["google/gemini-2.5-flash-image"],
        prompt="a failed castle",
        aspect_ratio="1:1",
        image_size="1K",
        status=Generation.Status.FAILED,
        stage=Generation.Stage.FAILED,
        error_kind="out_of_credits",
        error_message="Out of credits.",
    )
    link = sharing_services.link_create(created_by=member, target=image, expiry="30d")
    collection_link = sharing_services.link_create(created_by=member, target=collection, expiry="30d")
    _, invite_token = team_services.invite_create(created_by=staff)
    clients = {role: Client() for role in ROLES}
    clients[OWNER].force_login(member)
    clients[OTHER].force_login(other_member)
    clients[STAFF].force_login(staff)
    return World(
        clients,
        image,
        trashed,
        collection,
        generation,
        link.link,
        link.token,
        collection_link.token,
        invite_token,
    )
