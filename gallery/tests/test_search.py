"""Full-text search: a real index on SQLite (FTS5) and PostgreSQL (GIN), safe whatever is typed.

These tests run on the database the suite runs on; CI runs the suite on both.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from gallery import search, selectors
from gallery.models import Image
from gallery.search import matching_ids_sql, search_words
from gallery.selectors import GalleryQuery

pytestmark = pytest.mark.django_db

HOSTILE = [
    '"',
    "'",
    "AND(",
    "*",
    "fox*",
    "NEAR(fox snow)",
    'fox" OR "whale',
    "fox AND NOT whale",
    "-fox",
    "^fox",
    "fox:*",
    "!fox & (whale | snow)",
    "prompt:fox",
    "{fox}",
    "fox\\",
    "%_%",
    "fox\x00snow",
    ")))(((",
    "🦊 fox",
    "a" * 500,
    "fox " * 100,
    " ",
]


def found(viewer, text: str) -> list[str]:
    page = selectors.image_page(viewer=viewer, query=GalleryQuery(text=text), size=100)
    return sorted(tile.prompt for tile in page.tiles)


@pytest.fixture
def library(member, make_images):
    make_images(1, owner=member, prompt="A red fox in the snow")
    make_images(1, owner=member, prompt="Two foxes at dawn")
    make_images(1, owner=member, prompt="A blue whale, singing")
    make_images(1, owner=member, prompt="Snowy mountain lighthouse")
    Image.objects.filter(prompt="A blue whale, singing").update(
        model_text="I painted a fox hiding behind the whale."
    )
    return member


def test_a_word_finds_the_prompts_that_have_it(library):
    assert found(library, "whale") == ["A blue whale, singing"]


def test_words_match_as_prefixes_so_plurals_are_found(library):
    assert found(library, "fox") == ["A blue whale, singing", "A red fox in the snow", "Two foxes at dawn"]
    assert found(library, "snow") == ["A red fox in the snow", "Snowy mountain lighthouse"]


def test_every_word_is_required_in_any_order_and_case(library):
    assert found(library, "SNOW fox") == ["A red fox in the snow"]
    assert found(library, "fox lighthouse") == []


def test_the_models_text_is_searched_too(library):
    assert found(library, "hiding") == ["A blue whale, singing"]


def expected_by_hand(text: str) -> list[str]:
    """The prompts a search should find, worked out without the database: every word of the search starts
    a word of the prompt or of the model's text."""
    words = search_words(text)
    found_prompts = []
    for prompt, model_text in Image.objects.values_list("prompt", "model_text"):
        tokens = search_words(f"{prompt} {model_text}") if words else []
        if all(any(token.startswith(word) for token in tokens) for word in words):
            found_prompts.append(prompt)
    return sorted(found_prompts)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_searches_never_fail_and_mean_only_their_words(text, library, member_client):
    response = member_client.get("/gallery/", {"q": text})
    assert response.status_code == 200
    response = member_client.get("/gallery/", {"q": text}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert found(library, text) == expected_by_hand(text)


def test_fts_syntax_is_read_as_words(library):
    assert found(library, 'fox" OR "whale') == found(library, "fox or whale") == []
    assert found(library, "NEAR(fox snow)") == found(library, "near fox snow") == []
    assert found(library, "fox*") == found(library, "fox")


QUICK = hypothesis_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@QUICK
@given(text=st.text(max_size=60))
def test_any_text_at_all_is_a_valid_search(library, text):
    page = selectors.image_page(viewer=library, query=GalleryQuery(text=text))
    assert {tile.prompt for tile in page.tiles} <= set(Image.objects.values_list("prompt", flat=True))


@QUICK
@given(text=st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40))
def test_any_typed_text_finds_what_its_words_say(library, text):
    # ASCII only: beyond it the databases fold accents differently (SQLite's unicode61 does, "simple" doesn't).
    assert found(library, text) == expected_by_hand(text)


def test_search_words_are_letters_and_digits_only():
    assert search_words('Fox" AND(snow)* fox 3D 🦊 naïve') == ["fox", "and", "snow", "3d", "naïve"]
    assert search_words("_-_ *") == []
    assert len(search_words(" ".join(f"w{i}" for i in range(50)))) == 16


def test_the_index_follows_edits_and_deletions(member, make_images):
    (image,) = make_images(1, owner=member, prompt="A quiet harbour")
    assert found(member, "harbour") == ["A quiet harbour"]

    image.prompt = "A noisy market"
    image.save()
    assert found(member, "harbour") == []
    assert found(member, "market") == ["A noisy market"]

    Image.objects.filter(pk=image.pk).update(model_text="with lanterns")
    assert found(member, "lanterns") == ["A noisy market"]

    image.delete()
    assert found(member, "market") == []


def test_trashing_keeps_the_text_indexed_but_out_of_the_gallery(member, make_images):
    (image,) = make_images(1, owner=member, prompt="A lost kite")
    Image.objects.filter(pk=image.pk).update(trashed_at=image.created_at)
    assert found(member, "kite") == []
    Image.objects.filter(pk=image.pk).update(trashed_at=None)
    assert found(member, "kite") == ["A lost kite"]


def test_a_large_match_set_gives_the_same_pages_as_a_small_one(monkeypatch, member, make_images):
    """SQLite walks the date index for large sets and looks ids up for small ones: same answers either way."""
    make_images(30, owner=member, prompt="Fox number")
    make_images(5, owner=member, prompt="Whale number")
    query = GalleryQuery(text="number")

    def pages(large_set: int) -> list[list[int]]:
        monkeypatch.setattr(selectors, "LARGE_SET", large_set)
        result, cursor = [], None
        while True:
            page = selectors.image_page(viewer=member, query=query, cursor=cursor, size=7)
            result.append([tile.pk for tile in page.tiles])
            if not (cursor := page.next_cursor):
                return result

    assert pages(1) == pages(10_000)
    assert sum(len(page) for page in pages(1)) == 35


def test_the_search_uses_the_full_text_index():
    sql, params = matching_ids_sql(["fox"])
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE name LIKE 'gallery_image_fts%' AND type IN ('table', 'trigger')"
            )
            names = {row[0] for row in cursor.fetchall()}
            assert {"gallery_image_fts", "gallery_image_fts_insert", "gallery_image_fts_delete"} <= names
            assert "gallery_image_fts_update" in names
            cursor.execute("EXPLAIN QUERY PLAN " + sql.replace("%s", "?"), params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "VIRTUAL TABLE INDEX" in plan
        else:
            assert connection.vendor == "postgresql"
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'image_search_document'")
            assert "USING gin (search_document)" in cursor.fetchone()[0]
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert "image_search_document" in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's stored search document")
def test_on_postgresql_a_search_page_checks_the_stored_document_on_the_gallery_query(member, make_images):
    make_images(3, owner=member, prompt="a misty lighthouse")
    with CaptureQueriesContext(connection) as queries:
        page = selectors.image_page(viewer=member, query=GalleryQuery(text="misty light"))
    assert len(page.tiles) == 3
    keys = search_sql(queries)
    # Not recomputed from the prompt for each row, and not a second pass over the table by id.
    assert "::tsquery" in keys
    assert "to_tsvector" not in keys
    assert "IN (SELECT id FROM gallery_image" not in keys


POSTGRES_PREFIXES = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL expands prefixes into whole words (gallery 0008); SQLite's FTS5 reads prefixes itself",
)


def search_sql(queries) -> str:
    return next(q["sql"] for q in queries.captured_queries if "search_document @@" in q["sql"])


@POSTGRES_PREFIXES
def test_on_postgresql_each_typed_prefix_becomes_the_whole_words_the_gallery_holds(member, make_images):
    make_images(1, owner=member, prompt="Stained glass octopus on Mars")
    make_images(1, owner=member, prompt="A marshland seen through glasses")
    make_images(1, owner=member, prompt="A glass of milk")
    with CaptureQueriesContext(connection) as queries:
        assert found(member, "glass mars") == [
            "A marshland seen through glasses",
            "Stained glass octopus on Mars",
        ]
    assert ":*" not in search_sql(queries)
    assert search._postgres_tsquery(["glass", "mars"]) == "('glass' | 'glasses') & ('mars' | 'marshland')"


@POSTGRES_PREFIXES
def test_on_postgresql_the_whole_words_follow_new_and_edited_text(member, make_image, make_images):
    image = make_image(owner=member, prompt="A quiet harbour")  # one row, as a generation stores it
    make_images(2, owner=member, prompt="Two herons")  # a bulk insert
    assert found(member, "harb") == ["A quiet harbour"]
    assert found(member, "hero") == ["Two herons", "Two herons"]
    Image.objects.filter(pk=image.pk).update(prompt="A quiet harbourside")
    assert found(member, "harbours") == ["A quiet harbourside"]
    Image.objects.filter(pk=image.pk).update(model_text="With lanterns")
    assert found(member, "lantern harbour") == ["A quiet harbourside"]


@POSTGRES_PREFIXES
def test_on_postgresql_a_prefix_of_too_many_words_stays_a_prefix_term(monkeypatch, member, make_images):
    monkeypatch.setattr(search, "MAX_EXPANSION", 2)
    make_images(1, owner=member, prompt="Foxgloves by a fox den")
    make_images(1, owner=member, prompt="Foxes")
    assert found(member, "fox den") == ["Foxgloves by a fox den"]
    assert search._postgres_tsquery(["fox", "den"]) == "'fox':* & ('den')"
    assert found(member, "fox") == ["Foxes", "Foxgloves by a fox den"]


@POSTGRES_PREFIXES
def test_on_postgresql_a_prefix_nobody_wrote_finds_nothing(member, make_images):
    make_images(1, owner=member, prompt="A red kite")
    assert found(member, "zebra") == []
    assert found(member, "kite zebra") == []


@POSTGRES_PREFIXES
def test_on_postgresql_expanded_words_find_what_prefix_terms_find(monkeypatch, member, make_images):
    """Stored words may hold punctuation ('e-mail', 'brien@example.com', 'v1.2.3'): quoted, they still find
    exactly the images the plain prefix terms find."""
    prompts = ["An e-mail to o'brien@example.com about C:\\temp\\file and v1.2.3's notes", "Emails, filed"]
    for prompt in prompts:
        make_images(1, owner=member, prompt=prompt)
    texts = ["e", "mail", "brien", "example", "temp", "file", "v1", "o brien", "e mail notes", "em fil"]
    expanded = {text: found(member, text) for text in texts}
    monkeypatch.setattr(search, "MAX_EXPANSION", 0)  # every word a prefix term, as before 0008
    assert expanded == {text: found(member, text) for text in texts}
    assert expanded["brien"] == [prompts[0]]
    assert expanded["e mail notes"] == [prompts[0]]
    assert expanded["em fil"] == [prompts[1]]
