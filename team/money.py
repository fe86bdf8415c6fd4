"""Showing US dollar amounts: whole cents where that is exact, otherwise up to four decimals.

Image prices are fractions of a cent apart ($0.0387 a picture), so rounding every amount to cents would
make a refusal read "$0.04 left, this costs $0.04".
"""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
TEN_THOUSANDTH = Decimal("0.0001")
# Costs are stored with six decimals (Generation.cost_usd / reserved_usd).
MICRO = Decimal("0.000001")


def stored(amount: Decimal | None) -> Decimal | None:
    """An amount as a six-decimal money column holds it, on every database.

    PostgreSQL's numeric column rounds on write, SQLite keeps what it is given and sums in floating
    point: quantizing on the way in and out makes both agree to the micro-dollar.
    """
    return None if amount is None else Decimal(amount).quantize(MICRO, ROUND_HALF_UP)


def usd(amount: Decimal | None) -> str:
    if amount is None:
        return "—"
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    if amount == amount.quantize(CENT) or amount >= 100:
        return f"{sign}${amount.quantize(CENT, ROUND_HALF_UP):,}"
    shown = amount.quantize(TEN_THOUSANDTH, ROUND_HALF_UP)
    if shown == shown.quantize(CENT):
        shown = shown.quantize(CENT)
    return f"{sign}${shown:,}"
