"""Training planner: memory, parallel layout, step time, failures and dollars of a training run.

Public entry points:

* :func:`plan_training` — evaluate one layout or search every legal one (``costcurve plan``);
* :func:`pareto_plans` — the cheapest-vs-fastest front across accelerators, counts and price kinds;
* :func:`memory_breakdown` / :func:`activation_bytes_per_layer` — memory per accelerator;
* :func:`step_time_breakdown` — time of one step from the layout;
* :func:`default_goodput` — time lost to failures, restarts and checkpoints.
"""

from costcurve.training.planner.goodput import default_goodput
from costcurve.training.planner.layout import Layout, enumerate_layouts
from costcurve.training.planner.rank_memory import activation_bytes_per_layer, memory_breakdown, model_state_bytes
from costcurve.training.planner.pareto import pareto_front, pareto_plans
from costcurve.training.planner.plan import plan_training
from costcurve.training.planner.result import Plan, PlanSearch
from costcurve.training.planner.step_time import step_time_breakdown

__all__ = ["Layout", "Plan", "PlanSearch", "activation_bytes_per_layer", "default_goodput", "enumerate_layouts",
           "memory_breakdown", "model_state_bytes", "pareto_front", "pareto_plans", "plan_training",
           "step_time_breakdown"]
