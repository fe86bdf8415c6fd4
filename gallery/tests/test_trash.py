"""The trash: delete moves images there, restore brings them back, purging removes rows then files."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from gallery import services
from gallery.models import Collection, Favourite, Image
from gallery.signals import images_trashed
from gallery.tests.helpers import stored
from imagegen.models import Generation, GenerationReference, ImageModel

pytestmark = [pytest.mark.django_db, pytest.mark.media]


@pytest.mark.django_db(transaction=True)  # no test transaction around it: only the service's own counts
def test_trashing_marks_the_images_and_tells_share_links_inside_the_transaction(member, make_image):
    first, second = make_image(owner=member, color=(1, 1, 1)), make_image(owner=member, color=(2, 2, 2))
    heard = []

    def receiver(sender, image_ids, **kwargs):
        heard.append((sender, sorted(image_ids), transaction.get_connection().in_atomic_block))

    images_trashed.connect(receiver)
    try:
        trashed = services.image_trash(actor=member, images=[first, second])
    finally:
        images_trashed.disconnect(receiver)

    assert trashed == sorted([first.pk, second.pk])
    assert heard == [(Image, sorted([first.pk, second.pk]), True)]
    assert Image.objects.filter(trashed_at__isnull=False).count() == 2
    # The files stay: the owner can still restore.
    assert stored(first.file_name).exists()
    assert stored(first.thumbnail_name).exists()


def test_trashing_twice_changes_nothing_and_says_nothing(member, make_image):
    image = make_image(owner=member)
    services.image_trash(actor=member, images=[image])
    when = Image.objects.get(pk=image.pk).trashed_at
    heard = []

    def receiver(sender, image_ids, **kwargs):
        heard.append(image_ids)

    images_trashed.connect(receiver)
    try:
        assert services.image_trash(actor=member, images=[image]) == []
    finally:
        images_trashed.disconnect(receiver)
    assert heard == []
    assert Image.objects.get(pk=image.pk).trashed_at == when


def test_only_the_owner_or_staff_may_trash(member, other_member, staff, make_image):
    image = make_image(owner=member)
    with pytest.raises(PermissionDenied):
        services.image_trash(actor=other_member, images=[image])
    assert services.image_trash(actor=staff, images=[image]) == [image.pk]
    with pytest.raises(PermissionDenied):
        services.image_restore(actor=other_member, images=[image])


def test_restore_brings_an_image_back_with_its_collections_and_stars(member, member_client, make_image):
    image = make_image(owner=member)
    collection = Collection.objects.create(owner=member, title="Foxes")
    services.collection_add_images(actor=member, collection=collection, images=[image])
    Favourite.objects.create(member=member, image=image)
    services.image_trash(actor=member, images=[image])
    assert (
        f"/gallery/images/{image.pk}/"
        not in member_client.get(f"/gallery/collections/{collection.pk}/").content.decode()
    )

    response = member_client.post(reverse("gallery:selection_restore"), {"image": [image.pk]}, follow=True)
    assert "Restored 1 image to the gallery." in response.content.decode()
    assert Image.objects.get(pk=image.pk).trashed_at is None
    assert (
        f"/gallery/images/{image.pk}/"
        in member_client.get(f"/gallery/collections/{collection.pk}/").content.decode()
    )
    assert Favourite.objects.filter(image=image).exists()


def test_delete_from_the_image_page_goes_back_to_the_grid_with_a_message(member, member_client, make_image):
    image = make_image(owner=member)
    response = member_client.post(
        reverse("gallery:selection_trash"), {"image": [image.pk], "next": "/gallery/?q=fox"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/gallery/?q=fox"
    html = member_client.get("/gallery/trash/").content.decode()
    assert "Moved 1 image to the trash. You can restore it there for 30 days." in html


def test_a_next_url_elsewhere_is_ignored(member, member_client, make_image):
    image = make_image(owner=member)
    response = member_client.post(
        reverse("gallery:selection_trash"), {"image": [image.pk], "next": "https://evil.example/"}
    )
    assert response["Location"] == "/gallery/"


def test_the_trash_page_lists_the_members_own_trash_and_staff_see_all(
    member, other_member, member_client, staff_client, make_image
):
    mine = make_image(owner=member, prompt="Mine", color=(1, 1, 1))
    theirs = make_image(owner=other_member, prompt="Theirs", color=(2, 2, 2))
    services.image_trash(actor=member, images=[mine])
    services.image_trash(actor=other_member, images=[theirs])

    html = member_client.get(reverse("gallery:trash")).content.decode()
    assert f"/gallery/images/{mine.pk}/" in html
    assert f"/gallery/images/{theirs.pk}/" not in html
    assert "Restore selected" in html
    assert "Empty trash" in html
    assert f'<input type="checkbox" name="image" value="{mine.pk}" form="trash-selection">' in html
    gone_on = (Image.objects.get(pk=mine.pk).trashed_at + dt.timedelta(days=30)).strftime("%-d %b %Y")
    assert f"gone for good {gone_on}" in html

    staff_html = staff_client.get(reverse("gallery:trash")).content.decode()
    assert f"/gallery/images/{mine.pk}/" in staff_html
    assert f"/gallery/images/{theirs.pk}/" in staff_html


def test_emptying_the_trash_deletes_rows_then_files_after_the_commit(
    member, member_client, make_image, django_capture_on_commit_callbacks
):
    image = make_image(owner=member)
    services.image_trash(actor=member, images=[image])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = member_client.post(reverse("gallery:trash_empty"), follow=True)
    assert "Deleted 1 image for good." in response.content.decode()
    assert not Image.objects.filter(pk=image.pk).exists()
    # Committed rows first; the files are still there until the commit callbacks run.
    assert stored(image.file_name).exists()
    assert stored(image.thumbnail_name).exists()
    assert len(callbacks) == 1
    callbacks[0]()
    assert not stored(image.file_name).exists()
    assert not stored(image.thumbnail_name).exists()


def test_a_rolled_back_purge_keeps_rows_and_files(member, make_image, django_capture_on_commit_callbacks):
    image = make_image(owner=member)
    services.image_trash(actor=member, images=[image])
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():  # noqa: PT012
        services.trash_empty(actor=member)
        raise RuntimeError("the commit fails")
    assert Image.objects.filter(pk=image.pk).exists()
    assert stored(image.file_name).exists()
    assert stored(image.thumbnail_name).exists()


def test_a_file_shared_with_another_image_is_kept(
    member, other_member, make_image, django_capture_on_commit_callbacks
):
    mine = make_image(owner=member, color=(7, 7, 7))
    theirs = make_image(owner=other_member, color=(7, 7, 7))  # the same bytes: the same stored files
    assert mine.file_name == theirs.file_name
    services.image_trash(actor=member, images=[mine])
    with django_capture_on_commit_callbacks(execute=True):
        services.trash_empty(actor=member)
    assert stored(mine.file_name).exists()
    assert stored(mine.thumbnail_name).exists()

    services.image_trash(actor=other_member, images=[theirs])
    with django_capture_on_commit_callbacks(execute=True):
        services.trash_empty(actor=other_member)
    assert not stored(mine.file_name).exists()
    assert not stored(mine.thumbnail_name).exists()


def test_a_file_used_as_a_generation_reference_is_kept(
    member, make_image, django_capture_on_commit_callbacks
):
    image = make_image(owner=member)
    model = ImageModel.objects.create(openrouter_id="m/x", name="X")
    generation = Generation.objects.create(member=member, model=model, prompt="p", aspect_ratio="1:1")
    GenerationReference.objects.create(
        generation=generation,
        file_name=image.file_name,
        mime_type="image/png",
        sha256=image.sha256,
        width=1,
        height=1,
        byte_size=1,
        source_image=image,
    )
    services.image_trash(actor=member, images=[image])
    with django_capture_on_commit_callbacks(execute=True):
        services.trash_empty(actor=member)
    assert stored(image.file_name).exists()
    assert not stored(image.thumbnail_name).exists()
    assert GenerationReference.objects.get().source_image is None


def test_emptying_takes_only_the_members_own_trash(member, other_member, make_image):
    mine = make_image(owner=member, color=(1, 1, 1))
    theirs = make_image(owner=other_member, color=(2, 2, 2))
    services.image_trash(actor=member, images=[mine])
    services.image_trash(actor=other_member, images=[theirs])
    assert services.trash_empty(actor=member) == 1
    assert Image.objects.filter(pk=theirs.pk).exists()


def test_images_go_for_good_only_after_the_trash_period(
    settings, member, make_images, django_capture_on_commit_callbacks
):
    settings.TRASH_DAYS = 30
    old, recent, kept = make_images(3, owner=member)
    start = timezone.now()
    Image.objects.filter(pk=old.pk).update(trashed_at=start - dt.timedelta(days=30, minutes=1))
    Image.objects.filter(pk=recent.pk).update(trashed_at=start - dt.timedelta(days=29, hours=23))

    with time_machine.travel(start, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert services.trash_purge_expired() == 1
    assert set(Image.objects.values_list("pk", flat=True)) == {recent.pk, kept.pk}
    # `recent` and `kept` share the file `old` had: it stays.
    assert stored(old.file_name).exists()

    with time_machine.travel(start + dt.timedelta(hours=2), tick=False):
        assert services.trash_purge_expired() == 1
    assert list(Image.objects.values_list("pk", flat=True)) == [kept.pk]


def test_the_purge_trash_command(settings, member, make_image, capsys, django_capture_on_commit_callbacks):
    image = make_image(owner=member)
    Image.objects.filter(pk=image.pk).update(trashed_at=timezone.now() - dt.timedelta(days=31))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_trash")
    assert "Purged 1 image trashed over 30 days ago." in capsys.readouterr().out
    assert not Image.objects.filter(pk=image.pk).exists()
    assert not stored(image.file_name).exists()


def test_a_large_trash_is_purged_in_several_small_transactions(monkeypatch, member, make_images):
    monkeypatch.setattr(services, "PURGE_BATCH", 2)
    images = make_images(5, owner=member)
    services.image_trash(actor=member, images=images)
    batches = []
    real = services.images_purge

    def spy(*, image_ids):
        batches.append(list(image_ids))
        return real(image_ids=image_ids)

    monkeypatch.setattr(services, "images_purge", spy)
    assert services.trash_empty(actor=member) == 5
    assert [len(batch) for batch in batches] == [2, 2, 1]
