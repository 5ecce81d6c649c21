"""Training: what a run costs and how it is laid out.

* :mod:`.estimate` — :func:`estimate_training`: FLOP → time → accelerator-hours → dollars, energy, CO2.
* :mod:`.efficiency` — the default model FLOP utilisation when the user gives none.
* :mod:`.defaults` — the planner's efficiency and goodput as ``train``'s defaults.
* :mod:`.shape_rule` — a standard decoder shape for a model known only by its parameter count.
* :mod:`.planner` — memory per rank, parallel layout, step time, failures and dollars of a run.
"""

from .estimate import TrainingEstimate, estimate_training, resolve_model

__all__ = ["TrainingEstimate", "estimate_training", "resolve_model"]
