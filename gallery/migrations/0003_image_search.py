"""Full-text search over an image's prompt and the model's text.

SQLite: an FTS5 table with external content (the text lives once, in gallery_image), kept in sync by
triggers. PostgreSQL: a GIN index on the same tsvector expression that gallery.search queries, so the
planner can use it. Both use no stemming and no stop words ("simple" / unicode61): prompts are written
in any language, and prefix matching (fox* finds foxes) covers plurals. Other databases get no index.
"""

from django.db import migrations

SQLITE_CREATE = [
    """
    CREATE VIRTUAL TABLE gallery_image_fts USING fts5(
        prompt, model_text,
        content='gallery_image', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER gallery_image_fts_insert AFTER INSERT ON gallery_image BEGIN
        INSERT INTO gallery_image_fts(rowid, prompt, model_text) VALUES (new.id, new.prompt, new.model_text);
    END
    """,
    """
    CREATE TRIGGER gallery_image_fts_delete AFTER DELETE ON gallery_image BEGIN
        INSERT INTO gallery_image_fts(gallery_image_fts, rowid, prompt, model_text)
        VALUES ('delete', old.id, old.prompt, old.model_text);
    END
    """,
    # Only when the searched text changes: trashing and restoring leave the index alone.
    """
    CREATE TRIGGER gallery_image_fts_update AFTER UPDATE OF prompt, model_text ON gallery_image BEGIN
        INSERT INTO gallery_image_fts(gallery_image_fts, rowid, prompt, model_text)
        VALUES ('delete', old.id, old.prompt, old.model_text);
        INSERT INTO gallery_image_fts(rowid, prompt, model_text) VALUES (new.id, new.prompt, new.model_text);
    END
    """,
    # Index the rows that already exist.
    "INSERT INTO gallery_image_fts(gallery_image_fts) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS gallery_image_fts_update",
    "DROP TRIGGER IF EXISTS gallery_image_fts_delete",
    "DROP TRIGGER IF EXISTS gallery_image_fts_insert",
    "DROP TABLE IF EXISTS gallery_image_fts",
]

# The expression must stay identical to the one in gallery.search.POSTGRES_MATCHING_IDS, or the index is unused.
POSTGRES_CREATE = [
    "CREATE INDEX gallery_image_search ON gallery_image "
    "USING gin (to_tsvector('simple'::regconfig, prompt || ' ' || model_text))",
]
POSTGRES_DROP = ["DROP INDEX IF EXISTS gallery_image_search"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("gallery", "0002_initial"),
    ]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        ),
    ]
