"""PostgreSQL: every whole word of the search documents, in a table of its own, kept by triggers.

A GIN index finds images holding several whole words by skipping through their posting lists, but a prefix
term ('stained':*) makes it read every entry under that prefix in full and intersect the results: a rare
four-word search at 1,000,000 images took 106 ms, of which ~25 ms per word (bench/bench_gallery.py). So the
search turns each typed prefix into the whole words that start with it, read from this table by its
B-tree index (gallery.search), and the same search takes 9 ms. Words only ever join the table (a word no
image holds any longer expands to a term that matches nothing), so deletes cost nothing. SQLite's FTS5
table reads prefixes quickly and needs none of this.
"""

from django.db import migrations

POSTGRES_CREATE = [
    # "C" collation: byte order, so `word LIKE 'prefix%'` is a range scan of the primary key in any locale.
    'CREATE TABLE gallery_search_word (word text COLLATE "C" PRIMARY KEY)',
    # Sorted, so concurrent inserts of the same new words take their locks in one order (no deadlock).
    """
    CREATE FUNCTION gallery_search_words_from_new_images() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO gallery_search_word (word)
        SELECT DISTINCT unnest(tsvector_to_array(search_document)) FROM new_images ORDER BY 1
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION gallery_search_words_from_changed_image() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO gallery_search_word (word)
        SELECT DISTINCT unnest(tsvector_to_array(NEW.search_document)) ORDER BY 1
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    END $$
    """,
    # One statement-level run per INSERT, however many rows it adds (bulk_create, a restore).
    """
    CREATE TRIGGER gallery_image_search_words_insert AFTER INSERT ON gallery_image
    REFERENCING NEW TABLE AS new_images FOR EACH STATEMENT
    EXECUTE FUNCTION gallery_search_words_from_new_images()
    """,
    """
    CREATE TRIGGER gallery_image_search_words_update AFTER UPDATE OF prompt, model_text ON gallery_image
    FOR EACH ROW EXECUTE FUNCTION gallery_search_words_from_changed_image()
    """,
    """
    INSERT INTO gallery_search_word (word)
    SELECT DISTINCT unnest(tsvector_to_array(search_document)) FROM gallery_image ORDER BY 1
    ON CONFLICT DO NOTHING
    """,
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS gallery_image_search_words_update ON gallery_image",
    "DROP TRIGGER IF EXISTS gallery_image_search_words_insert ON gallery_image",
    "DROP FUNCTION IF EXISTS gallery_search_words_from_changed_image()",
    "DROP FUNCTION IF EXISTS gallery_search_words_from_new_images()",
    "DROP TABLE IF EXISTS gallery_search_word",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("gallery", "0007_image_search_document"),
    ]

    operations = [migrations.RunPython(_run(POSTGRES_CREATE), _run(POSTGRES_DROP))]
