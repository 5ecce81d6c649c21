"""The cheapest deployment of a model for a demand and p95 latency targets, and its Pareto front.

Search (exhaustive over the grid, pruned by a bound):

1. candidates: accelerator × weight dtype (bf16, fp8 where the accelerator has an fp8 peak; KV cache
   in the same 8 or 16 bits) × tensor-parallel width (1, 2, 4, 8 inside the scale-up domain) ×
   pipeline stages (1, 2, 4, 8 when a model needs several nodes; only the two smallest layouts that
   fit; MoE models also with expert parallelism over the tensor-parallel group) × batch cap (the
   engine's, 64, 16);
2. each candidate's lower bound on cost per query: ``price · gpus / saturated request rate``
   (a replica kept full, :func:`costcurve.serving.step.steady_state_tokens_per_s`);
3. in order of that bound, the load model (:mod:`.load`) finds the highest arrival rate a replica
   holds within both p95 targets; replicas = ``ceil(demand / that rate)``; the search stops when the
   next bound exceeds the cheapest found (nothing later can win) and a Pareto front has been seen;
4. the cheapest few layouts are also tried disaggregated: prefill and decode pools (:mod:`.disagg`);
5. the answer is the cheapest; the Pareto front (dollars per query against p95 time per output
   token) is over every evaluated candidate, so it starts with the answer.

Dollars: ``replicas · gpus · price · 24`` per day; split between input and output tokens by the
share of busy time spent in prefill steps; utilization = load per replica / saturated rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from ..catalog import Catalog, load_catalog
from ..errors import CostcurveError, InputError, UnknownNameError
from ..prices import resolve_price
from ..inputs import resolve_model
from ..report.notebook import NotebookMixin
from ..units import SECONDS_PER_DAY, number_input, parse_date
from .engines import ENGINE_VENDORS, engine_profile
from .load import LengthDistribution, check_targets
from .replica import ReplicaLoadModel
from .step import Replica, max_batch

TP_OPTIONS = (1, 2, 4, 8)
PP_OPTIONS = (1, 2, 4, 8)
BATCH_CAPS = (None, 64, 16)  #: None: the engine's default cap
MIN_EVALUATED = 12  #: candidates the load model evaluates at least (for the Pareto front)
#: the largest demand searched [1/day]: 1e15, 125,000 queries a day for each of 8 billion people (larger
#: figures are slips, and their replica counts run to hundreds of digits)
MAX_QUERIES_PER_DAY = 1e15
DISAGGREGATED_TRIES = 6  #: cheapest colocated layouts also tried as separate prefill and decode pools


@dataclass(frozen=True)
class Deployment:
    """One evaluated deployment at the demand: layout, load, latency and dollars."""

    gpu: str
    gpus_per_replica: int
    tp: int
    pp: int
    replicas: int
    dtype: str
    kv_dtype: str
    engine: str
    max_batch: int
    price_usd_per_gpu_hour: float
    price_source: str
    rate_per_replica_per_s: float  #: highest arrival rate within targets [1/s]
    saturated_rate_per_s: float  #: [1/s]
    accelerators_total: int
    usd_per_day: float
    usd_per_million_input_tokens: float
    usd_per_million_output_tokens: float
    usd_per_query: float
    usd_per_billion_queries: float
    utilization: float
    ttft_p95_s: float
    tpot_p95_s: float
    expert_parallel: bool = False
    disaggregated: bool = False  #: separate prefill and decode pools (:mod:`.disagg`)
    prefill_replicas: int = 0  #: of ``replicas``, those in the prefill pool (disaggregated) [count]
    price_quotes: int | None = None  #: distinct catalog quotes behind the price [count]
    price_providers: int | None = None  #: providers of those quotes [count]
    thin_evidence: bool = False  #: the price falls short of the quote rule (costcurve.prices.quote_evidence)

    def summary(self) -> dict:
        """The issue's record: ``deployment`` (exactly gpu, gpus_per_replica, replicas, dtype, kv_dtype,
        engine, max_batch), the dollar and latency figures, and ``layout`` (tp, pp, expert_parallel,
        disaggregated, prefill_replicas)."""
        return {"deployment": {"gpu": self.gpu, "gpus_per_replica": self.gpus_per_replica, "replicas": self.replicas,
                               "dtype": self.dtype, "kv_dtype": self.kv_dtype, "engine": self.engine,
                               "max_batch": self.max_batch},
                "accelerators_total": self.accelerators_total, "usd_per_day": self.usd_per_day,
                "usd_per_million_input_tokens": self.usd_per_million_input_tokens,
                "usd_per_million_output_tokens": self.usd_per_million_output_tokens,
                "usd_per_query": self.usd_per_query, "usd_per_billion_queries": self.usd_per_billion_queries,
                "utilization": self.utilization, "ttft_p95_s": self.ttft_p95_s, "tpot_p95_s": self.tpot_p95_s,
                "layout": {"tp": self.tp, "pp": self.pp, "expert_parallel": self.expert_parallel,
                           "disaggregated": self.disaggregated, "prefill_replicas": self.prefill_replicas},
                "price_quotes": self.price_quotes, "price_providers": self.price_providers,
                "thin_evidence": self.thin_evidence}


@dataclass(frozen=True)
class DeployResult(NotebookMixin):
    """Cheapest deployment meeting the targets, the Pareto front, and what the search did."""

    _report_kind = "deploy"  #: notebook display: the report sections of this kind

    model: str
    queries_per_day: float
    input_tokens_mean: float
    output_tokens_mean: float
    ttft_target_s: float
    tpot_target_s: float
    best: Deployment
    pareto: tuple  #: Deployments, cheapest first, none both cheaper and faster than another
    evaluated: int
    candidates: int
    notes: tuple = field(default_factory=tuple)
    reasoning_tokens_mean: float = 0.0  #: of output_tokens_mean, thinking tokens decoded before the answer [tokens]

    def to_dict(self) -> dict:
        from ..results import jsonable

        d = self.best.summary()
        d["pareto"] = [p.summary() for p in self.pareto]
        d["search"] = {"model": self.model, "queries_per_day": self.queries_per_day,
                       "input_tokens_mean": self.input_tokens_mean, "output_tokens_mean": self.output_tokens_mean,
                       "reasoning_tokens_mean": self.reasoning_tokens_mean,
                       "ttft_p95_target_s": self.ttft_target_s, "tpot_p95_target_s": self.tpot_target_s,
                       "price_usd_per_gpu_hour": self.best.price_usd_per_gpu_hour,
                       "price_source": self.best.price_source, "candidates": self.candidates,
                       "evaluated": self.evaluated, "notes": list(self.notes)}
        return jsonable(d)


def _layouts(arch, acc, profile, dtype, kv_dtype, I, O, max_gpus):
    """The two smallest (tp, pp) layouts that hold the weights and one sequence, TP first."""
    out = []
    for pp in PP_OPTIONS:
        for tp in TP_OPTIONS:
            if tp * pp > max_gpus or (pp > 1 and tp != TP_OPTIONS[-1]):
                continue
            r = Replica(arch, acc, profile, tp=tp, pp=pp, dtype=dtype, kv_dtype=kv_dtype)
            if float(max_batch(r, I, O)) >= 1:
                out.append(r)
            if len(out) == 2:
                return out
    return out


def candidates(arch, cat: Catalog, gpus, dtypes, profile, lengths, *, max_gpus=64, batch_caps=BATCH_CAPS):
    """Every (replica, batch cap) of the grid that fits in memory."""
    out = []
    I, O = lengths.input_mean, lengths.output_mean
    for g in gpus:
        acc = cat.accelerator(g)
        for dtype in dtypes:
            if dtype == "fp8" and acc.peak_flop_per_s_fp8 is None:
                continue
            kv = "fp8" if dtype == "fp8" else "bf16"
            for r in _layouts(arch, acc, profile, dtype, kv, I, O, max_gpus):
                variants = [r, replace(r, expert_parallel=True)] if arch.is_moe and r.tp > 1 else [r]
                for v in variants:
                    for cap in batch_caps:
                        out.append((v, cap))
    return out


def _evaluate(model: ReplicaLoadModel, price, price_source, q_per_s, targets, engine) -> Deployment | None:
    rate, res = model.max_rate(*targets)
    if rate <= 0 or res is None:
        return None
    r = model.replica
    replicas = int(math.ceil(q_per_s / rate))
    usd_day = replicas * r.gpus * price * 24.0
    qpd = q_per_s * SECONDS_PER_DAY
    L = model.lengths
    share_in = res.prefill_share
    return Deployment(
        gpu=r.acc.name, gpus_per_replica=r.gpus, tp=r.tp, pp=r.pp, replicas=replicas, dtype=r.dtype,
        kv_dtype=r.kv_dtype, engine=r.profile.engine, max_batch=model.batch_cap, price_usd_per_gpu_hour=price,
        price_source=price_source, rate_per_replica_per_s=rate, saturated_rate_per_s=model.saturated_rate_per_s,
        accelerators_total=replicas * r.gpus, usd_per_day=usd_day,
        usd_per_million_input_tokens=1e6 * usd_day * share_in / (qpd * L.input_mean),
        usd_per_million_output_tokens=1e6 * usd_day * (1 - share_in) / (qpd * L.output_mean),
        usd_per_query=usd_day / qpd, usd_per_billion_queries=1e9 * usd_day / qpd,
        utilization=(q_per_s / replicas) / model.saturated_rate_per_s, ttft_p95_s=res.ttft_p95_s,
        tpot_p95_s=res.tpot_p95_s, expert_parallel=r.expert_parallel)


def _evaluate_disaggregated(model: ReplicaLoadModel, price, price_source, q_per_s, targets) -> Deployment | None:
    from .disagg import evaluate_disaggregated

    d = evaluate_disaggregated(model, q_per_s, targets)
    if d is None:
        return None
    r, L = model.replica, model.lengths
    replicas = d["prefill_replicas"] + d["decode_replicas"]
    usd_day = replicas * r.gpus * price * 24.0
    qpd = q_per_s * SECONDS_PER_DAY
    return Deployment(
        gpu=r.acc.name, gpus_per_replica=r.gpus, tp=r.tp, pp=r.pp, replicas=replicas, dtype=r.dtype,
        kv_dtype=r.kv_dtype, engine=r.profile.engine, max_batch=model.batch_cap, price_usd_per_gpu_hour=price,
        price_source=price_source, rate_per_replica_per_s=q_per_s / replicas,
        saturated_rate_per_s=model.saturated_rate_per_s, accelerators_total=replicas * r.gpus, usd_per_day=usd_day,
        usd_per_million_input_tokens=1e6 * usd_day * d["prefill_usd_share"] / (qpd * L.input_mean),
        usd_per_million_output_tokens=1e6 * usd_day * (1 - d["prefill_usd_share"]) / (qpd * L.output_mean),
        usd_per_query=usd_day / qpd, usd_per_billion_queries=1e9 * usd_day / qpd, utilization=d["utilization"],
        ttft_p95_s=d["ttft_p95_s"], tpot_p95_s=d["tpot_p95_s"], expert_parallel=r.expert_parallel,
        disaggregated=True, prefill_replicas=d["prefill_replicas"])


def pareto_front(deployments) -> tuple:
    """Deployments not beaten on both dollars per query and p95 TPOT, cheapest first.

    Dollars per query (the whole service's cost over its demand), not per million output tokens: a
    disaggregated deployment splits its cost between input and output tokens differently, and only
    the total puts the cheapest deployment on the front.
    """
    pts = sorted(deployments, key=lambda d: (d.usd_per_query, d.tpot_p95_s))
    front, best_tpot = [], math.inf
    for d in pts:
        if d.tpot_p95_s < best_tpot:
            front.append(d)
            best_tpot = d.tpot_p95_s
    return tuple(front)


def _lengths(arch, input_tokens, output_tokens, length_sigma) -> LengthDistribution:
    d = LengthDistribution()
    given = input_tokens is not None or output_tokens is not None
    mean_in = float(number_input(input_tokens, "input_tokens")) if input_tokens is not None else d.input_mean
    mean_out = float(number_input(output_tokens, "output_tokens")) if output_tokens is not None else d.output_mean
    if mean_in + mean_out > arch.context_length:
        raise InputError(f"input + output tokens ({mean_in + mean_out:,.0f}) exceed {arch.name}'s context length of "
                         f"{arch.context_length:,}", field="input_tokens" if input_tokens is not None else "output_tokens")
    return LengthDistribution(
        input_mean=mean_in, output_mean=mean_out, sigma=d.sigma if length_sigma is None else float(number_input(length_sigma, "length_sigma", kind="plain", allow_zero=True)),
        max_tokens=arch.context_length, source="given means, log-normal spread" if given else d.source)


def _accelerator(cat, name):
    """The catalog accelerator ``name``; an unknown name is an error of ``gpu_options``."""
    try:
        return cat.accelerator(name)
    except UnknownNameError:
        raise UnknownNameError("accelerator", name, list(cat.accelerators), field="gpu_options") from None


def _prices(cat, gpus, day, provider, kind, allow_thin_prices=False, notes=None) -> dict:
    """{accelerator: (price [USD/h], source, evidence)} of those with a catalog price near ``day``; those
    priced on thin evidence (:func:`costcurve.prices.quote_evidence`) only with ``allow_thin_prices``."""
    from ..prices import quote_evidence

    prices, thin = {}, []
    for g in gpus:
        acc = cat.accelerator(g)
        p, src = resolve_price(cat, acc.name, day, None, provider=provider, kind=kind)
        if p == p:  # not NaN
            ev = quote_evidence(cat, acc.name, day, kind, provider)
            if ev["thin_evidence"] and not allow_thin_prices:
                thin.append(acc.name)
                continue
            prices[acc.name] = (p, src, ev)
    if thin and notes is not None:
        notes.append(f"left out, priced on fewer than 3 {kind} quotes from 2 providers: {', '.join(thin)} "
                     "(`allow_thin_prices` to include them, marked thin)")
    if not prices:
        why = (f"; {', '.join(thin)} only on fewer than 3 quotes from 2 providers (`allow_thin_prices` to use them)"
               if thin else "")
        raise InputError(f"no {kind} price for any of {', '.join(gpus)} near {day}{why}", field="gpu_options")
    return prices


def _search(models, prices, q_per_s, targets, engine, disaggregated) -> list:
    """Simulate candidates in order of their cost bound until no later one can be cheaper; then pools."""
    qpd = q_per_s * SECONDS_PER_DAY
    done, colocated = [], []
    for bound, m in models:
        if len(colocated) >= MIN_EVALUATED and bound / 3600 * qpd > min(x.usd_per_day for x in done):
            break  # the lower bound of every later candidate exceeds the cheapest found
        price, src, ev = prices[m.replica.acc.name]
        dep = (_evaluate_disaggregated(m, price, src, q_per_s, targets) if disaggregated is True
               else _evaluate(m, price, src, q_per_s, targets, engine))
        dep = dep if dep is None else replace(dep, **ev)
        if dep is not None:
            done.append(dep)
            colocated.append((dep.usd_per_day, len(colocated), m))
    if disaggregated is None:  # separate pools for the cheapest colocated layouts
        for _, _, m in sorted(colocated, key=lambda x: x[:2])[:DISAGGREGATED_TRIES]:
            price, src, ev = prices[m.replica.acc.name]
            dep = _evaluate_disaggregated(m, price, src, q_per_s, targets)
            if dep is not None:
                done.append(replace(dep, **ev))
    return done


def plan_deployment(*, model, queries_per_day, input_tokens=None, output_tokens=None, length_sigma=None,
                    ttft_p95_s=None, tpot_p95_s=None, gpu_options=None, dtype_options=("bf16", "fp8"), engine=None,
                    price_kind="on-demand", provider=None, date=None, catalog=None, max_gpus_per_replica=64,
                    disaggregated=None, max_evaluations=60, reasoning_tokens=None,
                    allow_thin_prices=False) -> DeployResult:
    """Cheapest deployment of ``model`` serving ``queries_per_day`` within p95 targets (see module doc).

    Parameters: queries_per_day [1/day]; input_tokens, output_tokens: mean lengths [tokens] (default the
    ShareGPT means); length_sigma: log-normal spread (0 = fixed lengths); ttft_p95_s, tpot_p95_s [s];
    gpu_options: accelerator names (default: every catalog accelerator with a price); dtype_options:
    weight dtypes among bf16, fp8; engine: trtllm | vllm | sglang (default trtllm); price_kind, provider,
    date: catalog price filters; disaggregated: None (also try separate prefill and decode pools for the
    cheapest colocated layouts), True (only disaggregated), False (only colocated); max_evaluations:
    the candidates with the lowest cost bounds that may be simulated [count]; reasoning_tokens: thinking
    tokens per query [tokens] (a distribution: its mean), decoded with the answer: the decode length is
    output + reasoning (``output_tokens_mean`` includes them; dollars per output token are per generated token);
    allow_thin_prices: also search accelerators whose price rests on fewer than 3 quotes from 2 providers
    (marked ``thin_evidence``).
    """
    cat = catalog if isinstance(catalog, Catalog) else load_catalog(catalog)
    name, arch, _ = resolve_model(model, cat)
    if arch is None:
        raise InputError(f"{name!r} has no architecture preset; give a preset or a config.json", field="model")
    qpd = float(number_input(queries_per_day, "queries_per_day", upper=MAX_QUERIES_PER_DAY))
    profile = engine_profile(engine)
    from .reasoning import mean_tokens

    thinking = mean_tokens(reasoning_tokens)
    if thinking:  # decode length = answer + thinking tokens
        output_tokens = float(number_input(output_tokens, "output_tokens")) if output_tokens is not None else \
            LengthDistribution().output_mean
        output_tokens += thinking
    lengths = _lengths(arch, input_tokens, output_tokens, length_sigma)
    targets = check_targets(ttft_p95_s, tpot_p95_s)
    for dt_ in dtype_options:
        if dt_ not in ("bf16", "fp8"):
            raise InputError(f"got {dt_!r}; allowed: bf16, fp8", field="dtype_options")
    day = parse_date(date)
    accs = [_accelerator(cat, g) for g in (gpu_options or sorted(cat.accelerators))]
    runs = [a.name for a in accs if profile.runs_on(a)]
    notes = []
    if gpu_options:
        off = [a.name for a in accs if not profile.runs_on(a)]
        if off:
            raise InputError(f"{profile.engine} does not run on {', '.join(off)}; allowed vendors: "
                             f"{', '.join(ENGINE_VENDORS[profile.engine])}", field="gpu_options")
    if not isinstance(allow_thin_prices, bool):
        raise InputError(f"got {allow_thin_prices!r}; allowed: True or False", field="allow_thin_prices")
    prices = _prices(cat, runs, day, provider, price_kind, allow_thin_prices, notes)
    if not gpu_options:
        notes.append(f"searched the {len(prices)} catalog accelerators that {profile.engine} runs on with a price "
                     f"({price_kind}) near {day}")
    cands = candidates(arch, cat, list(prices), dtype_options, profile, lengths, max_gpus=max_gpus_per_replica)
    if not cands:
        raise InputError(f"{name} fits on none of the accelerators given with up to {max_gpus_per_replica} per replica",
                         field="gpu_options")
    models = []
    for r, cap in cands:
        m = ReplicaLoadModel.build(r, lengths, cap)
        if m.batch_cap >= 1 and m.saturated_rate_per_s > 0:
            models.append((prices[r.acc.name][0] * r.gpus / m.saturated_rate_per_s, m))
    models.sort(key=lambda x: x[0])
    done = _search(models[:max_evaluations], prices, qpd / SECONDS_PER_DAY, targets, profile.engine, disaggregated)
    if not done:
        raise CostcurveError(f"no evaluated deployment of {name} meets p95 TTFT <= {targets[0]:g} s and p95 TPOT <= "
                             f"{targets[1]:g} s; relax the targets or add accelerators",
                             field="tpot_p95_s" if math.isfinite(targets[1]) else "ttft_p95_s")
    return DeployResult(model=name, queries_per_day=qpd, input_tokens_mean=lengths.input_mean,
                        output_tokens_mean=lengths.output_mean, ttft_target_s=targets[0], tpot_target_s=targets[1],
                        best=min(done, key=lambda x: x.usd_per_day), pareto=pareto_front(done), evaluated=len(done),
                        candidates=len(models), notes=tuple(notes), reasoning_tokens_mean=thinking)
