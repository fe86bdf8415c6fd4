"""Money in every template through core.money's one format (a builtin library: no `{% load %}` needed).

`{{ total|usd }}` is dollars and cents, for totals, spends and budgets; `{{ cost|usd_price }}` keeps up
to four decimals, for a unit price or one image's cost. Dates use the formats in core/formats/
(`{{ moment|date }}`, `{{ moment|date:"DATETIME_FORMAT" }}`), never a format string of their own.
"""

from decimal import Decimal, InvalidOperation

from django import template

from core import money

register = template.Library()


def _amount(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@register.filter
def usd(value) -> str:
    return money.usd(_amount(value))


@register.filter
def usd_price(value) -> str:
    return money.usd(_amount(value), price=True)
