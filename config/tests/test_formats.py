"""One money format and one date format on every page (issue 15): the template filters every template
has without loading them, and the date formats Django reads from core/formats/."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone
from django.utils.formats import date_format

import openrouter
from imagegen.parameters import line_words


def render(source: str, **context) -> str:
    return Template(source).render(Context(context))


@pytest.mark.parametrize(
    ("value", "total", "price"),
    [
        (Decimal("0.0387"), "$0.04", "$0.0387"),
        (Decimal("12.5"), "$12.50", "$12.50"),
        ("0.1514", "$0.15", "$0.1514"),  # a string from a JSON field
        (3, "$3.00", "$3.00"),
        (None, "—", "—"),
        ("", "—", "—"),
    ],
)
def test_every_template_has_the_money_filters(value, total, price):
    assert render("{{ amount|usd }}|{{ amount|usd_price }}", amount=value) == f"{total}|{price}"


def test_dates_have_one_format_with_a_24_hour_time():
    moment = datetime(2026, 12, 2, 11, 51, tzinfo=UTC)
    with timezone.override(UTC):
        assert date_format(moment, "DATETIME_FORMAT") == "2 Dec 2026, 11:51"
        assert render("{{ moment|date }}", moment=moment) == "2 Dec 2026"
        assert render('{{ moment|date:"DATETIME_FORMAT" }}.', moment=moment) == "2 Dec 2026, 11:51."
        assert render('{{ moment|date:"TIME_FORMAT" }}', moment=moment) == "11:51"
    assert date_format(date(2026, 8, 1)) == "1 Aug 2026"


@pytest.mark.parametrize(
    ("billable", "unit", "cost", "variant", "words"),
    [
        ("output_image", "image", "0.0387", None, "$0.0387 an image"),
        ("output_image", "image", "0.134", "2K", "$0.134 an image (2K)"),
        ("input_text", "token", "3E-7", None, "$0.30 per 1M tokens of prompt"),
        ("output_image", "token", "0.00003", None, "$30.00 per 1M tokens"),
        ("input_image", "image", "0.0000774", None, "$0.0774 per 1,000 references"),
        ("input_image", "megapixel", "0.015", None, "$0.015 per megapixel of reference"),
        ("request", "request", "0.01", None, "$0.01 a request"),
    ],
)
def test_prices_read_as_dollars_never_in_scientific_notation(billable, unit, cost, variant, words):
    line = openrouter.PricingLine(billable, unit, Decimal(cost), variant)
    assert line_words(line) == words
