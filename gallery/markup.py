"""The markup a grid repeats for every tile, built in Python: the documented exception to Easel's htmx
convention (README, "htmx convention": what htmx swaps is a named partial of its page).

A page shows 60 tiles; as a template partial each tile cost ~0.3 ms (a dozen variable lookups through
Django's lazy escaping and number localisation), over half of the page's server time. Built here with
the standard library's escape it costs a few µs, and a page renders well inside its 50 ms budget
(bench/bench_gallery.py times the grid page).

The exception covers exactly what is here: a tile, its thumbnail <img> (also used by the trash and the
collection covers) and the favourite star, which the favourite view sends back on its own as the htmx
swap, so the swapped button is the one the grid drew. Everything else stays in templates; the templates
(gallery/index.html#page) include these strings as they are.
"""

from html import escape

from django.utils.safestring import SafeString, mark_safe


def thumbnail_img(*, url: str, width: int, height: int, alt: str) -> str:
    """Lazy-loaded, with its size given so the grid doesn't jump as thumbnails arrive."""
    return (
        f'<img src="{escape(url)}" width="{int(width)}" height="{int(height)}" loading="lazy" '
        f'decoding="async" alt="{escape(alt)}">'
    )


def star_button(*, url: str, is_favourite: bool, key_favourite: bool = False) -> SafeString:
    """The favourite toggle: an htmx POST that swaps this button for the new one; without JavaScript,
    the page's hidden form `favourite-form` posts it and comes back. It sets a state, never toggles,
    so a double click is harmless. `key_favourite` marks the one the f key presses (the image page)."""
    url = escape(url)
    state = (
        'value="0" aria-pressed="true" class="favourite is-favourite"><span aria-hidden="true">★</span>'
        if is_favourite
        else 'value="1" aria-pressed="false" class="favourite"><span aria-hidden="true">☆</span>'
    )
    key = " data-key-favourite" if key_favourite else ""
    return mark_safe(  # noqa: S308 - every value is escaped above
        f'<button type="submit" form="favourite-form" formaction="{url}" hx-post="{url}" hx-swap="outerHTML" '
        f'name="favourite"{key} {state} <span class="star-label">Favourite</span></button>'
    )


SHAPE_STEPS = (
    4  # a tile's shape class is its width / height in quarters: shape-4 is square, shape-7 about 16:9
)
NARROWEST_SHAPE, WIDEST_SHAPE = 2, 10


def shape_class(*, width: int, height: int) -> str:
    """The CSS class that gives a tile its picture's shape (justified rows, gallery.css). A class, not a
    style attribute: the page's CSP allows no inline style."""
    steps = round(SHAPE_STEPS * width / height) if width > 0 and height > 0 else SHAPE_STEPS
    return f"shape-{min(max(steps, NARROWEST_SHAPE), WIDEST_SHAPE)}"


def tile(tile, *, query_suffix: str) -> str:
    """One grid tile: thumbnail (a link to the image page, keeping the view's query), the prompt's start,
    model and member (shown over the picture on hover or focus), a labelled checkbox for the page's
    selection form (`data-deletable` when the viewer may delete it), and the star.
    `tile.thumbnail_html` comes from thumbnail_img()."""
    pk = int(tile.pk)
    shape = shape_class(width=tile.thumbnail_width, height=tile.thumbnail_height)
    deletable = " data-deletable" if getattr(tile, "can_delete", False) else ""
    return (
        f'<li class="tile {shape}" id="tile-{pk}">'
        f'<a class="tile-image" href="{escape(tile.detail_url + query_suffix)}">'
        f"{tile.thumbnail_html}"
        f"</a>"
        f'<div class="tile-caption"><p class="tile-prompt">{escape(tile.prompt_start)}</p>'
        f'<p class="tile-meta"><span class="tile-model">{escape(tile.model)}</span> · '
        f'<span class="tile-member">{escape(tile.member)}</span></p></div>'
        f'<div class="tile-actions">'
        f'<label class="tile-select"><input type="checkbox" name="image" value="{pk}" form="selection"{deletable}> '
        f'Select<span class="visually-hidden"> image {pk}</span></label>'
        f"{star_button(url=tile.favourite_url, is_favourite=tile.is_favourite)}"
        f"</div></li>\n"
    )


def tiles(tiles, *, query_suffix: str) -> SafeString:
    return mark_safe("".join(tile(item, query_suffix=query_suffix) for item in tiles))  # noqa: S308 - escaped in tile()
