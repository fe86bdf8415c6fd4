"""US dollar amounts: rounding them as the money columns hold them, and showing them.

One format everywhere: totals, spends and budgets in dollars and cents ("$1.23"). A unit price keeps up
to four decimals where cents would hide it: image prices are fractions of a cent apart ($0.0387 a
picture), so an estimate or a refusal rounded to cents would read "$0.04 left, this costs $0.04".
"""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
TEN_THOUSANDTH = Decimal("0.0001")
# Costs are stored with six decimals (Generation.cost_usd / reserved_usd, estimates).
MICRO = Decimal("0.000001")


def stored(amount: Decimal | None, *, rounding: str = ROUND_HALF_UP) -> Decimal | None:
    """An amount as a six-decimal money column holds it, on every database.

    PostgreSQL's numeric column rounds on write (ties away from zero), SQLite keeps what it is given and
    sums in floating point: quantizing on the way in and out makes both agree to the micro-dollar.
    Estimates and per-image shares of a cost have always rounded ties to even: those callers say so.
    """
    return None if amount is None else Decimal(amount).quantize(MICRO, rounding)


def usd(amount: Decimal | None, *, price: bool = False) -> str:
    """$1.23, $1,234.50 (cents, half up); with `price`, up to four decimals where cents are not exact:
    $0.0387, $0.015. No amount is a dash."""
    if amount is None:
        return "—"
    sign = "-" if amount < 0 else ""
    amount = abs(Decimal(amount))
    if not price or amount == amount.quantize(CENT) or amount >= 100:
        return f"{sign}${amount.quantize(CENT, ROUND_HALF_UP):,}"
    shown = amount.quantize(TEN_THOUSANDTH, ROUND_HALF_UP).normalize()
    if shown == shown.quantize(CENT):
        shown = shown.quantize(CENT)
    return f"{sign}${shown:,f}"
