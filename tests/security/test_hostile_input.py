"""Hostile input: script payloads come out escaped everywhere, CSRF guards every POST, no path escapes
its folder, and fuzzed forms and share URLs never make Easel fail (no 500, nothing half-saved)."""

import re
import string
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from gallery.models import Collection, CollectionItem
from imagegen.models import Generation
from sharing import services as sharing_services
from team import services as team_services
from tests.security.access_table import ROWS

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('xss')</script>"
PAYLOAD = f'{SCRIPT}"><img src=x onerror=alert(1)>'
RAW_MARKERS = ["<script>alert(", "<img src=x onerror"]


def assert_escaped(html: str, where: str) -> None:
    for marker in RAW_MARKERS:
        assert marker not in html, f"unescaped payload on {where}"


@pytest.fixture
def poisoned(member, staff, make_image, image_models):
    """Every place a person or a model can put text, filled with script."""
    model = image_models["google/gemini-2.5-flash-image"]
    model.name = f"Nano {PAYLOAD}"
    model.save()
    generation = Generation.objects.create(
        member=member,
        model=model,
        prompt=f"a fox {PAYLOAD}",
        aspect_ratio="1:1",
        image_size="1K",
        status=Generation.Status.FAILED,
        stage=Generation.Stage.FAILED,
        error_kind="no_image",
        error_message=f"The model replied without an image. Its reply: “{PAYLOAD}”",
        text=PAYLOAD,
        reasoning=PAYLOAD,
        cost_usd=Decimal("0.01"),
    )
    image = make_image(
        owner=member,
        prompt=f"a fox {PAYLOAD}",
        model_name=f"Nano {PAYLOAD}",
        model_text=PAYLOAD,
        generation=generation,
    )
    collection = Collection.objects.create(owner=member, title=f"Foxes {PAYLOAD}", description=PAYLOAD)
    CollectionItem.objects.create(collection=collection, image=image)
    link = sharing_services.link_create(
        created_by=member, target=image, expiry="30d", label=PAYLOAD, show_details=True
    )
    collection_link = sharing_services.link_create(
        created_by=member, target=collection, expiry="30d", show_details=True
    )
    team_services.invite_create(created_by=staff, note=PAYLOAD)
    return {
        "image": image,
        "collection": collection,
        "generation": generation,
        "link": link,
        "collection_link": collection_link,
    }


def test_script_payloads_come_out_escaped_on_every_page(poisoned, member, staff):
    member_client, staff_client, public = Client(), Client(), Client()
    member_client.force_login(member)
    staff_client.force_login(staff)
    image, collection, link = poisoned["image"], poisoned["collection"], poisoned["link"]
    pages = {
        "generate": (member_client, "/"),
        "generation card": (
            member_client,
            reverse("imagegen:generation_card", args=[poisoned["generation"].pk]),
        ),
        "gallery grid": (member_client, reverse("gallery:index")),
        "gallery search": (member_client, reverse("gallery:index") + "?q=" + quote(PAYLOAD)),
        "image page": (member_client, reverse("gallery:image_detail", args=[image.pk])),
        "collections": (member_client, reverse("gallery:collection_list")),
        "collection": (member_client, reverse("gallery:collection_detail", args=[collection.pk])),
        "shared links": (member_client, reverse("sharing:link_list")),
        "shared link": (member_client, reverse("sharing:link_detail", args=[link.link.pk])),
        "share create": (member_client, reverse("sharing:create") + f"?image={image.pk}"),
        "public page (and Open Graph tags)": (public, reverse("share:page", args=[link.token])),
        "public collection": (public, reverse("share:page", args=[poisoned["collection_link"].token])),
        "dashboard": (staff_client, reverse("team:dashboard")),
        "admin generations": (staff_client, reverse("admin:imagegen_generation_changelist")),
        "admin generation": (
            staff_client,
            reverse("admin:imagegen_generation_change", args=[poisoned["generation"].pk]),
        ),
        "admin error breakdown": (staff_client, reverse("admin:imagegen_generation_changelist") + "errors/"),
        "admin images": (staff_client, reverse("admin:gallery_image_changelist")),
        "admin models": (staff_client, reverse("admin:imagegen_imagemodel_changelist")),
        "admin share links": (staff_client, reverse("admin:sharing_sharelink_changelist")),
        "admin collections": (staff_client, reverse("admin:gallery_collection_changelist")),
        "admin invites": (staff_client, reverse("admin:team_invite_changelist")),
    }
    escaped_somewhere = False
    for where, (client, path) in pages.items():
        response = client.get(path)
        assert response.status_code == 200, (where, response.status_code)
        html = response.content.decode()
        assert_escaped(html, where)
        escaped_somewhere |= "&lt;script&gt;" in html
    assert escaped_somewhere


def test_the_recipe_json_is_served_as_json_not_html(poisoned, member_client):
    response = member_client.get(reverse("gallery:image_details_json", args=[poisoned["image"].pk]))
    assert response["Content-Type"].startswith("application/json")
    assert response["X-Content-Type-Options"] == "nosniff"


# --- CSRF ---------------------------------------------------------------------------------------

# The only POST without a CSRF token: a share link's password form. Share pages send
# `Referrer-Policy: no-referrer`, so browsers post it with `Origin: null`, which Django's check refuses;
# a forged post still needs the password (see sharing/public_views.py).
CSRF_EXEMPT = {"share:unlock"}
POST_ROWS = [row for row in ROWS if row.method == "POST"]


@pytest.mark.parametrize("row", POST_ROWS, ids=[row.name for row in POST_ROWS])
@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_every_post_needs_the_csrf_token(world, staff, row, htmx):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.post(row.path(world, "staff"), row.data(world), **headers)
    assert response.status_code == 403


@pytest.mark.parametrize(
    "path_name",
    [
        "login",
        "imagegen:generate",
        "gallery:collection_create",
        "admin:imagegen_imagemodel_sync",
        "team:password_change",
    ],
)
def test_other_posts_need_the_csrf_token_too(world, staff, path_name):
    client = Client(enforce_csrf_checks=True)
    if path_name != "login":
        client.force_login(staff)
    assert client.post(reverse(path_name), {"prompt": "x", "username": "sam"}).status_code == 403


def test_the_invite_sign_up_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("team:invite", args=[world.invite_token]),
        {"username": "newbie", "password1": "a-long-password-1", "password2": "a-long-password-1"},
    )
    assert response.status_code == 403


def test_the_password_reset_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("team:password_reset", args=[world.reset_token]),
        {"new_password1": "a-long-password-1", "new_password2": "a-long-password-1"},
    )
    assert response.status_code == 403


def test_only_the_share_password_form_is_csrf_exempt():
    from django.urls import get_resolver

    exempt = set()
    for name, callback in _views(get_resolver()):
        if getattr(callback, "csrf_exempt", False) and not name.startswith("admin:"):
            exempt.add(name)
    assert exempt == CSRF_EXEMPT


def _views(resolver, namespace=None):
    from django.urls import URLPattern, URLResolver

    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern):
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern.callback


# --- paths --------------------------------------------------------------------------------------

TRAVERSALS = [
    "/gallery/images/1/../../../secret_key",
    "/gallery/images/1/..%2F..%2Fsecret_key",
    "/gallery/images/1/%2e%2e%2f%2e%2e%2fsecret_key",
    "/gallery/images/..%2F..%2Fsecret_key/original",
    "/gallery/images/1/original/../../../../etc/passwd",
    "/s/..%2F..%2Fsecret_key/",
    "/s/abc/i/1/..%2F..%2F..%2Fsecret_key",
    "/static/../data/secret_key",
    "/static/..%2F..%2Fconfig%2Fsettings.py",
    "/media/secret_key",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_no_path_reaches_outside_its_folder(world, path):
    secret = (
        (settings.DATA_DIR / "secret_key").read_text().strip()
        if (settings.DATA_DIR / "secret_key").exists()
        else settings.SECRET_KEY
    )
    response = world.clients["member"].get(path)
    assert response.status_code in (400, 404)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert secret.encode() not in body
    assert b"root:x:0:0" not in body


# --- fuzzing --------------------------------------------------------------------------------------

FUZZ = hypothesis_settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
hostile_text = st.one_of(
    st.text(max_size=50),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=20).map(lambda t: t + "\x00" + t),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "%",
            "'",
            '"',
            "' OR 1=1 --",
            "AND(",
            "*",
            "NEAR(",
            SCRIPT,
            "../..",
            "９",
            "🦊" * 300,
            "a" * 5000,
            "-1",
            "1e309",
            "NaN",
            "0x10",
            "2026-13-45",
        ]
    ),
)


@FUZZ
@given(
    prompt=hostile_text,
    model=hostile_text,
    ratio=hostile_text,
    size=hostile_text,
    count=hostile_text,
    key=hostile_text,
)
def test_the_generate_form_never_fails_on_hostile_input(world, prompt, model, ratio, size, count, key):
    before = Generation.objects.count()
    response = world.clients["member"].post(
        "/",
        {
            "prompt": prompt,
            "model": model,
            "aspect_ratio": ratio,
            "image_size": size,
            "count": count,
            "submission_key": key,
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code in (200, 422)
    if response.status_code == 422:
        assert Generation.objects.count() == before


@FUZZ
@given(
    q=hostile_text,
    model=hostile_text,
    member_name=hostile_text,
    ratio=hostile_text,
    start=hostile_text,
    end=hostile_text,
    sort=hostile_text,
    cursor=hostile_text,
    flag=hostile_text,
)
def test_gallery_search_and_filters_never_fail(
    world, q, model, member_name, ratio, start, end, sort, cursor, flag
):
    params = {
        "q": q,
        "model": model,
        "member": member_name,
        "ratio": ratio,
        "date_from": start,
        "date_to": end,
        "sort": sort,
        "cursor": cursor,
        "favourites": flag,
        "mine": flag,
        "collection": flag,
    }
    response = world.clients["member"].get(reverse("gallery:index"), params, HTTP_HX_REQUEST="true")
    assert response.status_code in (200, 400)


@FUZZ
@given(title=hostile_text, description=hostile_text)
def test_collection_forms_never_fail(world, title, description):
    response = world.clients["member"].post(
        reverse("gallery:collection_create"), {"title": title, "description": description}
    )
    assert response.status_code in (302, 400)


@FUZZ
@given(expiry=hostile_text, password=hostile_text, label=hostile_text, flag=hostile_text)
def test_the_share_form_never_fails(world, expiry, password, label, flag):
    url = reverse("sharing:create") + f"?image={world.image.pk}"
    response = world.clients["member"].post(
        url,
        {
            "expiry": expiry,
            "password": password,
            "label": label,
            "allow_download": flag,
            "show_details": flag,
        },
    )
    assert response.status_code in (200, 302, 400, 422)


token_text = st.one_of(
    hostile_text, st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=40, max_size=50)
)


@FUZZ
@given(
    token=token_text,
    tail=st.sampled_from(
        [
            "",
            "unlock/",
            "i/1/",
            "i/1/original",
            "i/x/thumbnail",
            "download.zip",
            "i/99999999999999999999/download",
        ]
    ),
)
def test_share_urls_never_fail_on_made_up_tokens(world, token, tail, settings):
    settings.SHARE_LOOKUP_FAILURE_LIMIT = 10_000
    response = Client().get(f"/s/{quote(token, safe='')}/{tail}")
    assert response.status_code in (404, 429)


@FUZZ
@given(password=hostile_text)
def test_the_share_password_form_never_fails(world, password, settings, member):
    settings.SHARE_PASSWORD_ATTEMPT_LIMIT = 10_000
    locked = sharing_services.link_create(
        created_by=member, target=world.image, expiry="1d", password="right-one-99"
    )
    response = Client().post(reverse("share:unlock", args=[locked.token]), {"password": password})
    assert response.status_code in (200, 302, 400, 422)


@FUZZ
@given(remix=hostile_text, edit=hostile_text, model=hostile_text)
def test_generate_page_query_parameters_never_fail(world, remix, edit, model):
    response = world.clients["member"].get("/", {"remix": remix, "edit": edit})
    assert response.status_code == 200
    options = world.clients["member"].get(
        reverse("imagegen:model_options"), {"model": model, "image_size": edit}
    )
    assert options.status_code == 200


def test_payloads_in_a_username_are_refused_at_sign_up(world):
    response = Client().post(
        reverse("team:invite", args=[world.invite_token]),
        {"username": SCRIPT, "password1": "a-long-password-1", "password2": "a-long-password-1"},
    )
    assert response.status_code == 422
    assert re.search(
        r"letters, digits and @/\./\+/-/_ only|Enter a valid username", response.content.decode()
    )
