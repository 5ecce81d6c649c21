"""What an AI product costs over its life: a model phase, then a growing demand that cycles by the hour,
served by an API, rented or owned capacity while prices fall. Month by month (m = 1..M):

* **api**: ``q_m · 30.44 d · p_api · e^(b·m/12)``; ``p_api`` is the cheapest listed price of a query
  (input × input price + (answer + reasoning) × output price) of any model at or above the capability
  (:mod:`costcurve.trends.api_prices`), ``b`` the slope of that level's ``inference-price`` trend
  (:func:`costcurve.trends.fit.fit_series`, records, OLS), or ``ln(1 − decline)`` when a decline is given.
* **rent**: the ``deploy`` answer (:func:`costcurve.serving.deploy.plan_deployment`) fixes the layout and a
  replica's highest rate within the p95 targets ``λ``; each hour runs ``max(1, ⌈q_{m,h}/λ⌉)`` replicas
  (``rent_scaling = hourly``) or the month's peak all day (``peak``), at the catalog price of
  ``rent_price_kind``, falling as ``e^(−g·m/12)`` with the accelerator price-performance trend ``g``
  (:mod:`.price_trend`), as :mod:`.rent_vs_buy` does.
* **rent_committed**: the same at ``committed_price_kind`` (3-year) prices, the peak capacity paid every
  hour and never given back (a commitment only grows).
* **own**: as :mod:`.rent_vs_buy`: accelerators bought when the peak need first exceeds what is owned, at
  ``chip price × server overhead × e^(−g·(m−1)/12)``; power of the busy accelerator-hours at PUE,
  colocation of everything owned, resale of the fleet at the end at ``resale × e^(−g·Y)`` of its price.

The deployment is searched once per factor of 4 in peak-hour demand (at the first month in it; cached
by value); a bought or committed fleet keeps the accelerator of the largest demand. NPVs discount month ``m`` by ``(1 + r)^(−m/12)`` (purchases at the month's start). The model
phase (fine-tune, RL post-training, pre-training) is paid when self-hosting starts. The cheapest path
tries every option alone, one switch and two switches (owned or committed capacity is never left).
The Monte Carlo samples every range given and both trends' slopes (normal within their 90% intervals)
and ranks the inputs by their share of each option's NPV spread (:func:`costcurve.uncertainty.sensitivity`).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..uncertainty import Z95, draw, sensitivity, summarize
from ..units import number_input
from . import lifecycle_inputs as li
from .lifecycle_inputs import PRICE_KINDS, RANGED, check_scenario  # noqa: F401 (public names of this module)
from .rent_vs_buy import HOURS_PER_MONTH

DAYS_PER_MONTH = HOURS_PER_MONTH / 24.0  #: 30.4375 days
SECONDS_PER_DAY = 86400.0
SELF_HOSTED = ("rent", "rent_committed", "own")
BUCKET = 4.0  #: the deployment is searched once per factor of 4 in peak demand [1]
PATH_GAIN = 0.005  #: a path with more switches must be this share cheaper to be preferred [1]
#: inputs that may be ranges (sampled); the deployment is searched at their medians


@dataclass(frozen=True)
class Layout:
    """A deployment per month: arrays of length M (the layout may change between octaves of demand)."""

    gpu: tuple  #: accelerator per month
    gpus_per_replica: np.ndarray  #: [count]
    rate_per_s: np.ndarray  #: highest arrival rate per replica within the targets [1/s]
    saturated_per_s: np.ndarray  #: [1/s]
    price_usd_per_gpu_hour: np.ndarray  #: [USD/h]
    source: str
    searches: int  #: deploy searches run


@dataclass(frozen=True)
class LifecycleResult:
    """Result of :func:`plan_lifecycle`: money in USD, months 1..M."""

    options: dict  #: name -> {npv_usd, monthly_usd, ...}
    cheapest: str  #: an option or a path "api→rent"
    cheapest_npv_usd: float
    switch_points: tuple  #: {month, date, from, to, description}
    utilization_by_hour: dict
    sensitivity: dict
    assumptions: dict
    notes: tuple = ()

    def to_dict(self) -> dict:
        from ..results import jsonable

        return jsonable({"options": self.options, "cheapest": self.cheapest, "cheapest_npv_usd": self.cheapest_npv_usd,
                         "switch_points": list(self.switch_points), "utilization_by_hour": self.utilization_by_hour,
                         "sensitivity": self.sensitivity, "assumptions": self.assumptions, "notes": list(self.notes)})


# ---- the deployment per octave of demand --------------------------------------------------------
@functools.lru_cache(maxsize=256)
def _deploy_cached(key):
    return _deploy(dict(key), None)


def _deploy(kw: dict, catalog):
    from ..serving.deploy import plan_deployment

    # the layout of the accelerator the user named, at the price kind they chose: deploy's quote rule
    # (thin prices left out of a search) does not apply; the deployment's thin_evidence says how thin it is
    return plan_deployment(**kw, catalog=catalog, allow_thin_prices=True).best


def layout(v: dict, peak_qpd, price_kind, catalog=None) -> Layout:
    """The deployment of each month, searched at the first month of each octave of peak demand."""
    octave = np.floor(np.log(np.maximum(peak_qpd, 1e-9)) / np.log(BUCKET))
    gpus = tuple(x.strip() for x in str(v["gpu"]).split(",") if x.strip()) if v.get("gpu") else None
    deps, by_octave = [], {}
    for m, o in enumerate(octave):
        if o not in by_octave:
            kw = (("model", v["model"]), ("queries_per_day", float(peak_qpd[m])), ("input_tokens", v["_I"]),
                  ("output_tokens", v["_O"]), ("reasoning_tokens", v["_R"] or None), ("length_sigma", v["length_sigma"]),
                  ("ttft_p95_s", v["ttft_p95_s"]), ("tpot_p95_s", v["tpot_p95_s"]), ("gpu_options", gpus),
                  ("engine", v["engine"]), ("price_kind", price_kind), ("date", v["_date"].isoformat()))
            by_octave[o] = _deploy(dict(kw), catalog) if catalog is not None else _deploy_cached(kw)
        deps.append(by_octave[o])
    arr = lambda f: np.array([float(getattr(d, f)) for d in deps])
    return Layout(tuple(d.gpu for d in deps), arr("gpus_per_replica"), arr("rate_per_replica_per_s"),
                  arr("saturated_rate_per_s"), arr("price_usd_per_gpu_hour"), deps[0].price_source, len(by_octave))


# ---- cash flows (vectorized: leading sample axis S, then months M, then hours 24) -----------------
def _replicas(q_mh, lay: Layout):
    """Replicas each hour: max(1, ⌈q/λ⌉), shape (S, M, 24)."""
    return np.maximum(1.0, np.ceil(q_mh / SECONDS_PER_DAY / lay.rate_per_s[:, None] - 1e-9))


def _decay(g, months, shift=0.0):
    m = np.arange(1, months + 1, dtype=float) - shift
    return np.exp(-np.asarray(g, dtype=float)[..., None] * m / 12.0)


def api_flows(q_m, p_query, slope, months):
    """Monthly API bill [USD]: q_m · days · p · e^(b·m/12)."""
    return q_m * DAYS_PER_MONTH * np.asarray(p_query)[..., None] * _decay(-np.asarray(slope), months)


def rent_flows(q_mh, lay: Layout, g, scaling):
    """Monthly rent [USD] and accelerator-hours: hourly replicas, or the month's peak every hour."""
    reps = _replicas(q_mh, lay)
    if scaling == "peak":
        reps = np.broadcast_to(reps.max(-1, keepdims=True), reps.shape)
    gpu_h = reps.sum(-1) * lay.gpus_per_replica * DAYS_PER_MONTH
    return gpu_h * lay.price_usd_per_gpu_hour * _decay(g, q_mh.shape[-2]), gpu_h


def fleet(q_mh, lay: Layout, start=0):
    """Accelerators held from month ``start`` on: the running maximum of the peak need, (S, M)."""
    need = _replicas(q_mh, lay).max(-1) * lay.gpus_per_replica
    need = np.where(np.arange(need.shape[-1]) >= start, need, 0.0)
    return np.maximum.accumulate(need, axis=-1)


def committed_flows(q_mh, lay: Layout, g, start=0):
    held = fleet(q_mh, lay, start)
    return held * HOURS_PER_MONTH * lay.price_usd_per_gpu_hour * _decay(g, q_mh.shape[-2])


def own_flows(q_mh, lay: Layout, g, *, chip_usd, tdp_w, kwh_usd, colo_usd, resale, assumptions, start=0):
    """Owning, month by month [USD]: capex, power, colocation (S, M) and the resale value at the end (S,)."""
    A = assumptions
    M = q_mh.shape[-2]
    held = fleet(q_mh, lay, start)
    bought = np.diff(held, axis=-1, prepend=0.0)
    col = lambda x: np.asarray(x, dtype=float)[..., None]
    capex = bought * col(chip_usd) * A.server_overhead * _decay(g, M, shift=1.0)
    busy_h = np.minimum(_replicas(q_mh, lay).sum(-1) * lay.gpus_per_replica * DAYS_PER_MONTH, held * HOURS_PER_MONTH)
    busy_h = np.where(np.arange(M) >= start, busy_h, 0.0)
    kw_per_gpu = tdp_w * A.server_power_overhead / 1000.0
    power = busy_h * kw_per_gpu * A.power_utilization * A.pue * col(kwh_usd)
    colo = held * kw_per_gpu * col(colo_usd)
    resale_usd = held[..., -1] * np.asarray(chip_usd) * A.server_overhead * np.asarray(resale) * \
        np.exp(-np.asarray(g) * M / 12.0)
    return {"capex": capex, "power": power, "colocation": colo, "resale": resale_usd, "held": held}


def _discount(r, months, shift=0.0):
    m = np.arange(1, months + 1, dtype=float) - shift
    return (1.0 + np.asarray(r, dtype=float)[..., None]) ** (-m / 12.0)


def own_npv(f, r):
    M = f["capex"].shape[-1]
    return ((f["capex"] * _discount(r, M, 1.0)).sum(-1) + ((f["power"] + f["colocation"]) * _discount(r, M)).sum(-1)
            - f["resale"] * (1.0 + np.asarray(r)) ** (-M / 12.0))


def own_monthly(f):
    out = f["capex"] + f["power"] + f["colocation"]
    out[..., -1] -= f["resale"]
    return out


# ---- the API at the same capability --------------------------------------------------------------
def api_offer(v: dict, catalog=None) -> dict:
    """The capability, the listed prices at or above it (latest per model and provider up to the date),
    and the level's inference-price trend slope [1/year] with its 90% interval."""
    from ..trends.api_prices import load_api_prices, prices_for_architecture
    from ..trends.capability import parse_capability
    from ..inputs import resolve_model

    if v.get("capability"):
        cap = parse_capability(v["capability"])
    else:
        name, _, _ = resolve_model(v["model"], catalog)
        scores = [r.scores["mmlu"] for r in prices_for_architecture(name) if "mmlu" in r.scores]
        if not scores:
            raise InputError(f"the API price table has no MMLU score of {name}; give the level (e.g. `capability` "
                             "mmlu>=80) or leave api out of `options`", field="capability")
        cap = parse_capability(f"mmlu>={max(scores):g}")
    latest = {}
    for r in load_api_prices():
        s = r.scores.get(cap.bench)
        if r.reasoning or s is None or s < cap.threshold or r.date > v["_date"]:
            continue
        if (r.model, r.provider) not in latest or r.date > latest[(r.model, r.provider)].date:
            latest[(r.model, r.provider)] = r
    rows = list(latest.values())
    if not rows:
        raise InputError(f"no API in the table reaches {cap.title} by {v['_date']}", field="capability")
    pin = np.array([r.usd_per_m_input if r.usd_per_m_input is not None else r.usd_per_m_blended for r in rows])
    pout = np.array([r.usd_per_m_output if r.usd_per_m_output is not None else r.usd_per_m_blended for r in rows])
    out = {"capability": cap, "rows": rows, "pin": pin, "pout": pout}
    if v.get("api_price_decline") is not None:
        b = math.log1p(-v["api_price_decline"])
        out.update(slope=b, slope_ci=(b, b), trend="given annual decline")
        return out
    from ..trends.bundled import get_series
    from ..trends.fit import fit_series

    fit = fit_series(get_series("inference-price", capability=cap.spec), method="ols", level=0.9)
    out.update(slope=fit.slope_per_year, slope_ci=fit.slope_interval(0.9), trend=(
        f"inference-price at {cap.title}: {fit.n} records {fit.t_min:.1f}–{fit.t_max:.1f}, OLS"), t_max=fit.t_max)
    return out


def api_price_per_query(api: dict, I, O, R):
    """Cheapest listed price of one query [USD] (answer and thinking tokens billed as output), and its row."""
    I, OR = np.asarray(I, dtype=float)[..., None], (np.asarray(O, dtype=float) + np.asarray(R, dtype=float))[..., None]
    p = (I * api["pin"] + OR * api["pout"]) / 1e6
    return p.min(-1), np.argmin(p, axis=-1)


# ---- the model phase ------------------------------------------------------------------------------
def phase_cost(v: dict, catalog=None) -> tuple[float, dict]:
    """One-time cost of the model phase [USD] (paid when self-hosting starts) and what it was."""
    kind = v["phase"]
    if kind == "none":
        return 0.0, {"phase": "none"}
    common = dict(gpu=v.get("phase_gpu") or "h100", gpus=v.get("phase_gpus"), date=v["_date"].isoformat(),
                  catalog=catalog)
    if kind == "posttrain":
        from .posttrain import estimate_posttrain

        table = v.get("posttrain") or {}
        if not isinstance(table, dict):
            raise InputError("allowed: a table of posttrain arguments ([posttrain] in the file)", field="posttrain")
        kw = {"model": v["model"], **{k: val for k, val in common.items() if k != "gpus"},
              **({"gpus": common["gpus"]} if common["gpus"] else {}), **table}
        try:
            res = estimate_posttrain(**kw)
        except TypeError as e:
            raise InputError(f"unknown posttrain argument: {str(e)[:80]}", field="posttrain") from None
        return res.cost_usd, {"phase": "posttrain", **{k: res.to_dict()[k] for k in
                                                      ("method", "gpu_hours", "wall_clock_days", "cost_usd", "shares")}}
    if v.get("phase_tokens") is None:
        raise InputError(f"needed: the {kind} tokens (`phase_tokens`, e.g. 100M)", field="phase_tokens")
    if kind == "finetune":
        from .finetune import estimate_finetune

        res = estimate_finetune(model=v["model"], method=v.get("finetune_method") or "lora", tokens=v["phase_tokens"],
                                **common)
        return float(res.cost_usd), {"phase": "finetune", "method": res.method, "tokens": res.tokens,
                                     "gpus": res.gpus, "gpu": res.gpu, "cost_usd": res.cost_usd,
                                     "wall_clock_hours": res.wall_clock_hours}
    from ._chain import require_price, run_training

    est = run_training({k: val for k, val in common.items() if val is not None}, model=v["model"],
                       tokens=number_input(li.text_or_number(v["phase_tokens"], "phase_tokens"), "phase_tokens"))
    require_price(est)
    return float(est.cost_cloud_usd), {"phase": "pretrain", "tokens": float(est.tokens), "gpus": float(est.gpus),
                                       "cost_usd": float(est.cost_cloud_usd),
                                       "wall_clock_days": float(est.wall_clock_s) / SECONDS_PER_DAY}


# ---- evaluation ------------------------------------------------------------------------------------
def demand(x: dict, months: int, weights=None):
    """(q_m (S, M), q_mh (S, M, 24)) [queries/day] from sampled or point inputs."""
    q_m = li.monthly_demand(x["queries_per_day"], x["growth"], months)
    w = weights if weights is not None else li.hourly_weights(x["peak_to_mean"])
    return q_m, q_m[..., None] * np.asarray(w)[..., None, :]


def evaluate(v: dict, x: dict, ctx: dict, start=0) -> dict:
    """Monthly bills (…, M) of every option for inputs ``x`` (arrays of samples, or scalars)."""
    M, opts = v["_months"], v["options"]
    q_m, q_mh = demand(x, M, v["_weights"])
    out = {}
    if "api" in opts:
        p, _ = api_price_per_query(ctx["api"], x["input_tokens"], x["output_tokens"], x["reasoning_tokens"])
        out["api"] = api_flows(q_m, p, x["api_slope"], M)
    if "rent" in opts:
        out["rent"], _ = rent_flows(q_mh, ctx["rent"], x["hw_growth"], v["rent_scaling"])
    if "rent_committed" in opts:
        out["rent_committed"] = committed_flows(q_mh, ctx["rent_committed"], x["hw_growth"], start)
    if "own" in ctx:
        o = ctx["own"]
        out["own"] = own_flows(q_mh, ctx["own_layout"], x["hw_growth"], chip_usd=x["chip_price_usd"], tdp_w=o["tdp_w"],
                               kwh_usd=x["power_usd_per_kwh"], colo_usd=x["colocation_usd_per_kw_month"],
                               resale=x["resale"], assumptions=o["assumptions"], start=start)
    return out


def npvs(v, x, bills: dict) -> dict:
    M = v["_months"]
    d = _discount(x["discount_rate"], M)
    return {k: (own_npv(b, x["discount_rate"]) if k == "own" else (b * d).sum(-1)) for k, b in bills.items()}


def point_inputs(v: dict, ctx: dict) -> dict:
    x = {k: v[k] for k in RANGED if k != "api_price_decline"}
    x.update(hw_growth=ctx["hw"].growth_per_year, api_slope=ctx["api"]["slope"] if "api" in ctx else 0.0)
    for k, dflt in (("input_tokens", "_I"), ("output_tokens", "_O")):
        x[k] = v[dflt]
    x["reasoning_tokens"] = v["_R"]
    if x.get("chip_price_usd") is None and "own" in ctx:
        x["chip_price_usd"] = ctx["own"]["chip_usd"]
    if x.get("power_usd_per_kwh") is None and "own" in ctx:
        x["power_usd_per_kwh"] = ctx["own"]["assumptions"].electricity_usd_per_kwh
    return x


def monte_carlo(v: dict, ctx: dict, phase_usd: float) -> dict:
    """NPV of each option over the sampled ranges and both price trends; inputs ranked by share of spread."""
    rng = np.random.default_rng(v["seed"])
    dists = {k: d for k, d in v["_dists"].items() if k != "api_price_decline"}
    lo, hi = ctx["hw"].growth_ci
    from ..uncertainty import Dist

    dists["hw_growth"] = Dist("normal", (ctx["hw"].growth_per_year, (hi - lo) / (2 * Z95)), "price-performance trend")
    if "api" in ctx:
        a, b = ctx["api"]["slope_ci"]
        if v["_dists"].get("api_price_decline") is not None:
            d = v["_dists"]["api_price_decline"]
            dists["api_fall"] = Dist("fixed", (0.0,)) if d is None else d
        elif b > a:
            dists["api_fall"] = Dist("normal", (-ctx["api"]["slope"], (b - a) / (2 * Z95)), "inference-price trend")
    n = v["samples"]
    s = draw(dists, rng, n, integer=("input_tokens", "output_tokens"))
    x = point_inputs(v, ctx)
    x = {k: np.full(n, float(val)) if val is not None else None for k, val in x.items()}
    x.update({k: val for k, val in s.items() if k in x})
    if "api_fall" in s:
        x["api_slope"] = (np.log1p(-np.minimum(s["api_fall"], 0.999)) if "api_price_decline" in v["_dists"]
                          else -s["api_fall"])
    if "hw_growth" in s:
        x["hw_growth"] = s["hw_growth"]
    res = npvs(v, x, evaluate(v, x, ctx))
    res = {k: val + (phase_usd if k in SELF_HOSTED else 0.0) for k, val in res.items()}
    names = {k: val for k, val in s.items() if k != "api_fall"} | ({"api_price_fall": s["api_fall"]} if "api_fall" in s else {})
    best = np.argmin(np.stack(list(res.values())), axis=0)
    return {"samples": n, "seed": v["seed"], "npv_usd": {k: summarize(val) for k, val in res.items()},
            "cheapest_share": {k: float(np.mean(best == i)) for i, k in enumerate(res)},
            "drivers": {k: sensitivity(names, val) for k, val in res.items()}}


# ---- the answer ------------------------------------------------------------------------------------
def plan_lifecycle(scenario=None, *, catalog=None, **given) -> LifecycleResult:
    """Cost per month, NPV, cheapest path and its switch points of serving a product over its life.

    ``scenario``: a TOML file of the keys in :data:`costcurve.decisions.lifecycle_inputs.KEYS` (tables
    only group them); keyword arguments override it. Any number of :data:`RANGED` may be a range.
    """
    from ..catalog import Catalog, load_catalog

    unknown = [k for k in given if k not in li.KEYS]
    if unknown:
        raise InputError(f"unknown scenario key; allowed: {', '.join(li.KEYS)}", field=unknown[0])
    cat = catalog if isinstance(catalog, Catalog) else load_catalog(catalog)
    v = check_scenario(li.merge(li.read_scenario(scenario) if scenario is not None else {}, given))
    ctx, notes = context(v, cat, None if catalog is None else cat)
    phase_usd, phase = phase_cost(v, cat)
    x = point_inputs(v, ctx)
    bills = evaluate(v, x, ctx)
    values = npvs(v, x, bills)
    M = v["_months"]
    disc = _discount(x["discount_rate"], M, 1.0)  # start of month k
    options = {}
    for k, b in bills.items():
        monthly = own_monthly(b) if k == "own" else b.copy()
        if k in SELF_HOSTED:
            monthly[0] += phase_usd
        options[k] = {"npv_usd": float(values[k] + (phase_usd if k in SELF_HOSTED else 0.0)),
                      "monthly_usd": [float(m) for m in monthly], **describe(k, v, ctx, b)}
    path = best_path(v, x, ctx, bills, phase_usd * disc)
    segs = path["segments"]
    cheapest = "→".join(o for o, _ in segs)
    switches = [{"month": k + 1, "date": _month_date(v["_date"], k).isoformat(), "from": segs[i][0], "to": o,
                 "description": f"{segs[i][0]} until month {k}, then {options[o]['label']}"}
                for i, (o, k) in enumerate(segs[1:])]
    return LifecycleResult(options=options, cheapest=cheapest, cheapest_npv_usd=path["npv_usd"],
                           switch_points=tuple(switches), utilization_by_hour=utilization(v, x, ctx),
                           sensitivity=monte_carlo(v, ctx, phase_usd), assumptions=assumptions(v, ctx, phase),
                           notes=tuple(notes))


def _month_date(start: dt.date, k: int) -> dt.date:
    y, m = divmod(start.month - 1 + k, 12)
    return dt.date(start.year + y, m + 1, 1)


def context(v: dict, cat, user_catalog) -> tuple[dict, list]:
    """Layouts, trends, the API offer and the owner's figures the evaluation needs."""
    from ..costs import DEFAULT_ASSUMPTIONS
    from .price_trend import price_trend

    notes = []
    ctx = {"hw": price_trend("gpu-price-performance", catalog=cat)}
    if "api" in v["options"]:
        ctx["api"] = api_offer(v, cat)
        if ctx["api"].get("t_max") and li_decimal(v["_date"]) - ctx["api"]["t_max"] > 1:
            notes.append(f"the API price falls {-math.expm1(ctx['api']['slope']):.0%}/yr along {ctx['api']['trend']}: "
                         f"extrapolated {li_decimal(v['_date']) - ctx['api']['t_max']:.1f} years past its last record; "
                         "`api_price_decline` sets another pace")
    M = v["_months"]
    x0 = {k: v[k] for k in ("queries_per_day", "growth", "peak_to_mean")}
    _, q_mh = demand(x0, M, v["_weights"])
    peak = q_mh.max(-1)
    hosted = [o for o in v["options"] if o in SELF_HOSTED]
    if hosted:
        ctx["rent"] = layout(v, peak, v["rent_price_kind"], user_catalog)
        ctx["own_layout"] = _one_gpu(v, ctx["rent"], peak, v["rent_price_kind"], user_catalog)
    if "rent_committed" in v["options"]:
        c = layout(v, peak, v["committed_price_kind"], user_catalog)
        ctx["rent_committed"] = _one_gpu(v, c, peak, v["committed_price_kind"], user_catalog)
    if "own" in v["options"]:
        acc = cat.accelerator(ctx["own_layout"].gpu[-1])
        chip = v.get("chip_price_usd") or acc.price_usd
        if chip is None or not acc.tdp_w:
            notes.append(f"own left out: the catalog has no purchase price or TDP of {acc.name} (give `chip_price_usd`)")
        else:
            ctx["own"] = {"chip_usd": float(chip), "tdp_w": float(acc.tdp_w), "gpu": acc.name,
                          "assumptions": DEFAULT_ASSUMPTIONS}
    if v["years"] > 5:
        notes.append("the horizon is longer than the 5-year server life: owned hardware is not replaced here")
    return ctx, notes


def _one_gpu(v, lay: Layout, peak, kind, user_catalog) -> Layout:
    """A fleet that is bought or committed keeps one accelerator: the one of the largest demand."""
    if len(set(lay.gpu)) == 1:
        return lay
    return layout(dict(v, gpu=lay.gpu[-1]), peak, kind, user_catalog)


def li_decimal(d: dt.date) -> float:
    from ..units import decimal_year

    return decimal_year(d)


def best_path(v, x, ctx, bills, phase_pv) -> dict:
    """The cheapest path (:mod:`.lifecycle_paths`) of the point inputs."""
    from .lifecycle_paths import cheapest_path

    M = v["_months"]
    d = _discount(x["discount_rate"], M)
    pv = {k: bills[k] * d for k in ("api", "rent") if k in bills}
    start = {k: np.cumsum(p[::-1])[::-1] for k, p in pv.items()}
    for k in ("rent_committed", "own"):
        if k in bills:
            start[k] = np.array([npvs(v, x, {k: evaluate(dict(v, options=(k,)), x, ctx, start=s)[k]})[k]
                                 for s in range(M)])
    return cheapest_path(pv, start, phase_pv, SELF_HOSTED)


def describe(k, v, ctx, bills) -> dict:
    """What the option is: label, layout, first and last month's replicas or the API row."""
    if k == "api":
        a = ctx["api"]
        p, i = api_price_per_query(a, v["_I"], v["_O"], v["_R"])
        r = a["rows"][int(i)]
        return {"label": f"the API ({r.model}, {r.provider})", "model": r.model, "provider": r.provider,
                "price_date": r.date.isoformat(), "usd_per_query": float(p), "source": r.source,
                "capability": a["capability"].spec, "annual_price_decline": -math.expm1(a["slope"]), "trend": a["trend"]}
    lay = ctx["own_layout" if k == "own" else k]
    kind = {"rent": v["rent_price_kind"], "rent_committed": v["committed_price_kind"], "own": "owned"}[k]
    gpr = int(lay.gpus_per_replica[-1])
    out = {"label": f"{kind} {lay.gpu[-1]} ({gpr} per replica)", "gpu": lay.gpu[-1], "gpus_per_replica": gpr,
           "price_kind": kind, "price_usd_per_gpu_hour": None if k == "own" else float(lay.price_usd_per_gpu_hour[-1]),
           "rate_per_replica_per_s": float(lay.rate_per_s[-1]), "deploy_searches": lay.searches}
    if k == "own":
        out.update(accelerators_end=float(bills["held"][-1]), capex_usd=float(bills["capex"].sum()),
                   power_usd=float(bills["power"].sum()), colocation_usd=float(bills["colocation"].sum()),
                   resale_usd=float(bills["resale"]), chip_price_usd=ctx["own"]["chip_usd"])
    return out


def utilization(v, x, ctx) -> dict:
    """Busy share of the capacity each hour (replica load / saturated rate), first and last month."""
    M = v["_months"]
    _, q_mh = demand(x, M, v["_weights"])
    out = {}
    for name, m in (("month_1", 0), (f"month_{M}", M - 1)):
        row = {}
        for k in ("rent", "rent_committed", "own"):
            lay = ctx.get("own_layout" if k == "own" else k)
            if lay is None or (k == "own" and "own" not in ctx) or k not in v["options"]:
                continue
            q = q_mh[m] / SECONDS_PER_DAY
            reps = _replicas(q_mh, lay)[m]
            if k != "rent" or v["rent_scaling"] == "peak":
                reps = np.full(24, float(fleet(q_mh, lay)[m] / lay.gpus_per_replica[m]))
            row[k] = [float(u) for u in q / (reps * lay.saturated_per_s[m])]
        out[name] = row
    return out


def assumptions(v, ctx, phase) -> dict:
    hw = ctx["hw"]
    out = {"model": v["model"], "queries_per_day": v["queries_per_day"], "growth_per_year": v["growth"],
           "peak_to_mean": float(li.hourly_weights(v["peak_to_mean"]).max()) if v["_weights"] is None
           else float(v["_weights"].max()), "hourly_weights": [float(w) for w in (v["_weights"] if v["_weights"]
                                                                                   is not None else li.hourly_weights(v["peak_to_mean"]))],
           "input_tokens": v["_I"], "output_tokens": v["_O"], "reasoning_tokens": v["_R"],
           "ttft_p95_s": v["ttft_p95_s"], "tpot_p95_s": v["tpot_p95_s"], "engine": v["engine"],
           "years": v["years"], "months": v["_months"], "discount_rate": v["discount_rate"],
           "date": v["_date"].isoformat(), "rent_scaling": v["rent_scaling"], "options": list(v["options"]),
           "hardware_trend": hw.to_dict(), "model_phase": phase,
           "ranges": {k: d.text or d.kind for k, d in v["_dists"].items()}}
    if "api" in ctx:
        a = ctx["api"]
        out["api_trend"] = {"slope_per_year": a["slope"], "slope_ci": list(a["slope_ci"]), "how": a["trend"],
                            "capability": a["capability"].to_dict()}
    if "own" in ctx:
        A = ctx["own"]["assumptions"]
        out["own"] = {"gpu": ctx["own"]["gpu"], "chip_price_usd": ctx["own"]["chip_usd"], "tdp_w": ctx["own"]["tdp_w"],
                      "server_overhead": A.server_overhead, "server_power_overhead": A.server_power_overhead,
                      "power_utilization": A.power_utilization, "pue": A.pue,
                      "power_usd_per_kwh": v["power_usd_per_kwh"] or A.electricity_usd_per_kwh,
                      "colocation_usd_per_kw_month": v["colocation_usd_per_kw_month"], "resale": v["resale"]}
    return out
