"""`{% links_showing image %}`: the share links that show an image, for the gallery's image page.

A tag of the sharing app, which the gallery's template loads by name (the gallery, a layer below, never
imports sharing), as the Generate page shows the team app's budget note.
"""

from django import template

from sharing import selectors

register = template.Library()


@register.inclusion_tag("sharing/image_links.html", takes_context=True)
def links_showing(context, image) -> dict:
    """Shown to the image's owner (and staff): every link that exposes the image, whoever made it."""
    request = context.get("request")
    viewer = getattr(request, "user", None)
    if viewer is None or not (viewer.is_staff or image.owner_id == viewer.pk):
        return {"visible": False}
    return {"visible": True, "links": list(selectors.links_showing_image(image=image)), "viewer": viewer}
