"""Showing US dollar amounts: whole cents where that is exact, otherwise up to four decimals.

Image prices are fractions of a cent apart ($0.0387 a picture), so rounding every amount to cents would
make a refusal read "$0.04 left, this costs $0.04".
"""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
TEN_THOUSANDTH = Decimal("0.0001")


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
