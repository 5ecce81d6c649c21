"""Serving planner: engine profiles, MoE and parallel step times, a request-level load model, deployments.

* :mod:`.engines` — per-engine efficiencies and overheads (TensorRT-LLM, vLLM, SGLang), bundled and sourced.
* collectives (all-reduce, all-to-all, point-to-point: latency + size / bandwidth) are :mod:`costcurve.collectives`.
* :mod:`.moe` — distinct experts a batch touches; expert-parallel all-to-all.
* :mod:`.step` — one replica (tensor × pipeline parallel): decode step and prefill times, memory, capacity.
* :mod:`.load` — continuous batching under Poisson arrivals (discrete-event, iteration level): p50/p95
  time to first token and time per output token; the highest load within p95 targets.
* :mod:`.disagg` — separate prefill and decode pools.
* :mod:`.deploy` — the cheapest deployment for a demand and latency targets, and its Pareto front.
* :mod:`.market` — that deployment's cost per query against published API list prices.

Nothing here is imported by ``import costcurve``.
"""
