"""Server-drawn SVG charts: geometry computed here, drawn by a template; no JavaScript, no CDN."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from core.money import usd
from team.selectors import DaySpend

WIDTH = 720
HEIGHT = 220
LEFT = 64  # room for the amounts on the axis
RIGHT = 8
TOP = 12
BOTTOM = 28  # room for the day numbers


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label_x: float
    day_number: int
    title: str


@dataclass(frozen=True)
class GridLine:
    y: float
    label: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    grid: list[GridLine]
    baseline_y: float
    left: int
    right_x: int
    label_y: float
    peak: DaySpend | None


def daily_bar_chart(*, days: Sequence[DaySpend]) -> BarChart:
    """One bar per day, heights relative to the month's highest day; gridlines at half and full."""
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    baseline = TOP + plot_height
    highest = max((day.spend for day in days), default=Decimal(0))
    slot = plot_width / max(len(days), 1)
    bars = []
    for index, day in enumerate(days):
        height = float(day.spend / highest) * plot_height if highest else 0.0
        x = LEFT + index * slot + slot * 0.15
        bars.append(
            Bar(
                x=round(x, 1),
                y=round(baseline - height, 1),
                width=round(slot * 0.7, 1),
                height=round(height, 1),
                label_x=round(LEFT + index * slot + slot / 2, 1),
                day_number=day.day.day,
                title=f"{day.label}: {usd(day.spend)}",
            )
        )
    grid = (
        [
            GridLine(y=round(baseline - plot_height * float(fraction), 1), label=usd(highest * fraction))
            for fraction in (Decimal("0.5"), Decimal(1))
        ]
        if highest
        else []
    )
    peak = max(days, key=lambda day: day.spend) if highest else None
    return BarChart(
        width=WIDTH,
        height=HEIGHT,
        bars=bars,
        grid=[GridLine(y=baseline, label=usd(Decimal(0))), *grid],
        baseline_y=baseline,
        left=LEFT,
        right_x=WIDTH - RIGHT,
        label_y=HEIGHT - 10,
        peak=peak,
    )
