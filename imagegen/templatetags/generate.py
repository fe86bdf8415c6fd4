"""The Generate page's cards reuse the gallery's favourite star, so its swap answers every page alike."""

from django import template
from django.urls import reverse

from gallery import markup

register = template.Library()


@register.simple_tag
def favourite_star(image):
    """The star of an image on a card (`is_favourite` is annotated by imagegen.selectors)."""
    url = reverse("gallery:image_favourite", args=[image.pk])
    return markup.star_button(url=url, is_favourite=bool(getattr(image, "is_favourite", False)))
