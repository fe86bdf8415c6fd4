"""Dollar amounts: totals in dollars and cents, prices to four decimals where needed; stored to the micro-dollar."""

from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from core.money import stored, usd


@pytest.mark.parametrize(
    ("amount", "total", "price"),
    [
        # A total is dollars and cents, rounded half up; a price keeps up to four decimals where cents
        # would hide it, and shows cents where they are exact.
        ("0.1514", "$0.15", "$0.1514"),
        ("0.06", "$0.06", "$0.06"),
        ("1", "$1.00", "$1.00"),
        ("0.5", "$0.50", "$0.50"),
        ("0.0387", "$0.04", "$0.0387"),
        ("0.015", "$0.02", "$0.015"),
        ("0.1074", "$0.11", "$0.1074"),
        ("0", "$0.00", "$0.00"),
        ("0.12345", "$0.12", "$0.1235"),
        ("0.03999", "$0.04", "$0.04"),
        ("0.000001", "$0.00", "$0.00"),
        ("0.005", "$0.01", "$0.005"),
        # From $100 up, cents are enough for a price too.
        ("123.4567", "$123.46", "$123.46"),
        ("1234.5", "$1,234.50", "$1,234.50"),
        ("-0.5", "-$0.50", "-$0.50"),
        ("-0.0387", "-$0.04", "-$0.0387"),
    ],
)
def test_usd(amount, total, price):
    assert usd(Decimal(amount)) == total
    assert usd(Decimal(amount), price=True) == price


def test_no_amount_is_a_dash():
    assert usd(None) == "—"
    assert usd(None, price=True) == "—"


def test_a_small_price_is_never_in_scientific_notation():
    assert usd(Decimal("3E-7"), price=True) == "$0.00"
    assert usd(Decimal("1E+1")) == "$10.00"
    assert "E" not in usd(Decimal("0.00010"), price=True)


def test_stored_keeps_six_decimals_rounding_ties_away_from_zero():
    assert stored(Decimal("0.0387")) == Decimal("0.038700")
    assert stored(Decimal("0.0000005")) == Decimal("0.000001")
    assert stored(Decimal("0.0000015")) == Decimal("0.000002")
    assert stored(Decimal("-0.0000005")) == Decimal("-0.000001")
    assert stored(Decimal("0.12345649")) == Decimal("0.123456")
    assert stored(None) is None


def test_stored_can_round_ties_to_even():
    assert stored(Decimal("0.0000005"), rounding=ROUND_HALF_EVEN) == Decimal("0.000000")
    assert stored(Decimal("0.0000015"), rounding=ROUND_HALF_EVEN) == Decimal("0.000002")
    assert stored(Decimal("0.0193505"), rounding=ROUND_HALF_EVEN) == Decimal("0.019350")
