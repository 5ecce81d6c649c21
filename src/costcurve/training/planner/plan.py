"""Plan a training run: evaluate a given layout, or search every legal one and rank them.

:func:`plan_training` is the one path that computes a plan; the CLI (``costcurve plan``), the
Pareto search and :func:`costcurve.training.efficiency.planned_mfu` wrap it.

Defaults (each an option): sequence length = the preset's pre-training length; global batch =
the larger of 4M tokens (Llama 2, Touvron et al. 2023 §2.2) and one sequence per 8 accelerators
(Llama 3 405B: 2,048 sequences on 16,384 GPUs, Dubey et al. 2024 Table 4), rounded up to a power
of two; flash attention on; fp32 gradient accumulation; goodput from :mod:`.goodput`.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from costcurve.catalog import DTYPES, Catalog, load_catalog
from costcurve.errors import DoesNotFitError, InputError
from costcurve.interconnect import interconnect, with_scale_out
from costcurve.units import SECONDS_PER_DAY, SECONDS_PER_HOUR, number_input, parse_date
from costcurve.training.planner import goodput as goodput_model
from costcurve.training.planner.cost import plan_cost_usd
from costcurve.training.planner.layout import Layout, check_layout, enumerate_layouts
from costcurve.training.planner.rank_memory import MEMORY_KEYS, RECOMPUTE
from costcurve.training.planner.result import Plan, PlanSearch
from costcurve.training.planner.search import evaluate_layouts, layout_memory, links_known, rank_layouts, search_fitting
from costcurve.training.planner.step_time import STEP_KEYS, matmul_efficiency

GiB = float(2**30)
DEFAULT_BATCH_TOKENS = 4 * 2**20


def default_global_batch(gpus: int, seq_len: int) -> int:
    """Sequences per step: max(4M tokens, gpus / 8 sequences), rounded up to a power of two. [count]"""
    want = max(DEFAULT_BATCH_TOKENS / seq_len, gpus / 8.0, 1.0)
    return int(2 ** math.ceil(math.log2(want)))


#: the largest accelerator count and global batch the planner lays out: 2**20 = 1,048,576 accelerators,
#: beyond any cluster built or announced (xAI's Colossus plans ~1M GPUs); 2**24 sequences per step
MAX_ACCELERATORS = 2**20
MAX_GLOBAL_BATCH = 2**24
_UPPER = {"gpus": MAX_ACCELERATORS, "global_batch": MAX_GLOBAL_BATCH}


def _int_option(v, field):
    """A whole-number layout option (None stays None); counts are bounded where a layout search must end."""
    if v is None:
        return None
    x = number_input(v, field, integer=True, upper=_UPPER.get(field, MAX_ACCELERATORS))
    return int(x)


def _resolve(model, tokens, catalog):
    from costcurve.inputs import resolve_model

    name, arch, record = resolve_model(model, catalog)
    if arch is None:
        raise InputError(f"{model!r} has no architecture preset; the planner needs layer shapes "
                         "(a preset name or a config.json)", field="model")
    tok = number_input(tokens, "tokens")
    if tok is None and record is not None and record.get("training_tokens"):
        tok = float(record["training_tokens"])
    if tok is None:
        raise InputError("needed (e.g. `tokens` 2T)", field="tokens")
    return name, arch, float(tok)


def _layout_at(lay: dict, i: int) -> Layout:
    return Layout(tp=int(lay["tp"][i]), pp=int(lay["pp"][i]), vpp=int(lay["vpp"][i]), cp=int(lay["cp"][i]),
                  ep=int(lay["ep"][i]), dp=int(lay["dp"][i]), microbatch=int(lay["microbatch"][i]),
                  global_batch=int(lay["global_batch"][i]), zero=int(lay["zero"][i]),
                  recompute=RECOMPUTE[int(lay["recompute"][i])], sequence_parallel=bool(lay["sequence_parallel"][i]),
                  dp_shard=int(lay["dp_shard"][i]), overlap=bool(lay["overlap"][i]))


def _describe(lay: Layout) -> str:
    s = f"tp={lay.tp} pp={lay.pp}"
    s += f" vpp={lay.vpp}" if lay.vpp > 1 else ""
    s += f" cp={lay.cp}" if lay.cp > 1 else ""
    s += f" ep={lay.ep}" if lay.ep > 1 else ""
    s += f" dp={lay.dp}" + (f" (HSDP: shard {lay.dp_shard})" if lay.dp_shard < lay.cp * lay.dp else "")
    s += f" mb={lay.microbatch} zero={lay.zero} recompute={lay.recompute}"
    return s + ("" if lay.overlap else " no-overlap")


_DEGREES = ("tp", "pp", "vpp", "cp", "ep", "dp", "microbatch", "dp_shard")


def _runner_up(layouts, order):
    """The fastest fitting layout whose parallel degrees differ from the best one's (None if none)."""
    b = int(order[0])
    for j in order[1:]:
        if any(layouts[k][j] != layouts[k][b] for k in _DEGREES):
            return int(j)
    return int(order[1]) if len(order) > 1 else None


def _enough(layouts, prefix, top) -> bool:
    """Whether a ranked prefix holds the ``top`` plans and the runner-up (:func:`_runner_up`)."""
    if len(prefix) < max(top, 1):
        return False
    b = int(prefix[0])
    return any(any(layouts[k][j] != layouts[k][b] for k in _DEGREES) for j in prefix[1:])


def _why(res, best: int, runner: int | None, best_lay: Layout, runner_lay: Layout | None) -> str:
    if runner is None:
        return "the only layout that fits"
    gap = res["step_time_s"][runner] / res["step_time_s"][best] - 1.0
    diffs = {k: res[f"step/{k}"][runner] - res[f"step/{k}"][best] for k in STEP_KEYS}
    k = max(diffs, key=lambda x: diffs[x])
    return (f"fastest of the layouts that fit; runner-up {_describe(runner_lay)} is {gap:.1%} slower, "
            f"mostly {k.replace('_', ' ')} (+{diffs[k]:.3g} s/step)")


def _check_fixed(arch, n, seq, gb, fixed):
    """Name the option whose given value no legal layout can have."""
    a = arch
    t, c, p, v, e, d, b = (fixed.get(k) for k in ("tp", "cp", "pp", "vpp", "ep", "dp", "microbatch"))
    if t is not None and (a.n_heads % t or (a.kv_heads % t and t % a.kv_heads)):
        raise InputError(f"got {t}; allowed: a divisor of the {a.n_heads} attention heads that divides or is a "
                         f"multiple of the {a.kv_heads} KV heads", field="tp")
    if c is not None and c > 1 and seq % (2 * c):
        raise InputError(f"got {c}; allowed: 2·cp must divide seq_len = {seq}", field="cp")
    if p is not None and p > a.n_layers:
        raise InputError(f"got {p}; allowed: at most the {a.n_layers} layers", field="pp")
    experts = a.n_experts if a.is_moe else 1
    if e is not None and experts % e:
        raise InputError(f"got {e}; allowed: a divisor of the {experts} routed experts", field="ep")
    given = [(k, x) for k, x in (("tp", t), ("cp", c), ("pp", p), ("dp", d)) if x is not None]
    prod = int(np.prod([x for _, x in given])) if given else 1
    if n % prod or (len(given) == 4 and prod != n):
        raise InputError(f"{'·'.join(k for k, _ in given)} = {prod} must {'equal' if len(given) == 4 else 'divide'} "
                         f"gpus = {n}", field=given[-1][0])
    if d is not None and gb % d:
        raise InputError(f"got {gb}; must be a multiple of dp = {d}", field="global_batch")
    if b is not None and d is not None and gb % (d * b):
        raise InputError(f"got {b}; dp·microbatch must divide the global batch {gb}", field="microbatch")


def _memoized(memo, key, make):
    """``make()`` (a dict of arrays), kept read-only in the dict ``memo`` under the value ``key``."""
    if memo is None:
        return make()
    if key not in memo:
        memo[key] = make()
        for v in memo[key].values():
            v.setflags(write=False)  # shared by the searches that follow
    return memo[key]


def _any_finite_step(arch, layouts, res, kw) -> bool:
    """Whether any layout has a finite step time, when the search timed only those that fit in memory.

    A layout whose parallel group of more than one rank has an unknown link (no published
    scale-out network) has a NaN step time (every communication term is NaN there; checked in
    ``tests/test_plan.py``), so only layouts whose links are all known are timed, first one, then all.
    """
    if np.isfinite(res["step_time_s"]).any():
        return True
    known = links_known(kw["interconnect"], layouts)
    untimed = ~(res["memory/total"] <= kw["memory_capacity_bytes"])  # the timed ones are all NaN here
    idx = np.flatnonzero(known & untimed)
    for sel in (idx[:1], idx[1:]):
        if len(sel):
            r = evaluate_layouts(arch, {k: v[sel] for k, v in layouts.items()},
                                 memory={k: v[sel] for k, v in res.items() if k.startswith("memory/")}, **kw)
            if np.isfinite(r["step_time_s"]).any():
                return True
    return False


def search_layouts(arch, acc, ic, n, seq, gb, fixed, *, dtype="bf16", flash_attention=True, grad_bytes=4.0,
                   progress=None, memo=None, enough=None):
    """Enumerate (or take the one given) and evaluate layouts: (layouts, results, fitting order, kw, whole).

    The one layout search behind :func:`plan_training` and :func:`costcurve.training.efficiency.planned_mfu`;
    ``fixed`` holds the pinned options (:func:`_fixed_options`); ``memo`` (a dict) shares the
    layouts and their memory between the searches of one Pareto search, keyed by value. Only the layouts
    that fit in memory are timed (the others are never ranked); with ``enough`` (a predicate of
    the ranked prefix, :func:`~.search.search_fitting`) only those that can rank in the prefix it
    asks for, and the order returned is that prefix (``results["fits"]`` counts them all). Raises :class:`InputError` when
    no layout is legal or the accelerator's scale-out network is unknown.
    """
    _check_fixed(arch, n, seq, gb, fixed)
    whole = all(fixed[k] is not None for k in ("tp", "pp", "cp", "dp", "microbatch", "zero", "recompute"))
    node = max(ic.scale_up_domain, 1)
    if whole:
        lay = Layout(tp=fixed["tp"], pp=fixed["pp"], vpp=fixed["vpp"] or 1, cp=fixed["cp"], ep=fixed["ep"] or 1,
                     dp=fixed["dp"], microbatch=fixed["microbatch"], global_batch=gb, zero=fixed["zero"],
                     recompute=fixed["recompute"],
                     sequence_parallel=(fixed["tp"] > 1) if fixed["sequence_parallel"] is None
                     else bool(fixed["sequence_parallel"]), dp_shard=fixed["dp_shard"],
                     overlap=True if fixed["overlap"] is None else bool(fixed["overlap"]))
        check_layout(arch, lay, n, seq)
        layouts = {k: np.asarray([v]) if k != "recompute" else np.asarray([RECOMPUTE.index(v)])
                   for k, v in lay.to_dict().items()}
    else:
        key = (arch, n, seq, gb, tuple(sorted(fixed.items())), node)
        layouts = _memoized(memo, key, lambda: enumerate_layouts(arch, n, gb, seq, fixed, node=node))
    if len(layouts["tp"]) == 0:
        raise InputError(f"no legal layout of {n} accelerators for global batch {gb} (sequences), {arch.n_layers} "
                         f"layers, {arch.n_heads} heads with the options given; change `gpus` or `global_batch`",
                         field="gpus")
    kw = dict(seq_len=seq, peak_flop_per_s=acc.peak_flop_per_s(dtype), hbm_bytes_per_s=acc.memory_bandwidth_bytes_per_s,
              e_mm=matmul_efficiency(acc.generation), memory_capacity_bytes=acc.memory_bytes, interconnect=ic,
              flash_attention=flash_attention, grad_bytes=grad_bytes, fp8=dtype == "fp8")
    # memory depends on the layouts, not on the accelerator: shared by the accelerators of a Pareto search
    memory = None if whole else _memoized(memo, key + (flash_attention, grad_bytes), lambda: layout_memory(
        arch, layouts, seq_len=seq, flash_attention=flash_attention, grad_bytes=grad_bytes))
    if whole or enough is None:
        res = evaluate_layouts(arch, layouts, progress=progress, memory=memory, skip_misfits=True, **kw)
        order = rank_layouts(res)
    else:
        res, order = search_fitting(arch, layouts, memory=memory, enough=lambda prefix: enough(layouts, prefix),
                                    progress=progress, **kw)
    if len(order) == 0 and not _any_finite_step(arch, layouts, res, kw):
        reach = max(ic.scale_up_domain, ic.accelerators_per_server)
        raise InputError(f"got {n}; {acc.name} has no published scale-out network bandwidth, so at most {reach} "
                         f"accelerators (one scale-up domain or server) can be planned; give one with `scale_out`",
                         field="gpus")
    return layouts, res, order, kw, whole


def plan_training(*, model, tokens=None, gpu="h100", gpus=8, tp=None, pp=None, vpp=None, cp=None, ep=None, dp=None,
                  microbatch=None, global_batch=None, seq_len=None, zero=None, recompute=None,
                  sequence_parallel=None, dtype="bf16", goodput=None, top=5, flash_attention=True,
                  grad_bytes=4.0, price_usd_per_gpu_hour=None, provider=None, price_kind="on-demand", date=None,
                  catalog=None, progress=None, dp_shard=None, overlap=None, scale_out=None,
                  explain_misfit=True, _memo=None) -> PlanSearch:
    """Plan training ``model`` on ``tokens`` tokens with ``gpus`` accelerators ``gpu``.

    Layout options left as None are searched (every legal value; see :mod:`.layout`); with all of
    them given the one layout is evaluated and, if it does not fit, :class:`DoesNotFitError` says
    what it needs per accelerator, what there is and the smallest single change that fits.
    ``goodput`` in (0, 1] overrides the failure model. ``dp_shard`` pins the ZeRO shard group
    (HSDP when below cp·dp), ``overlap`` (default on) the data-parallel overlap; ``scale_out``
    replaces the interconnect table's scale-out network: bytes/s per accelerator, text with a unit
    (``"400 Gb/s"``, ``"3.2 Tb/s per node"``) or another accelerator's row
    (:func:`costcurve.interconnect.with_scale_out`). ``explain_misfit=False`` skips the search for
    the smallest change that fits (the Pareto search only skips such points); ``_memo`` is the
    Pareto search's dict of layouts and memory shared by value (:func:`search_layouts`). Returns a :class:`PlanSearch` with the
    ``top`` fastest plans that fit, best first, each saying why it won.
    """
    cat = catalog if isinstance(catalog, Catalog) else load_catalog(catalog)
    if dtype not in DTYPES or dtype in ("fp32", "tf32"):
        raise InputError(f"got {dtype!r}; allowed: bf16, fp16, fp8", field="dtype")
    name, arch, tok = _resolve(model, tokens, cat)
    acc = cat.accelerator(gpu)
    ic = with_scale_out(interconnect(acc), scale_out)
    n = _int_option(gpus, "gpus")
    seq = _int_option(seq_len, "seq_len") or arch.pretrain_seq_len
    gb = _int_option(global_batch, "global_batch") or default_global_batch(n, seq)
    top = _int_option(top, "top")
    fixed = _fixed_options(dict(tp=tp, pp=pp, vpp=vpp, cp=cp, ep=ep, dp=dp, microbatch=microbatch, dp_shard=dp_shard),
                           zero, recompute, sequence_parallel, overlap)
    if goodput is not None:
        goodput = float(number_input(goodput, "goodput", upper=1.0))
    layouts, res, order, kw, whole = search_layouts(arch, acc, ic, n, seq, gb, fixed, dtype=dtype,
                                                    flash_attention=flash_attention, grad_bytes=grad_bytes,
                                                    progress=progress, memo=_memo,
                                                    enough=lambda lay, prefix: _enough(lay, prefix, top))
    if len(order) == 0 and not explain_misfit:
        raise DoesNotFitError(f"no layout fits {n} × {acc.name}", needed_bytes=float(np.nanmin(res["memory/total"])),
                              capacity_bytes=float(acc.memory_bytes))
    if len(order) == 0:
        _raise_does_not_fit(arch, acc, n, gb, seq, layouts, res, fixed, kw, whole)
    price_kw = dict(price_usd_per_gpu_hour=price_usd_per_gpu_hour, provider=provider, price_kind=price_kind)
    plans = _ranked_plans(res, layouts, order[: max(top, 1)], order, arch, acc, n, tok, seq, goodput, cat,
                          parse_date(date), price_kw)
    notes = []
    if ic.scale_out_bytes_per_s is None:
        notes.append(f"{acc.name}: no published scale-out bandwidth; layouts spanning more than "
                     f"{max(ic.scale_up_domain, ic.accelerators_per_server)} accelerators were dropped")
    return PlanSearch(model=name, tokens=tok, seq_len=seq, dtype=dtype, plans=tuple(plans),
                      layouts_evaluated=int(len(layouts["tp"])), layouts_fit=int(np.count_nonzero(res["fits"])), notes=tuple(notes))


def _fixed_options(ints: dict, zero, recompute, sequence_parallel, overlap=None) -> dict:
    """The layout options the user pinned, checked: whole counts, ZeRO stage 0–3, a known recomputation."""
    fixed = {k: _int_option(v, k) for k, v in ints.items()}
    if zero is not None:
        zero = int(_int_option(zero, "zero")) if not (isinstance(zero, (int, np.integer)) and zero == 0) else 0
        if zero not in (0, 1, 2, 3):
            raise InputError(f"got {zero}; allowed: 0, 1, 2, 3", field="zero")
    if recompute is not None and recompute not in RECOMPUTE:
        raise InputError(f"got {recompute!r}; allowed: {', '.join(RECOMPUTE)}", field="recompute")
    if overlap is not None and not isinstance(overlap, (bool, np.bool_)):
        raise InputError(f"got {overlap!r}; allowed: True, False", field="overlap")
    fixed.update(zero=zero, recompute=recompute, sequence_parallel=sequence_parallel, overlap=overlap)
    return fixed


def _ranked_plans(res, layouts, chosen, order, arch, acc, n, tok, seq, goodput, cat, date, price_kw) -> list:
    """Plans of the ``chosen`` layouts, best first; the best says why it won and what came second."""
    plans = []
    for rank, i in enumerate(chosen):
        lay = _layout_at(layouts, int(i))
        runner = _runner_up(layouts, order) if rank == 0 else None
        why = _why(res, int(i), runner, lay, _layout_at(layouts, runner) if runner is not None else None) if rank == 0 else \
            f"rank {rank + 1}: {res['step_time_s'][i] / res['step_time_s'][chosen[0]] - 1.0:+.1%} step time vs the best"
        plans.append(_plan(res, int(i), lay, arch, acc, n, tok, seq, goodput, cat, date, why, price_kw))
    return plans


def _plan(res, i, lay, arch, acc, n, tokens, seq, goodput, cat, date, why, price_kw) -> Plan:
    from costcurve.architecture import count_params

    step = float(res["step_time_s"][i])
    steps = tokens / (lay.global_batch * seq)
    run_s = steps * step
    if goodput is None:
        g = float(goodput_model.default_goodput(n, count_params(arch), run_s))
        source = "failure model (Llama 3 interruption rate, Young/Daly checkpointing)"
    else:
        g, source = goodput, "given"
    wall = run_s / g
    gpu_hours = n * wall / SECONDS_PER_HOUR
    cost, price, price_source = plan_cost_usd(cat, acc, n, wall, gpu_hours, date, **price_kw)
    mem = {k: float(res[f"memory/{k}"][i]) for k in MEMORY_KEYS}
    brk = {k: float(res[f"step/{k}"][i]) for k in STEP_KEYS}
    return Plan(gpu=acc.name, gpus=n, parallelism=lay, memory_per_gpu_bytes=mem,
                memory_capacity_bytes=float(acc.memory_bytes), fits=bool(res["fits"][i]), step_time_s=step,
                step_time_breakdown_s=brk, tokens_per_second=float(res["tokens_per_second"][i]),
                achieved_flop_per_s_per_gpu=float(res["achieved_flop_per_s_per_gpu"][i]), mfu=float(res["mfu"][i]),
                goodput=g, goodput_source=source, wall_clock_days=wall / SECONDS_PER_DAY, gpu_hours=gpu_hours,
                cost_usd=cost, price_usd_per_gpu_hour=price, price_source=price_source, why=why)


_CHANGES = (("sequence_parallel", "`sequence_parallel`"), ("recompute", "`recompute`"), ("zero", "`zero`"),
            ("microbatch", "`microbatch`"), ("tp", "`tp`"), ("pp", "`pp`"), ("cp", "`cp`"), ("vpp", "`vpp`"))


def _option_value(opt: str, lay: Layout) -> str:
    return {"`sequence_parallel`": "on", "`recompute`": lay.recompute, "`zero`": str(lay.zero),
            "`microbatch`": str(lay.microbatch), "`tp`": str(lay.tp), "`pp`": str(lay.pp), "`cp`": str(lay.cp),
            "`vpp`": str(lay.vpp)}[opt]


def _fastest_change(arch, n, gb, seq, base: Layout, keys, kw, tp_limit):
    """Fastest fitting layout with the options ``keys`` freed and the rest kept: (step s, layout) or None.

    Freeing tp, pp or cp frees dp too (their product is the accelerator count); a freed tp stays
    within ``tp_limit`` (the scale-up domain: tensor parallelism over the scale-out network is not
    a change a team makes) and never drops below the base's.
    """
    free = {k: v for k, v in base.to_dict().items() if k not in ("global_batch",)}
    if any(k in ("tp", "pp", "cp") for k in keys):
        free.pop("dp")
        free.pop("dp_shard")
    for k in keys:
        free.pop(k)
    cand = enumerate_layouts(arch, n, gb, seq, free, node=kw["interconnect"].scale_up_domain)
    if "tp" in keys:
        keep = cand["tp"] <= max(tp_limit, base.tp)
        cand = {k: v[keep] for k, v in cand.items()}
    if len(cand["tp"]) == 0:
        return None
    r = evaluate_layouts(arch, cand, skip_misfits=True, **kw)
    order = rank_layouts(r)
    if not len(order):
        return None
    j = int(order[0])
    return float(r["step_time_s"][j]), _layout_at(cand, j)


def _smallest_change(arch, n, gb, seq, base: Layout, kw, tp_limit):
    """The fastest fitting change of one option, else of two: (options, layout) or None."""
    for size in (1, 2):
        best = None
        for combo in itertools.combinations(_CHANGES, size):
            got = _fastest_change(arch, n, gb, seq, base, [k for k, _ in combo], kw, tp_limit)
            if got is not None and (best is None or got[0] < best[0]):
                best = (got[0], [o for _, o in combo], got[1])
        if best is not None:
            return best[1], best[2]
    return None


def _raise_does_not_fit(arch, acc, n, gb, seq, layouts, res, fixed, kw, whole):
    i = int(np.nanargmin(res["memory/total"]))
    need = float(res["memory/total"][i])
    cap = float(acc.memory_bytes)
    base = _layout_at(layouts, i)
    ic = kw["interconnect"]
    found = _smallest_change(arch, n, gb, seq, base, kw, tp_limit=ic.scale_up_domain)
    what = "this layout" if whole else "every layout tried"
    msg = (f"{what} needs {need / GiB:.1f} GiB per accelerator; {acc.name} has {cap / GiB:.1f} GiB")
    if found is not None:
        opts, lay = found
        changed = [o for o in opts if _option_value(o, lay) != _option_value(o, base)] or opts
        msg += "; smallest change that fits: " + " ".join(f"{o} {_option_value(o, lay)}" for o in changed)
        msg += f" (dp {lay.dp})" if lay.dp != base.dp else ""
        suggestion = lay.to_dict()
    else:
        msg += ("; no change of one or two options fits: use more accelerators (`gpus`) or one with more memory "
                "(`gpu`)")
        suggestion = None
    raise DoesNotFitError(msg, needed_bytes=need, capacity_bytes=cap, suggestion=suggestion)
