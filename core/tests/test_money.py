"""Dollar amounts: shown in cents where exact, otherwise to four decimals; stored to the micro-dollar."""

from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from core.money import stored, usd


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        ("0.1514", "$0.1514"),
        ("0.06", "$0.06"),
        ("1", "$1.00"),
        ("0.5", "$0.50"),
        ("0.0387", "$0.0387"),
        ("0.1074", "$0.1074"),
        ("0", "$0.00"),
        # Four decimals at most, rounded half up; a rounding that lands on whole cents shows cents.
        ("0.12345", "$0.1235"),
        ("0.03999", "$0.04"),
        ("0.000001", "$0.00"),
        # From $100 up, cents are enough.
        ("123.4567", "$123.46"),
        ("1234.5", "$1,234.50"),
        ("-0.5", "-$0.50"),
        ("-0.0387", "-$0.0387"),
    ],
)
def test_usd(amount, shown):
    assert usd(Decimal(amount)) == shown


def test_no_amount_is_a_dash():
    assert usd(None) == "—"


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
