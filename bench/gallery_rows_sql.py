"""Gallery rows seeded inside PostgreSQL by one INSERT … SELECT over generate_series: a million rows in a
minute or two, where building them as Django objects would take most of an hour on this machine.

Every pick (member, model, file, words, date) is a hash of the row number, so a run is repeatable and the
rows look like bench_gallery.py's own: the same word lists, 60 real files shared by the rows, about 1% in
the trash. Rows go through the table's real indexes (the search index of gallery migration 0003 too).
"""

# hashint4 is PostgreSQL's own integer hash: a pseudo-random but repeatable pick for row g, slot k.
PICK = "abs(hashint4(g * 16 + {slot})) %% {choices}"

INSERT_IMAGES = """
INSERT INTO gallery_image (
    owner_id, "index", file_name, thumbnail_name, sha256, mime_type, format, width, height, byte_size,
    thumbnail_width, thumbnail_height, aspect_ratio, image_size, aspect_matches, prompt, model_slug,
    model_name, provider, provider_slug, api, parameters, reference_sha256, openrouter_generation_id,
    cost_usd, latency_ms, model_text, credentials_status, credentials, created_at, trashed_at
)
SELECT
    (%(owners)s::int[])[1 + {owner}], 0,
    (%(file_names)s::text[])[1 + {file}], (%(thumbnail_names)s::text[])[1 + {file}],
    (%(sha256s)s::text[])[1 + {file}], 'image/png', 'PNG', 1024, 1024,
    (%(byte_sizes)s::bigint[])[1 + {file}], (%(thumbnail_widths)s::int[])[1 + {file}],
    (%(thumbnail_heights)s::int[])[1 + {file}], (%(ratios)s::text[])[1 + {ratio}], '1K', true,
    format('A %%s %%s of a %%s %%s, with a %%s in the background',
        (%(moods)s::text[])[1 + {mood}], (%(styles)s::text[])[1 + {style}],
        (%(subjects)s::text[])[1 + {subject}], (%(places)s::text[])[1 + {place}],
        (%(subjects)s::text[])[1 + {background}]),
    (%(model_slugs)s::text[])[1 + {model}], (%(model_names)s::text[])[1 + {model}], '', '', '',
    '{{}}'::jsonb, '[]'::jsonb, '', 0.038700, 4000 + {latency},
    (%(model_texts)s::text[])[1 + {text}], '', '{{}}'::jsonb,
    %(start)s::timestamptz + (abs(hashint4(g * 16 + 9)) %% 1000000000) / 1e9 * interval '700 days',
    CASE WHEN {trash} = 0 THEN %(start)s::timestamptz END
FROM generate_series(%(first)s::int, %(last)s::int) AS g
""".format(
    owner=PICK.format(slot=0, choices="%(owner_count)s"),
    file=PICK.format(slot=1, choices="%(file_count)s"),
    ratio=PICK.format(slot=2, choices="%(ratio_count)s"),
    mood=PICK.format(slot=3, choices="%(mood_count)s"),
    style=PICK.format(slot=4, choices="%(style_count)s"),
    subject=PICK.format(slot=5, choices="%(subject_count)s"),
    place=PICK.format(slot=6, choices="%(place_count)s"),
    background=PICK.format(slot=7, choices="%(subject_count)s"),
    model=PICK.format(slot=8, choices="%(model_count)s"),
    latency=PICK.format(slot=10, choices="36000"),
    text=PICK.format(slot=11, choices="4"),
    trash=PICK.format(slot=12, choices="100"),
)


def insert_images(
    *, first: int, last: int, owners: list[int], stored: list, words: dict, models, ratios, start
):
    """Rows numbered first..last (inclusive); `stored` are gallery StoredImageFiles shared by the rows."""
    from django.db import connection

    lists = {
        "owners": owners,
        "file_names": [files.file_name for files in stored],
        "thumbnail_names": [files.thumbnail_name for files in stored],
        "sha256s": [files.sha256 for files in stored],
        "byte_sizes": [files.byte_size for files in stored],
        "thumbnail_widths": [files.thumbnail_width for files in stored],
        "thumbnail_heights": [files.thumbnail_height for files in stored],
        "ratios": list(ratios),
        "moods": words["moods"],
        "styles": words["styles"],
        "subjects": words["subjects"],
        "places": words["places"],
        "model_slugs": [slug for slug, _ in models],
        "model_names": [name for _, name in models],
        "model_texts": ["", "", "Here is your image.", "I drew it in a watercolour style."],
    }
    counts = {
        "owner_count": len(owners),
        "file_count": len(stored),
        "ratio_count": len(ratios),
        "mood_count": len(words["moods"]),
        "style_count": len(words["styles"]),
        "subject_count": len(words["subjects"]),
        "place_count": len(words["places"]),
        "model_count": len(models),
    }
    with connection.cursor() as cursor:
        cursor.execute(INSERT_IMAGES, {**lists, **counts, "first": first, "last": last, "start": start})


def vacuum_analyze() -> None:
    """What autovacuum does soon after a bulk load: planner statistics and the visibility map."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
