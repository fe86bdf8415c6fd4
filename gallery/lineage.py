"""Reads of the lineage: what an image was made from, what was made from it, and its whole family.

Links (gallery.models.ImageParent) always point from a newer image to an older one, so a family is a
graph without cycles. A family is found with one recursive query, its links and images with one each,
so a family of hundreds of retries costs three queries. An image the viewer may not open in the gallery
(in the trash, or gone from it) is a placeholder: its id and how it is related, never its prompt,
thumbnail, owner or cost.
"""

import difflib
import html
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from gallery.models import Image, ImageParent
from gallery.selectors import images_in_gallery

FAMILY_LIMIT = 2000  # more than any real family; keeps a pathological one bounded
STRIP_LIMIT = 24
KIND_LABELS = dict(ImageParent.Kind.choices)


class Seen(NamedTuple):
    """What a lineage shows of an image the viewer may see (a light row: a family has hundreds)."""

    pk: int
    prompt: str
    cost_usd: Decimal | None
    thumbnail_width: int
    thumbnail_height: int


@dataclass
class Relative:
    """An image in a lineage strip or family; `image` is None when the viewer may not see it."""

    pk: int
    kinds: list[str]
    image: Seen | None
    prompt_changes: list[tuple[str, str]] = field(default_factory=list)
    url: str = ""  # the image page, for one the viewer may see

    @property
    def kind_label(self) -> str:
        return ", ".join(KIND_LABELS.get(kind, kind) for kind in self.kinds)


def prompt_changes(before: str, after: str) -> list[tuple[str, str]]:
    """Word by word, how `after` differs from `before`: ("same" | "added" | "removed", text) pieces."""
    old, new = before.split(), after.split()
    pieces: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(("same", " ".join(old[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("removed", " ".join(old[i1:i2])))
        if j2 > j1:
            pieces.append(("added", " ".join(new[j1:j2])))
    return pieces


def _visible(viewer, ids) -> dict[int, Seen]:
    rows = images_in_gallery(viewer=viewer).filter(pk__in=list(ids)).order_by().values_list(*Seen._fields)
    return {row[0]: Seen(*row) for row in rows}


def _relatives(viewer, links: list[tuple[int, str]]) -> list[Relative]:
    kinds: dict[int, list[str]] = {}
    for pk, kind in links:
        kinds.setdefault(pk, []).append(kind)
    shown = _visible(viewer, kinds)
    return [Relative(pk=pk, kinds=sorted(set(k)), image=shown.get(pk)) for pk, k in sorted(kinds.items())]


def image_made_from(*, viewer, image: Image) -> list[Relative]:
    """The image's parents, each seen one with how its prompt became this image's prompt."""
    links = ImageParent.objects.filter(child=image).values_list("parent_id", "kind")
    parents = _relatives(viewer, list(links))
    for parent in parents:
        if parent.image is not None and parent.image.prompt != image.prompt:
            parent.prompt_changes = prompt_changes(parent.image.prompt, image.prompt)
    return parents


def image_made_from_this(*, viewer, image: Image, limit: int = STRIP_LIMIT) -> tuple[list[Relative], int]:
    """The first `limit` images made from this one, and how many there are in all."""
    links = ImageParent.objects.filter(parent=image).order_by("child_id").values_list("child_id", "kind")
    children = _relatives(viewer, list(links))
    return children[:limit], len(children)


FAMILY_SQL = """
WITH RECURSIVE family(id) AS (
    SELECT CAST(%s AS BIGINT)
    UNION
    SELECT CASE WHEN link.child_id = family.id THEN link.parent_id ELSE link.child_id END
    FROM gallery_imageparent AS link JOIN family ON link.child_id = family.id OR link.parent_id = family.id
)
SELECT id FROM family LIMIT %s
"""


@dataclass
class Family:
    members: list[Relative]
    links: list[tuple[int, int, str]]  # (parent, child, kind)
    total_cost: Decimal | None  # of the images the viewer sees
    hidden_count: int
    depth: dict[int, int]

    @property
    def size(self) -> int:
        return len(self.members)


def image_family(*, viewer, image: Image) -> Family:
    """Every image linked to this one by "made from", however distant, laid out by generation."""
    with connection.cursor() as cursor:
        cursor.execute(FAMILY_SQL, [image.pk, FAMILY_LIMIT])
        ids = sorted(row[0] for row in cursor.fetchall())
    # A link's parent is in the family whenever its child is.
    links = list(
        ImageParent.objects.filter(child_id__in=ids).order_by().values_list("parent_id", "child_id", "kind")
    )
    shown = _visible(viewer, ids)
    kinds: dict[int, list[str]] = {}
    parents: dict[int, list[int]] = {}
    for parent, child, kind in links:
        kinds.setdefault(child, []).append(kind)
        parents.setdefault(child, []).append(parent)
    depth: dict[int, int] = {}
    for pk in ids:  # ids ascend and links point back in time: every parent's depth is known first
        depth[pk] = 1 + max((depth[p] for p in parents.get(pk, ())), default=-1)
    url_of = _image_url_pattern()  # one reverse() for hundreds of links
    members = [
        Relative(
            pk=pk,
            kinds=sorted(set(kinds.get(pk, []))),
            image=shown.get(pk),
            url=url_of.format(pk) if pk in shown else "",
        )
        for pk in ids
    ]
    costs = [
        member.image.cost_usd for member in members if member.image and member.image.cost_usd is not None
    ]
    return Family(
        members=members,
        links=links,
        total_cost=sum(costs, Decimal(0)) if costs else None,
        hidden_count=sum(1 for member in members if member.image is None),
        depth=depth,
    )


# --- The family tree, drawn as SVG (built here: 500 nodes through template tags took most of the page) ----
STEP_X, STEP_Y, RADIUS, MARGIN = 34, 34, 11, 20
TITLE_PROMPT = 80


def family_tree_svg(*, family: Family, current_pk: int) -> SafeString:
    rows: dict[int, list[int]] = {}
    for member in family.members:
        rows.setdefault(family.depth[member.pk], []).append(member.pk)
    position = {
        pk: (MARGIN + index * STEP_X, MARGIN + level * STEP_Y)
        for level, row in rows.items()
        for index, pk in enumerate(row)
    }
    width = MARGIN * 2 + STEP_X * (max((len(row) for row in rows.values()), default=1) - 1)
    height = MARGIN * 2 + STEP_Y * max(rows, default=0)
    # Plain strings: every value is a number or a known kind except the prompt, which is escaped.
    lines = "".join(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" class="lineage-link lineage-{}"/>'.format(
            *position[parent], *position[child], KIND_CSS.get(kind, "other")
        )
        for parent, child, kind in family.links
    )
    nodes = "".join(_node(m, position[m.pk], m.pk == current_pk) for m in family.members)
    return mark_safe(  # noqa: S308 (numbers, fixed words, and prompts through html.escape)
        f'<svg class="lineage-tree" role="img" aria-labelledby="lineage-tree-title" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}"><title id="lineage-tree-title">The family of image '
        f"{current_pk}: {family.size} images, each below what it was made from</title>{lines}{nodes}</svg>"
    )


KIND_CSS = {kind: kind.replace("_", "-") for kind in ImageParent.Kind.values}
LIST_PROMPT = 120


def family_list_html(*, family: Family, current_pk: int) -> SafeString:
    """The family as a list, one line an image (built here, like the tree: 500 lines through template tags
    took two thirds of the lineage view's time)."""
    items = []
    for member in family.members:
        if member.image is None:
            items.append('<li><span class="muted">An image you can\'t see</span></li>')
            continue
        kinds = (
            f' <span class="muted small">({html.escape(member.kind_label)} an earlier image)</span>'
            if member.kinds
            else ""
        )
        this = " <strong>(this image)</strong>" if member.pk == current_pk else ""
        prompt = html.escape(member.image.prompt[:LIST_PROMPT])
        items.append(f'<li><a href="{member.url}">Image {member.pk}</a>{kinds}{this}: {prompt}</li>')
    return mark_safe("".join(items))  # noqa: S308 (numbers, fixed words, and labels and prompts through html.escape)


def _image_url_pattern() -> str:
    return reverse("gallery:image_detail", args=[0]).replace("/0/", "/{}/")


def _node(member: Relative, at: tuple[int, int], current: bool) -> str:
    x, y = at
    css = (
        "lineage-node" + (" lineage-current" if current else "") + ("" if member.image else " lineage-hidden")
    )
    circle = f'<circle cx="{x}" cy="{y}" r="{RADIUS}" class="{css}"/>'
    if member.image is None:
        return f"<g><title>An image you can't see (in the trash or not in the gallery)</title>{circle}</g>"
    title = f"Image {member.pk}" + (f" ({member.kind_label})" if member.kinds else "")
    prompt = member.image.prompt
    title += ": " + (prompt if len(prompt) <= TITLE_PROMPT else prompt[: TITLE_PROMPT - 1] + "…")
    return f'<a href="{member.url}"><title>{html.escape(title)}</title>{circle}</a>'
