from decimal import Decimal

import pytest

from team.models import MemberBudget

FLUX = "black-forest-labs/flux.2-pro"  # $0.03 an image, charged exactly that by the stand-in
KLEIN = "black-forest-labs/flux.2-klein-4b"  # $0.014 an image
GEMINI = "google/gemini-2.5-flash-image"  # $0.0387 estimated; the stand-in adds a little for text


@pytest.fixture
def set_budget(db):
    def set_(member, amount: str | None) -> None:
        limit = None if amount is None else Decimal(amount)
        MemberBudget.objects.update_or_create(member=member, defaults={"monthly_limit_usd": limit})

    return set_
