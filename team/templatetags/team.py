from django import template

from team import selectors

register = template.Library()


@register.inclusion_tag("team/budget_note.html", takes_context=True)
def budget_note(context, oob: bool = False) -> dict:
    """“Budget: $x of $y left this month” for the signed-in member (nothing when unlimited).

    `oob=True` makes it an htmx out-of-band swap that replaces the note already on the page."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"budget": None}
    return {"budget": selectors.member_budget_status_if_limited(member=user), "oob": oob}
