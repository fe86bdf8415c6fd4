"""Fixtures for the share-link tests (the shared ones — members, clients, make_image — come from tests/fixtures/)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from gallery.models import Collection, CollectionItem
from sharing import services
from sharing.models import Expiry


@pytest.fixture
def stranger():
    """Someone outside the team holding a link: a browser with no session."""
    return Client()


@pytest.fixture
def image(make_image, member):
    return make_image(
        owner=member, prompt="a red fox in the snow", color=(200, 60, 40), cost_usd=Decimal("0.039")
    )


@pytest.fixture
def make_collection(make_image, member):
    def make(*, owner=None, title="Winter foxes", images=None, count=3):
        owner = owner or member
        collection = Collection.objects.create(
            owner=owner, title=title, description="Internal: for the pitch"
        )
        if images is None:
            images = [
                make_image(owner=owner, prompt=f"fox number {n}", color=(10 * n, 100, 200))
                for n in range(count)
            ]
        for n, item in enumerate(images):
            CollectionItem.objects.create(
                collection=collection, image=item, added_at=timezone.now() + timedelta(seconds=n)
            )
        return collection

    return make


@pytest.fixture
def make_link(member):
    """`make_link(target, password=..., allow_download=..., ...)` → CreatedLink (link and its token)."""

    def make(target, *, created_by=None, expiry=Expiry.MONTH, **options):
        return services.link_create(created_by=created_by or member, target=target, expiry=expiry, **options)

    return make
