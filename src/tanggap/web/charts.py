"""Geometry for server-rendered SVG charts (the template draws them: readable without JavaScript,
and every label goes through Jinja2's escaping)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int
    part: str  # css class: which series


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[tuple[float, str]]  # (position, label) along the value axis
    labels: Sequence[tuple[float, float, str]]  # (x, y, text) category labels
    title: str


def daily_columns(days: list[tuple[str, int, int]], title: str, width: int = 720, height: int = 220) -> Chart:
    """One column per day: net blocks, with that day's later-reversed blocks stacked above."""
    left, bottom, top = 40, 24, 10
    plot_h = height - bottom - top
    peak = max([net + rev for _, net, rev in days] + [1])
    step = (width - left) / max(len(days), 1)
    bars, labels = [], []
    for index, (label, net, reversed_) in enumerate(days):
        x = left + index * step + step * 0.15
        net_h = plot_h * net / peak
        rev_h = plot_h * reversed_ / peak
        base = top + plot_h
        bars.append(Bar(x, base - net_h, step * 0.7, net_h, label, net, "net"))
        if reversed_:
            bars.append(Bar(x, base - net_h - rev_h, step * 0.7, rev_h, label, reversed_, "reversed"))
        if index % 5 == 0 or index == len(days) - 1:
            labels.append((x + step * 0.35, height - 6, label))
    ticks = [(top + plot_h - plot_h * value / peak, str(value)) for value in _tick_values(peak)]
    return Chart(width, height, bars, ticks, labels, title)


def horizontal_bars(values: dict[str, int], title: str, width: int = 420) -> Chart:
    """One bar per group, longest first, with its figure at its end."""
    row, left = 26, 150
    ordered = sorted(values.items(), key=lambda item: (-item[1], item[0]))
    peak = max([value for _, value in ordered] + [1])
    height = max(row * len(ordered), row) + 8
    bars = [Bar(left, 4 + index * row, (width - left - 50) * value / peak, row - 8, name, value, "net")
            for index, (name, value) in enumerate(ordered)]
    labels = [(left - 6, 4 + index * row + row / 2, name) for index, (name, _) in enumerate(ordered)]
    return Chart(width, height, bars, [], labels, title)


def _tick_values(peak: int) -> list[int]:
    step = max(1, round(peak / 4))
    return list(range(0, peak + 1, step))
