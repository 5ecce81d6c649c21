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
    return v
