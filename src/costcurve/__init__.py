"""costcurve: the economics of AI compute — what training and serving cost, and how fast that falls.

Library entry points (plain functions; arrays broadcast):

* :func:`estimate_training` — FLOP, time, accelerator-hours, dollars (cloud, amortized,
  acquisition), energy and CO2 of a training run.
* :func:`load_catalog` — the bundled, sourced tables (accelerators, prices, models, presets).
* :func:`count_params`, :mod:`costcurve.flop` — parameter and FLOP accounting.

``import costcurve`` loads numpy and the standard library only.
"""

from __future__ import annotations

from ._version import __version__  # noqa: E402

from .architecture import Architecture, count_params  # noqa: E402
from .catalog import load_catalog  # noqa: E402
from .errors import CatalogError, CostcurveError, InputError, UnknownNameError  # noqa: E402
from .training import TrainingEstimate, estimate_training  # noqa: E402

__all__ = [
    "Architecture", "CatalogError", "CostcurveError", "InputError", "TrainingEstimate", "UnknownNameError",
    "count_params", "estimate_training", "load_catalog", "__version__",
]


def __getattr__(name):  # lazy entry points of the optional parts
    if name == "estimate_inference":
        from costcurve.serving.estimate import estimate_inference

        return estimate_inference
    if name in ("plan_training", "pareto_plans"):
        from costcurve.training import planner

        return getattr(planner, name)
    raise AttributeError(f"module 'costcurve' has no attribute {name!r}")
