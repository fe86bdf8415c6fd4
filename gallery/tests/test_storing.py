"""Storing an image: original bytes unchanged under a content-hash name, a WebP thumbnail, no orphans."""

import errno
import hashlib
import io

import pytest
from django.db import IntegrityError, transaction
from PIL import Image as PILImage

from gallery import files, services, serving
from gallery.models import Image
from tests.fixtures.images import png_bytes
from tests.fixtures.media import stored as in_storage
from tests.fixtures.media import stored_names
from tests.fixtures.s3 import media_backend

pytestmark = [pytest.mark.django_db, pytest.mark.media]


def test_original_is_kept_byte_for_byte_under_its_hash_with_a_webp_thumbnail(member):
    data = png_bytes(1024, 768)
    stored = services.image_files_store(data=data, image_format="PNG")
    sha = hashlib.sha256(data).hexdigest()

    assert stored.file_name == f"images/{sha[:2]}/{sha}.png"
    assert in_storage(stored.file_name).read_bytes() == data
    with PILImage.open(io.BytesIO(in_storage(stored.thumbnail_name).read_bytes())) as thumb:
        assert thumb.format == "WEBP"
        assert thumb.size == (512, 384)
    assert (stored.thumbnail_width, stored.thumbnail_height) == (512, 384)


def test_image_row_records_what_was_asked_and_what_came(member):
    data = png_bytes(1344, 768)
    stored = services.image_files_store(data=data, image_format="PNG")
    with transaction.atomic():
        image = services.image_create(
            owner=member,
            stored=stored,
            mime_type="image/png",
            image_format="PNG",
            width=1344,
            height=768,
            prompt="a fox",
            model_slug="m/x",
            aspect_ratio="16:9",
        )
    assert image.aspect_matches is True
    assert image.byte_size == len(data)
    with transaction.atomic():
        other = services.image_create(
            owner=member,
            stored=stored,
            mime_type="image/png",
            image_format="PNG",
            width=1344,
            height=768,
            prompt="a fox",
            model_slug="m/x",
            aspect_ratio="1:1",
        )
    assert other.aspect_matches is False


@pytest.mark.django_db(transaction=True)
def test_image_create_refuses_to_run_outside_a_transaction(member):
    stored = services.image_files_store(data=png_bytes(), image_format="PNG")
    with pytest.raises(RuntimeError):
        services.image_create(
            owner=member,
            stored=stored,
            mime_type="image/png",
            image_format="PNG",
            width=64,
            height=64,
            prompt="x",
            model_slug="m/x",
        )


def test_a_failed_row_leaves_no_orphan_file(member):
    stored = services.image_files_store(data=png_bytes(), image_format="PNG")
    assert len(stored_names()) == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        Image.objects.create(
            owner=member,
            file_name=stored.file_name,
            thumbnail_name=stored.thumbnail_name,
            sha256=stored.sha256,
            mime_type="image/png",
            format="PNG",
            width=None,
            height=64,
            byte_size=1,
            thumbnail_width=1,
            thumbnail_height=1,
            prompt="x",
            model_slug="m",
        )
    services.image_files_discard(stored=stored)
    assert stored_names() == []


def test_discard_keeps_files_another_row_uses(member, make_image):
    image = make_image(owner=member)
    again = services.image_files_store(data=in_storage(image.file_name).read_bytes(), image_format="PNG")
    assert again.created_names == ()
    services.image_files_discard(stored=again)
    assert in_storage(image.file_name).exists()


@pytest.mark.skipif(media_backend() == "s3", reason="a full disk is a disk's failure; S3 writes are whole")
def test_a_full_disk_leaves_no_partial_file_at_the_final_path(member, monkeypatch):
    real_fdopen = files.os.fdopen

    class FullDisk(io.RawIOBase):
        def __init__(self, handle):
            self.handle = handle

        def write(self, data):
            self.handle.write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")

        def fileno(self):
            return self.handle.fileno()

        def close(self):
            self.handle.close()

    monkeypatch.setattr(files.os, "fdopen", lambda fd, mode: FullDisk(real_fdopen(fd, mode)))
    with pytest.raises(OSError, match="No space left"):
        services.image_files_store(data=png_bytes(), image_format="PNG")
    assert stored_names() == []


def test_thumbnail_of_a_1024_png_is_quick_enough_to_make_at_save_time():
    # Correctness only here; bench/bench_gallery.py measures the time.
    thumb = files.make_thumbnail(png_bytes(1024, 1024))
    assert (thumb.width, thumb.height) == (512, 512)


def _decoded(data: bytes) -> PILImage.Image:
    picture = PILImage.open(io.BytesIO(data))
    picture.load()
    return picture


@pytest.mark.parametrize(
    ("size", "expected"), [((1024, 1024), (512, 512)), ((1344, 768), (512, 293)), ((300, 200), (300, 200))]
)
def test_a_thumbnail_from_decoded_pixels_is_the_one_made_from_the_file(size, expected):
    data = png_bytes(*size)

    from_pixels = files.thumbnail_from_pixels(_decoded(data))

    assert (from_pixels.width, from_pixels.height) == expected
    assert from_pixels == files.make_thumbnail(data)
    with PILImage.open(io.BytesIO(from_pixels.data)) as thumbnail:
        assert (thumbnail.format, thumbnail.size) == ("WEBP", expected)


@pytest.mark.parametrize(
    ("mode", "colour", "expected_mode"),
    [("RGBA", (10, 20, 30, 0), "RGBA"), ("P", 3, "RGB"), ("L", 128, "RGB"), ("RGB", (9, 8, 7), "RGB")],
)
def test_a_thumbnail_keeps_transparency_and_makes_everything_else_rgb(mode, colour, expected_mode):
    out = io.BytesIO()
    PILImage.new(mode, (1024, 512), colour).save(out, "PNG")

    thumbnail = files.thumbnail_from_pixels(_decoded(out.getvalue()))

    with PILImage.open(io.BytesIO(thumbnail.data)) as shown:
        assert shown.size == (512, 256)
        assert shown.mode == expected_mode


def test_storing_uses_a_thumbnail_already_made_and_decodes_nothing_again(member, monkeypatch):
    data = png_bytes(1024, 1024)
    made = files.thumbnail_from_pixels(_decoded(data))
    monkeypatch.setattr(files, "make_thumbnail", lambda *a, **k: pytest.fail("decoded a second time"))

    stored = services.image_files_store(data=data, image_format="PNG", thumbnail=made)

    assert in_storage(stored.thumbnail_name).read_bytes() == made.data
    assert (stored.thumbnail_width, stored.thumbnail_height) == (512, 512)


def test_zip_response_streams_the_originals_byte_for_byte(member, make_image):
    import zipfile

    first = make_image(owner=member, prompt="fox", color=(1, 2, 3))
    second = make_image(owner=member, prompt="fox", color=(4, 5, 6))
    entries = [(image.file_name, "fox.png", image.byte_size) for image in (first, second)]

    response = serving.zip_response(entries=entries, filename="foxes.zip")
    body = b"".join(response.streaming_content)

    assert int(response["Content-Length"]) == len(body)
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.namelist() == ["fox.png", "fox-2.png"]
    assert archive.read("fox.png") == in_storage(first.file_name).read_bytes()
    assert archive.read("fox-2.png") == in_storage(second.file_name).read_bytes()
