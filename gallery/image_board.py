"""The seam for "the compare board it belongs to" on the image page.

Compare boards live in the compare app, above the gallery: the gallery cannot import it. The image page
calls the look-up that `settings.IMAGE_BOARD_LOOKUP` names (a dotted path; config/settings.py plugs in
`compare.selectors.board_link_for_image`), which answers a BoardLink for a board the viewer may see, or
None (no board, or one the viewer may not open: a board is its maker's and staff's).
"""

from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class BoardLink:
    url: str
    prompt: str
    model_count: int


def image_board(*, viewer, image) -> BoardLink | None:
    lookup = _lookup(getattr(settings, "IMAGE_BOARD_LOOKUP", ""))
    return None if lookup is None else lookup(viewer=viewer, image=image)


@cache
def _lookup(path: str):
    return import_string(path) if path else None
