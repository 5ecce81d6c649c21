"""Helpers shared by the result objects (TrainingEstimate, InferenceEstimate, fits) and the CLI."""

from __future__ import annotations

import math

import numpy as np


def jsonable(v):
    """``v`` with numpy values turned into Python ones, arrays into lists and NaN/inf into None."""
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, (tuple, list)):
        return [jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        return jsonable(v.item()) if v.ndim == 0 else [jsonable(x) for x in v.tolist()]
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, str) and type(v) is not str:  # e.g. a price's source (costcurve.prices.PriceSource): its text
        return str(v)
    return v


#: the module that draws results in notebooks: named, not imported, so no model module depends on a
#: renderer (the report package fulfils this protocol; docs/architecture.md)
DISPLAY_MODULE = "costcurve.report.notebook"


class NotebookMixin:
    """Notebook display of a result class: ``_repr_html_`` and ``to_frame()``.

    A result class opts in by inheriting this and naming its report kind (``_report_kind = "train"``).
    The drawing lives in :data:`DISPLAY_MODULE` (``repr_html(obj)``, ``to_frame(obj)``), imported only
    when a notebook asks: the model layer never imports the report layer.
    """

    __slots__ = ()

    def _repr_html_(self) -> str:
        return _display().repr_html(self)

    def to_frame(self, samples: bool = False):
        """A pandas DataFrame: one row per configuration of a sweep; of a Monte Carlo run, one row per
        figure with its p5, p50, p95 and mean (``samples=True``: one row per sample with its inputs)."""
        return _display().to_frame(self, samples=samples)


def _display():
    import importlib

    return importlib.import_module(DISPLAY_MODULE)
