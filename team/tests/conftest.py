from decimal import Decimal

import pytest

from team.models import MemberBudget


@pytest.fixture
def set_budget(db):
    def set_(member, amount: str | None) -> None:
        limit = None if amount is None else Decimal(amount)
        MemberBudget.objects.update_or_create(member=member, defaults={"monthly_limit_usd": limit})

    return set_
