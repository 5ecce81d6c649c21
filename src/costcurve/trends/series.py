"""Dated, sourced series to fit trends on: the data types.

A :class:`Series` is a named list of dated :class:`Point` values with the direction of progress.
The bundled series are built in :mod:`costcurve.trends.bundled`; a user's CSV and Epoch AI exports
are read by :mod:`costcurve.trends.sources`.

Time is a decimal year (2020.5 = 2 July 2020). Values are in the series' ``unit`` (USD for costs).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import InputError
from ..units import decimal_year

POINT_SELECTIONS = ("default", "all", "records")


@dataclass(frozen=True)
class Point:
    """One dated value of a series, with where it came from."""

    date: dt.date
    value: float  #: in the series' unit
    label: str = ""
    source: str = ""
    note: str = ""
    extra: dict = field(default_factory=dict, compare=False)  #: e.g. training_flop, reported_usd, gpu

    def to_dict(self) -> dict:
        return {"date": self.date.isoformat(), "year": round(decimal_year(self.date), 4), "value": self.value,
                "label": self.label, "note": self.note, "source": self.source, **self.extra}


@dataclass(frozen=True)
class Series:
    """A named, dated, sourced series. ``better`` says which way is progress (lower cost, higher FLOP/$)."""

    name: str
    title: str
    unit: str
    points: tuple[Point, ...]
    better: str = "lower"  #: "lower" | "higher"
    default_points: str = "all"  #: which points a fit uses by default: "all" | "records"
    description: str = ""
    source: str = ""
    reference: tuple[Point, ...] = ()  #: published figures shown next to the series, not fitted
    notes: tuple[str, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "points", tuple(sorted(self.points, key=lambda p: (p.date, p.value))))

    def __len__(self):
        return len(self.points)

    @property
    def years(self) -> np.ndarray:
        """Dates as decimal years. [year]"""
        return np.array([decimal_year(p.date) for p in self.points])

    @property
    def values(self) -> np.ndarray:
        return np.array([p.value for p in self.points], dtype=float)

    @property
    def labels(self) -> list[str]:
        return [p.label for p in self.points]

    def records(self) -> Series:
        """Only the points that beat every earlier point (the cheapest-so-far frontier)."""
        out, best = [], None
        sign = 1.0 if self.better == "lower" else -1.0
        by_date: dict = {}
        for p in self.points:
            cur = by_date.get(p.date)
            if cur is None or sign * p.value < sign * cur.value:
                by_date[p.date] = p
        for p in sorted(by_date.values(), key=lambda p: p.date):
            if best is None or sign * p.value < sign * best:
                out.append(p)
                best = p.value
        return replace(self, points=tuple(out), notes=self.notes + ("records only: points that beat every earlier point",))

    def select(self, points: str = "default") -> Series:
        """``default`` (the series' own choice), ``all`` or ``records``."""
        if points not in POINT_SELECTIONS:
            raise InputError(f"got {points!r}; allowed: {', '.join(POINT_SELECTIONS)}", field="points")
        which = self.default_points if points == "default" else points
        return self.records() if which == "records" else self

    def between(self, since=None, until=None) -> Series:
        """Points with since <= decimal year < until (either may be None)."""
        keep = [p for p in self.points if (since is None or decimal_year(p.date) >= since)
                and (until is None or decimal_year(p.date) < until)]
        return replace(self, points=tuple(keep))

    def to_dict(self) -> dict:
        return {"name": self.name, "title": self.title, "unit": self.unit, "better": self.better,
                "default_points": self.default_points, "description": self.description, "source": self.source,
                "n_points": len(self.points), "points": [p.to_dict() for p in self.points],
                "reference": [p.to_dict() for p in self.reference], "notes": list(self.notes)}
