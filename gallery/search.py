"""Full-text search over prompts and the model's text, on SQLite (FTS5) and PostgreSQL (GIN tsvector).

Whatever a member types, only its words reach the database, each one quoted as a prefix term and all of
them required: no FTS operator, quote or bracket from the search box can change the query's meaning or
make it fail. The indexes are made by migrations 0003_image_search (SQLite's FTS5 table),
0007_image_search_document (PostgreSQL's stored document and its GIN index) and 0008_search_words (the
whole words PostgreSQL's prefixes are expanded into).
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
# The query is a tsquery literal: its words are already lexemes (lower-cased, as the 'simple' configuration
# makes them), so nothing may parse them again.
POSTGRES_MATCHES = "search_document @@ %s::tsquery"
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
        condition = RawSQL(POSTGRES_MATCHES, [_postgres_tsquery(words)], output_field=BooleanField())  # noqa: S611
        return images.filter(condition)
    return within(images, *matching_ids_sql(words))


# A prefix the gallery holds more whole words for than this ("a", "s") stays a prefix term.
MAX_EXPANSION = 64
# gallery_search_word (0008_search_words): every whole word of the search documents; "C" collation, so a
# LIKE 'prefix%' is a range scan of its primary key.
WORDS_STARTING_WITH = "(SELECT %s, word FROM gallery_search_word WHERE word LIKE %s ORDER BY word LIMIT %s)"


def _postgres_tsquery(words: list[str]) -> str:
    """Every typed word as the whole words it starts, read in one query: "fox snow" becomes
    ('fox' | 'foxes') & ('snow' | 'snowy'). GIN answers whole words by skipping through their posting
    lists, but reads every entry of a prefix term ('fox':*) in full: 106 ms for a rare four-word search
    at 1,000,000 images, 10 ms expanded (bench/bench_gallery.py)."""
    sql = " UNION ALL ".join([WORDS_STARTING_WITH] * len(words))
    params: list = []
    for position, word in enumerate(words):
        # Words hold only letters and digits: no LIKE wildcard or escape can be among them.
        params += [position, f"{word}%", MAX_EXPANSION + 1]
    expansions: list[list[str]] = [[] for _ in words]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for position, whole_word in cursor.fetchall():
            expansions[position].append(whole_word)
    terms = []
    for word, whole_words in zip(words, expansions, strict=True):
        if whole_words and len(whole_words) <= MAX_EXPANSION:
            terms.append("(" + " | ".join(_tsquery_lexeme(whole) for whole in whole_words) + ")")
        else:  # too many to list, or none at all (then nothing matches, and the index says so at once)
            terms.append(f"{_tsquery_lexeme(word)}:*")
    return " & ".join(terms)


def _tsquery_lexeme(lexeme: str) -> str:
    # A stored lexeme may hold any character the parser keeps ("e-mail", "foo@example.com").
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def matching_ids_sql(words: list[str]) -> tuple[str, list]:
    """SQL (with its parameters) selecting the ids of images whose prompt or model's text has every word,
    each as a prefix ("fox" finds "foxes")."""
    if connection.vendor == "sqlite":
        # "fox"* "snow"*: each word a quoted string, so FTS5 reads no operators; a space means AND.
        return SQLITE_MATCHING_IDS, [" ".join(f'"{word}"*' for word in words)]
    if connection.vendor == "postgresql":
        return POSTGRES_MATCHING_IDS, [_postgres_tsquery(words)]
    # Databases Easel doesn't configure: correct, but a table scan.
    images = Image.objects.all()
    for word in words:
        images = images.filter(prompt__icontains=word) | images.filter(model_text__icontains=word)
    sql, params = images.values("id").query.sql_with_params()
    return sql, list(params)
