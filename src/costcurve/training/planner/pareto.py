"""The cheapest-versus-fastest front of training plans across accelerators, counts, providers and price kinds.

For every accelerator in ``gpu_options`` and count in ``gpus_options`` the planner's best layout
gives the wall-clock days; each provider's price of each kind (cloud on-demand, spot, 1-year,
3-year: the catalog median near the date) and owning the cluster (``amortized``) give dollars. A point is on the Pareto front when no other point is
both cheaper and faster. ``deadline_days``, ``budget_usd`` and ``max_gpus`` drop points first.

The quote rule of ``costcurve train`` (:data:`costcurve.prices.MIN_QUOTES` quotes from
:data:`costcurve.prices.MIN_PROVIDERS` providers) holds here too: a rental point is ``thin_evidence``
when its provider's price rests on fewer than ``MIN_QUOTES`` quotes or when that kind of capacity for
the accelerator has fewer than ``MIN_QUOTES`` quotes from ``MIN_PROVIDERS`` providers in the whole
catalog. Such points are kept in ``points`` but left off the front (never called cheapest) unless
``allow_thin_prices``.
"""

from __future__ import annotations

import math

import numpy as np

from costcurve.catalog import PRICE_KINDS
from costcurve.errors import CostcurveError, InputError
from costcurve.units import number_input

PARETO_KINDS = PRICE_KINDS + ("amortized",)


def pareto_front(cost, days) -> np.ndarray:
    """Indices of the non-dominated points (lower cost and fewer days are better), cheapest first."""
    cost = np.asarray(cost, dtype=float)
    days = np.asarray(days, dtype=float)
    ok = np.flatnonzero(np.isfinite(cost) & np.isfinite(days))
    order = ok[np.lexsort((days[ok], cost[ok]))]
    front, best_days = [], math.inf
    for i in order:
        if days[i] < best_days:
            front.append(int(i))
            best_days = days[i]
    return np.asarray(front, dtype=int)


def default_gpus_options(max_gpus: int) -> list[int]:
    """Powers of two from 8 to ``max_gpus`` (and ``max_gpus`` itself). [count]"""
    opts = [2**k for k in range(3, 25) if 2**k <= max_gpus]
    return sorted(set(opts + [int(max_gpus)])) if max_gpus >= 8 else [int(max_gpus)]


def pareto_plans(*, model, tokens=None, gpu_options=("h100",), gpus_options=None, deadline_days=None,
                 budget_usd=None, max_gpus=None, price_kinds=PARETO_KINDS, catalog=None, progress=None,
                 allow_thin_prices=False, **plan_kw) -> dict:
    """Evaluate every (accelerator, count, price kind) and return ``{"points": [...], "pareto": [...]}``.

    Each point: gpu, gpus, price_kind, days, cost_usd, parallelism, mfu, goodput, price source.
    Combinations with no fitting layout or no price are skipped and listed in ``skipped``.
    """
    from costcurve.catalog import Catalog, load_catalog

    cat = catalog if isinstance(catalog, Catalog) else load_catalog(catalog)
    deadline = number_input(deadline_days, "deadline_days")
    budget = number_input(budget_usd, "budget_usd")
    cap = int(number_input(max_gpus, "max_gpus", integer=True)) if max_gpus is not None else None
    gpus_list = [int(number_input(g, "gpus_options", integer=True)) for g in gpus_options] if gpus_options else \
        default_gpus_options(cap or 16384)
    if cap is not None:
        gpus_list = [g for g in gpus_list if g <= cap]
    if not gpus_list:
        raise InputError("no accelerator count left after `max_gpus`", field="gpus_options")
    accs = [cat.accelerator(g) for g in gpu_options]
    best = _best_plans(model, tokens, accs, gpus_list, cat, progress, plan_kw)
    points, skipped = [], []
    for acc in accs:
        quotes = None  # the accelerator's prices, resolved once for all its counts
        for n in gpus_list:
            plan = best[acc.name, n]
            if isinstance(plan, CostcurveError):
                skipped.append({"gpu": acc.name, "gpus": n, "reason": str(plan)})
                continue
            quotes = list(_prices(cat, acc.name, price_kinds, plan_kw)) if quotes is None else quotes
            points.extend(_points(acc.name, n, plan, quotes))
    keep = [p for p in points if (deadline is None or p["days"] <= deadline) and (budget is None or p["cost_usd"] <= budget)]
    if not isinstance(allow_thin_prices, bool):
        raise InputError(f"got {allow_thin_prices!r}; allowed: True or False", field="allow_thin_prices")
    eligible = [p for p in keep if allow_thin_prices or not p["thin_evidence"]]
    front = pareto_front([p["cost_usd"] for p in eligible], [p["days"] for p in eligible])
    return {"points": keep, "pareto": [eligible[i] for i in front], "skipped": skipped,
            "thin_left_out": sum(1 for p in keep if p["thin_evidence"]) if not allow_thin_prices else 0}


def _best_plans(model, tokens, accs, gpus_list, cat, progress, plan_kw) -> dict:
    """{(accelerator name, count): its best Plan, or the CostcurveError that skips it}.

    Count by count, so that the layouts of a count and their memory (which do not depend on the
    accelerator) are built once for every accelerator with the same scale-up domain.
    """
    from costcurve.training.planner.plan import plan_training

    out, done, total = {}, 0, len(accs) * len(gpus_list)
    for n in gpus_list:
        memo = {}  # one count's layouts and memory, keyed by value; dropped before the next count
        for acc in accs:
            done += 1
            try:
                out[acc.name, n] = plan_training(model=model, tokens=tokens, gpu=acc.name, gpus=n, top=1, catalog=cat,
                                                 explain_misfit=False, _memo=memo, **plan_kw).best
            except CostcurveError as e:
                out[acc.name, n] = e
            finally:
                if progress is not None:
                    progress(done, total)
    return out


def _points(gpu, n, best, quotes) -> list:
    """The Pareto points of one (accelerator, count): one per price kind and provider with a finite cost."""
    out = []
    for kind, provider, price, src, evidence in quotes:
        usd = best.cost_usd["amortized"] if kind == "amortized" else best.gpu_hours * price
        if not math.isfinite(usd):
            continue
        out.append({"gpu": gpu, "gpus": n, "price_kind": kind, "provider": provider, "days": best.wall_clock_days,
                    "cost_usd": usd, "price_usd_per_gpu_hour": price, "price_source": src, "gpu_hours": best.gpu_hours,
                    "mfu": best.mfu, "goodput": best.goodput, "parallelism": best.parallelism.to_dict(), **evidence,
                    "plan": best})
    return out


def _prices(cat, gpu, kinds, plan_kw):
    """(kind, provider, USD per accelerator-hour, source) for every price kind and provider with quotes.

    ``amortized`` has no hourly price (owning the cluster: capex used up + energy). A provider given
    in ``plan_kw`` limits the providers.
    """
    from costcurve.prices import quote_evidence, resolve_price

    date = _date(plan_kw)
    only = plan_kw.get("provider")
    for kind in kinds:
        if kind == "amortized":
            yield kind, None, math.nan, "amortized capex + energy", {"price_quotes": None, "price_providers": None,
                                                                     "thin_evidence": False}
            continue
        providers = sorted({q.provider for q in cat.quotes(gpu, kind=kind)})
        for provider in ([only] if only else providers):
            if provider not in providers:
                continue
            price, src = resolve_price(cat, gpu, date, None, kind=kind, provider=provider)
            yield kind, provider, price, src, quote_evidence(cat, gpu, date, kind, provider)


def _date(kw):
    from costcurve.units import parse_date

    return parse_date(kw.get("date"))
