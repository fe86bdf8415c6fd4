from django import template

from team import selectors
from team.money import usd as format_usd

register = template.Library()


@register.filter
def usd(amount) -> str:
    """$1.50, $0.0387: cents where exact, otherwise up to four decimals."""
    return format_usd(amount)


@register.inclusion_tag("team/budget_note.html", takes_context=True)
def budget_note(context) -> dict:
    """“Budget: $x of $y left this month” for the signed-in member (nothing when unlimited)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"budget": None}
    return {"budget": selectors.member_budget_status_if_limited(member=user)}
