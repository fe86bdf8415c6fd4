"""The one seam between generating and the team's rules: whether a member may submit, and what to reserve.

Budgets sum generations, so the team app reads imagegen; a generation must pass the member's budget, so
imagegen needs the team's check. Instead of importing each other, imagegen calls the check that the
settings name (`GENERATION_ADMISSION`, a dotted path: config/settings.py plugs in
`team.services.generation_admit`). The check runs inside the transaction that creates the generation,
after the form's own checks; it raises a GenerationRefused (imagegen.exceptions) to refuse, and returns
the amount to reserve against the member's budget until the generation is settled.
"""

from decimal import Decimal
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string


def generation_admit(*, member, model, estimate) -> Decimal:
    """Admit a generation or raise; the amount to reserve (nothing when no check is configured).

    `estimate` is what the form showed (an imagegen.pricing.Estimate, or None when the model has no
    published price): the check reserves its top.
    """
    check = _check(settings.GENERATION_ADMISSION)
    if check is None:
        return Decimal(0)
    return check(member=member, model=model, estimate=estimate)


@cache
def _check(path: str):
    return import_string(path) if path else None
