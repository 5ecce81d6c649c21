"""Decisions: answers to "what can I afford", "fine-tune or train", "rent or buy", "start now or wait".

Modules (import what you use; nothing here is loaded by ``import costcurve``):

* :mod:`.scaling_laws` — fitted loss laws, the compute-optimal split, inference-aware and data-constrained optima,
* :mod:`.budget` — :func:`~.budget.plan_budget`: dollars → FLOP → parameters and tokens,
* :mod:`.finetune_memory`, :mod:`.finetune` — :func:`~.finetune.estimate_finetune`: full / LoRA / QLoRA,
* :mod:`.rent_vs_buy` — :func:`~.rent_vs_buy.rent_vs_buy`: total cost of ownership against renting,
* :mod:`.price_trend`, :mod:`.wait` — :func:`~.wait.decide_wait`: the best start date as prices fall.

Every one prices time through :func:`costcurve.estimate_training` (``_chain``); docs/decisions.md has a
worked example of each.
"""
