"""Full-text search over prompts and the model's text, on SQLite (FTS5) and PostgreSQL (GIN tsvector).

Whatever a member types, only its words reach the database, each one quoted as a prefix term and all of
them required: no FTS operator, quote or bracket from the search box can change the query's meaning or
make it fail. The indexes are made by migrations 0003_image_search (SQLite's FTS5 table) and
0007_image_search_document (PostgreSQL's stored document and its GIN index).
"""

import re

from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

from gallery.models import Image

# Letters and digits in any script; everything else separates words (and so can never be syntax).
WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 16
MAX_WORD_LENGTH = 64

SQLITE_MATCHING_IDS = "SELECT rowid FROM gallery_image_fts WHERE gallery_image_fts MATCH %s"
# search_document: a stored generated column (prompt and model's text), GIN-indexed (0007_image_search_document).
POSTGRES_MATCHES = "search_document @@ to_tsquery('simple'::regconfig, %s)"
POSTGRES_MATCHING_IDS = "SELECT id FROM gallery_image WHERE " + POSTGRES_MATCHES  # noqa: S608 - constants


def search_words(text: str) -> list[str]:
    """The words of a search, lower-cased, without repeats, in the order typed."""
    words: list[str] = []
    for word in WORD.findall(text.lower()):
        word = word[:MAX_WORD_LENGTH]
        if word not in words:
            words.append(word)
    return words[:MAX_WORDS]


def images_with_words(images: QuerySet[Image], words: list[str], *, within) -> QuerySet[Image]:
    """`images` narrowed to those with every word. On PostgreSQL the condition sits on the query itself,
    so the planner may walk the date index checking each row's stored document (common words) or read the
    GIN index and sort the matches (rare ones); elsewhere `within(images, sql, params)` keeps the images
    whose id the search selects."""
    if connection.vendor == "postgresql":
        condition = RawSQL(POSTGRES_MATCHES, [_tsquery(words)], output_field=BooleanField())  # noqa: S611
        return images.filter(condition)
    return within(images, *matching_ids_sql(words))


def _tsquery(words: list[str]) -> str:
    # 'fox':* & 'snow':* — words hold only letters and digits, so the quotes are all the escaping needed.
    return " & ".join(f"'{word}':*" for word in words)


def matching_ids_sql(words: list[str]) -> tuple[str, list]:
    """SQL (with its parameters) selecting the ids of images whose prompt or model's text has every word,
    each as a prefix ("fox" finds "foxes")."""
    if connection.vendor == "sqlite":
        # "fox"* "snow"*: each word a quoted string, so FTS5 reads no operators; a space means AND.
        return SQLITE_MATCHING_IDS, [" ".join(f'"{word}"*' for word in words)]
    if connection.vendor == "postgresql":
        return POSTGRES_MATCHING_IDS, [_tsquery(words)]
    # Databases Easel doesn't configure: correct, but a table scan.
    images = Image.objects.all()
    for word in words:
        images = images.filter(prompt__icontains=word) | images.filter(model_text__icontains=word)
    sql, params = images.values("id").query.sql_with_params()
    return sql, list(params)
