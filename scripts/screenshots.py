"""Screenshots of Easel's main pages at 1440×900 and 390×844, light and dark, for a reviewer to look at.

    uv run python scripts/screenshots.py [--out DIR] [--dark]

Migrates a fresh SQLite database in a temporary EASEL_DATA_DIR, seeds a small team (an admin, two members,
images of several shapes, a collection, share links, an invite), serves Easel on a free local port in
this process and photographs each page with Debian's Chromium (full page). Nothing outside the
temporary directory and DIR (default easel-shots in the temporary directory) is touched.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import shutil
import sys
import tempfile
import threading
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA_DIR = Path(tempfile.mkdtemp(prefix="easel-shots-"))
os.environ.update(
    EASEL_DATA_DIR=str(DATA_DIR),
    EASEL_STATIC_ROOT=str(DATA_DIR / "static"),
    DJANGO_SETTINGS_MODULE="config.settings",
    DJANGO_ALLOW_ASYNC_UNSAFE="true",
)
os.environ.pop("DATABASE_URL", None)
os.environ.pop("OPENROUTER_API_KEY", None)

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from PIL import Image as PILImage  # noqa: E402
from PIL import ImageDraw  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

import openrouter  # noqa: E402
from compare import services as compare_services  # noqa: E402
from compare.models import Board, BoardCell  # noqa: E402
from gallery import services as gallery_services  # noqa: E402
from gallery.models import Collection, CollectionItem  # noqa: E402
from imagegen.model_sync import models_sync  # noqa: E402
from imagegen.models import Generation, ImageModel  # noqa: E402
from openrouter.standin import StandinServer  # noqa: E402
from sharing import services as sharing_services  # noqa: E402
from team import services as team_services  # noqa: E402

PASSWORD = "a-long-screenshot-password"
# Thumbnails below the fold load lazily, as the member scrolls; load them all before a full-page capture.
LOAD_EVERY_PICTURE = """() => Promise.all([...document.images].map((img) => {
    img.loading = "eager";
    return img.complete ? null : new Promise((done) => { img.onload = img.onerror = done; });
}))"""
SIZES = {"desktop": (1440, 900), "phone": (390, 844)}
SHAPES = [(1024, 1024), (1344, 768), (768, 1344), (1184, 864), (864, 1184), (1536, 672)]
SUBJECTS = [
    "a fox in the snow",
    "a lighthouse at dusk",
    "a teapot robot",
    "an owl at night",
    "a city in fog",
    "a whale singing",
    "a red bicycle",
    "a dragon kite",
    "a quiet forest",
    "a cathedral of glass",
]


def picture(width: int, height: int, seed: int) -> bytes:
    """A gradient with a disc, so thumbnails look like pictures of different shapes, not flat squares."""
    image = PILImage.new("RGB", (width // 4, height // 4))
    draw = ImageDraw.Draw(image)
    for y in range(image.height):
        shade = int(255 * y / image.height)
        draw.line(
            [(0, y), (image.width, y)], fill=((seed * 53 + shade) % 256, (seed * 97) % 256, 255 - shade)
        )
    r = min(image.size) // 3
    draw.ellipse(
        [image.width // 2 - r, image.height // 2 - r, image.width // 2 + r, image.height // 2 + r],
        fill=((seed * 31) % 256, 200, (seed * 71) % 256),
    )
    out = io.BytesIO()
    image.resize((width, height)).save(out, "PNG")
    return out.getvalue()


def _seed_generation_log(images) -> None:
    """A generation for some images (long prompts, every status), so the admin's log has rows to show."""
    models = list(ImageModel.objects.order_by("sort_order"))
    statuses = [Generation.Status.SUCCEEDED] * 5 + [Generation.Status.FAILED, Generation.Status.RUNNING]
    for number, status in enumerate(statuses):
        image = images[number]
        generation = Generation.objects.create(
            member=image.owner,
            model=models[number % len(models)],
            prompt=f"{image.prompt}, in the style of a long, detailed matte painting with soft morning light "
            "and a quiet palette of blues and greys",
            aspect_ratio="1:1",
            count=2 if number % 3 == 0 else 1,
            status=status,
            error_kind="out_of_credits" if status == Generation.Status.FAILED else "",
            error_message=(
                "OpenRouter says the account is out of credits. Ask an admin to add credits."
                if status == Generation.Status.FAILED
                else ""
            ),
            cost_usd=Decimal("0.0387") * (number + 1) if status == Generation.Status.SUCCEEDED else None,
            reserved_usd=Decimal("0.0774") if status == Generation.Status.RUNNING else Decimal(0),
        )
        if status == Generation.Status.SUCCEEDED:
            image.generation = generation
            image.save(update_fields=["generation"])


def seed() -> dict:
    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    users = get_user_model().objects
    admin = users.create_user("sam", password=PASSWORD, is_staff=True, is_superuser=True)
    mira = users.create_user("mira", password=PASSWORD)
    otto = users.create_user("otto", password=PASSWORD)
    # The offline stand-in's catalogue, as `serve` syncs it in demo mode (its models take every control).
    with StandinServer() as server:
        client = openrouter.OpenRouterClient(api_key="sk-or-v1-screenshots", base_url=server.base_url)
        models_sync(client=client, enable_all=True)
    images = []
    for number in range(24):
        width, height = SHAPES[number % len(SHAPES)]
        stored = gallery_services.image_files_store(data=picture(width, height, number), image_format="PNG")
        with transaction.atomic():
            images.append(
                gallery_services.image_create(
                    owner=(mira, otto, admin)[number % 3],
                    stored=stored,
                    mime_type="image/png",
                    image_format="PNG",
                    width=width,
                    height=height,
                    prompt=f"{SUBJECTS[number % len(SUBJECTS)]}, picture {number + 1}",
                    model_slug="google/gemini-2.5-flash-image",
                    model_name="Gemini 2.5 Flash Image",
                    aspect_ratio="1:1",
                )
            )
    _seed_generation_log(images)
    cards = generate_page_cards(admin)
    board = compare_board(admin)
    coast = Collection.objects.create(owner=mira, title="Coast")
    for image in images[:5]:
        if image.owner == mira:
            CollectionItem.objects.create(collection=coast, image=image)
    empty = Collection.objects.create(owner=mira, title="Ideas")
    mira_image = next(image for image in images if image.owner == mira)
    image_link = sharing_services.link_create(
        created_by=mira, target=mira_image, expiry="30d", label="For the client"
    )
    collection_link = sharing_services.link_create(created_by=mira, target=coast, expiry="7d")
    _, invite = team_services.invite_create(created_by=admin)
    _, reset = team_services.password_reset_create(member=otto, created_by=admin)
    return {
        "reset": reset,
        "image": mira_image,
        "coast": coast,
        "empty": empty,
        "image_link": image_link,
        "collection_link": collection_link,
        "invite": invite,
        "edit": cards,
        "board": board,
    }


def generate_page_cards(member) -> object:
    """The Generate page's cards in each state for `member`: done (two images, the model's words said
    twice), one image of four missing, refused by moderation, out of credits, and one still queued."""
    model = ImageModel.objects.get(openrouter_id="google/gemini-2.5-flash-image")
    now = timezone.now()

    def card(prompt: str, count: int = 1, **fields) -> Generation:
        done = {"status": "succeeded", "stage": "done", "started_at": now, "finished_at": now}
        return Generation.objects.create(
            member=member, model=model, prompt=prompt, aspect_ratio="1:1", count=count, **(done | fields)
        )

    def images_of(generation: Generation, count: int, seed_from: int) -> list:
        made = []
        for n in range(count):
            stored = gallery_services.image_files_store(
                data=picture(1024, 1024, seed_from + n), image_format="PNG"
            )
            with transaction.atomic():
                made.append(
                    gallery_services.image_create(
                        owner=member, stored=stored, generation=generation, index=n, mime_type="image/png",
                        image_format="PNG", width=1024, height=1024, prompt=generation.prompt,
                        model_slug=model.openrouter_id, model_name=model.name, aspect_ratio="1:1",
                    )
                )  # fmt: skip
        return made

    out_of_credits = "OpenRouter says the account is out of credits. Ask an admin to add credits."
    card(
        "a castle on a cliff",
        status="failed",
        stage="failed",
        error_kind="out_of_credits",
        error_message=out_of_credits,
    )
    card("a prompt the provider refuses", status="failed", stage="failed", error_kind="moderation",
         error_message="The provider's moderation refused this prompt (violence). Change the prompt.")  # fmt: skip
    partial = card("four kites over a beach", count=4, error_kind="partial",
                   error_message="1 of 4 images failed: the provider had an error. Try again.")  # fmt: skip
    images_of(partial, 3, 40)
    done = card("two owls in a pine", count=2, text="Here is your image.\n\nHere is your image.")
    edited = images_of(done, 2, 50)[0]
    Generation.objects.create(member=member, model=model, prompt="a lighthouse in fog", aspect_ratio="16:9")
    return edited


def compare_board(member) -> Board:
    """A finished board of three models, as the Compare page leaves it: two columns with their image, cost,
    time and provider (one marked Best), one failed with its reason, and the settings one model ignored."""
    picked = [
        "black-forest-labs/flux.2-pro",
        "black-forest-labs/flux.2-klein-4b",
        "google/gemini-3-pro-image-preview",
    ]
    models = [ImageModel.objects.get(openrouter_id=model_id) for model_id in picked]
    board = compare_services.board_create(
        member=member,
        models=models,
        prompt="a paper boat on a rainy street",
        aspect_ratio="1:1",
        image_size="2K",
    )
    started = timezone.now() - dt.timedelta(seconds=20)
    cells = list(board.cells.select_related("generation", "model"))
    for number, cell in enumerate(cells):
        generation = cell.generation
        finished = started + dt.timedelta(seconds=6 + 3 * number)
        if number == 2:
            Generation.objects.filter(pk=generation.pk).update(
                status="failed", stage="failed", started_at=started, finished_at=finished, reserved_usd=0,
                error_kind="provider", error_message="The provider had an error (502). Try again in a minute.",
            )  # fmt: skip
            continue
        cost = Decimal(("0.03", "0.014")[number])
        Generation.objects.filter(pk=generation.pk).update(
            status="succeeded", stage="done", started_at=started, finished_at=finished, cost_usd=cost,
            reserved_usd=0,
        )  # fmt: skip
        stored = gallery_services.image_files_store(data=picture(1024, 1024, 70 + number), image_format="PNG")
        with transaction.atomic():
            gallery_services.image_create(
                owner=member, stored=stored, generation=generation, index=0, mime_type="image/png",
                image_format="PNG", width=1024, height=1024, prompt=board.prompt,
                model_slug=cell.model.openrouter_id, model_name=cell.model.name, aspect_ratio="1:1",
                provider="Black Forest Labs", cost_usd=cost, latency_ms=6000 + 3000 * number,
            )  # fmt: skip
    BoardCell.objects.filter(pk=cells[0].pk).update(is_best=True)
    return board


def member_pages(world: dict) -> list[tuple[str, str]]:
    image, link = world["image"], world["image_link"]
    return [
        ("generate", "/"),
        ("generate-editing", f"/?edit={world['edit'].pk}"),
        ("compare", "/compare/"),
        ("compare-board", f"/compare/boards/{world['board'].pk}/"),
        ("compare-boards", "/compare/boards/"),
        ("gallery", "/gallery/"),
        ("image", f"/gallery/images/{image.pk}/"),
        ("collections", "/gallery/collections/"),
        ("collection", f"/gallery/collections/{world['coast'].pk}/"),
        ("collection-empty", f"/gallery/collections/{world['empty'].pk}/"),
        ("trash", "/gallery/trash/"),
        ("share-create", f"/shared/new/?image={image.pk}"),
        ("share-links", "/shared/"),
        ("share-link", f"/shared/{link.link.pk}/"),
        ("not-found", "/gallery/images/999999/"),
    ]


def _create_invite(page) -> None:
    page.get_by_role("button", name="Create invite link").click()
    page.wait_for_url(lambda url: url.endswith("/created/"))


def admin_pages(world: dict) -> list[tuple]:
    return [
        ("admin-index", "/admin/"),
        ("admin-models", "/admin/imagegen/imagemodel/"),
        ("admin-model", f"/admin/imagegen/imagemodel/{ImageModel.objects.order_by('pk').first().pk}/change/"),
        ("admin-generations", "/admin/imagegen/generation/"),
        ("admin-member", f"/admin/auth/user/{get_user_model().objects.get(username='mira').pk}/change/"),
        ("admin-members", "/admin/auth/user/"),
        ("admin-invites", "/admin/team/invite/"),
        ("admin-invite-create", "/admin/team/invite/add/"),
        # The page that shows a new invite link once: reached by submitting the form.
        ("admin-invite-created", "/admin/team/invite/add/", _create_invite),
        ("team", "/team/"),
        ("password-change", "/account/password/"),
    ]


def public_pages(world: dict) -> list[tuple[str, str]]:
    return [
        ("public-image", f"/s/{world['image_link'].token}/"),
        ("public-collection", f"/s/{world['collection_link'].token}/"),
        ("invite", f"/invite/{world['invite']}/"),
        ("password-reset", f"/password-reset/{world['reset']}/"),
        ("login", "/login/"),
    ]


def shoot(base_url: str, world: dict, out: Path, dark: bool, only: list[str]) -> list[Path]:
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        for size_name, (width, height) in SIZES.items():
            for who, pages in (
                ("sam", member_pages(world) + admin_pages(world)),
                (None, public_pages(world)),
            ):
                context = browser.new_context(
                    viewport={"width": width, "height": height}, color_scheme="dark" if dark else "light"
                )
                page = context.new_page()
                if who:
                    page.goto(f"{base_url}/login/")
                    page.get_by_label("Username").fill(who)
                    page.get_by_label("Password").fill(PASSWORD)
                    page.get_by_role("button", name="Log in").click()
                    page.wait_for_url(lambda url: "/login/" not in url)
                for name, path, *then in pages:
                    if only and name not in only:
                        continue
                    page.goto(base_url + path)
                    for step in then:
                        step(page)
                    page.wait_for_load_state("load")
                    page.evaluate(LOAD_EVERY_PICTURE)  # a full-page picture shows what a member scrolls to
                    target = out / f"{name}-{size_name}{'-dark' if dark else ''}.png"
                    page.screenshot(path=target, full_page=True)
                    written.append(target)
                context.close()
        browser.close()
    return written


class QuietRequestHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "easel-shots")
    parser.add_argument("--dark", action="store_true", help="dark colour scheme instead of light")
    parser.add_argument("--only", nargs="*", default=[], help="page names to take (default: all)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        world = seed()
        # The production WSGI app (whitenoise serves the collected static files), quiet, on a free port.
        server = ThreadedWSGIServer(("127.0.0.1", 0), QuietRequestHandler)
        server.set_app(get_wsgi_application())
        threading.Thread(target=server.serve_forever, daemon=True).start()
        written = shoot(f"http://127.0.0.1:{server.server_address[1]}", world, args.out, args.dark, args.only)
        server.shutdown()
        print(f"{len(written)} screenshots in {args.out}")
    finally:
        shutil.rmtree(DATA_DIR, ignore_errors=True)


if __name__ == "__main__":
    main()
