"""Report sections of the planner, the deployment search and the budget decision, built from each
command's ``--json`` dict: a one-sentence answer, headline figures with a line saying what each means,
and the breakdown that explains the answer (helpers shared with :mod:`.sections_decisions`)."""

from __future__ import annotations

import datetime as _dt
from html import escape

from . import html as H
from . import svg
from .common import context_section, inputs_section, reproduce_section, sources_table, uncertainty_section

P = H.p50
W = H.with_interval


def _hours(v) -> str:
    return H.hours(v)


def _per_h(v) -> str:
    return "n/a" if v is None else f"${v:.2f}/h"


def _layout(par: dict) -> str:
    """``tp=2 pp=8 cp=4 dp=8, microbatch 1, ZeRO-2``: tp, pp, dp and the other degrees above 1, then the
    memory settings."""
    deg = " ".join(f"{k}={par[k]}" for k in ("tp", "pp", "vpp", "cp", "ep", "dp")
                   if k in par and (k in ("tp", "pp", "dp") or (par.get(k) or 1) != 1))
    extra = [f"microbatch {par['microbatch']}"] if "microbatch" in par else []
    if par.get("zero") is not None:
        extra.append(f"ZeRO-{par['zero']}")
    if par.get("recompute") not in (None, "none"):
        extra.append(f"{par['recompute']} recomputation")
    return ", ".join([deg or "no parallelism (one replica per accelerator)", *extra])


def _memory_chart(mem: dict, capacity, what: str) -> str:
    parts = [(k.replace("_", " "), P(v)) for k, v in (mem or {}).items() if k != "total" and P(v)]
    total = P(mem.get("total")) if mem else None
    total = total if total is not None else sum(v for _, v in parts)
    cap = P(capacity)
    fits = "fits in" if cap is None or total <= cap else "does NOT fit in"
    return H.chart(svg.stacked(parts, capacity=cap, capacity_label="accelerator memory", fmt=H.gib, scale=2**30,
                               xlabel="memory per accelerator [GiB = 2^30 bytes]", title="Memory per accelerator"),
                   f"{what}: the parts sum to {H.gib(total)}, which {fits} the {H.gib(cap)} of one accelerator "
                   "(dashed line).")


def _price_row(d: dict):
    return ("rental price", W(d.get("price_usd_per_gpu_hour"), _per_h), d.get("price_source") or "")


def _finish(kind: str, d: dict, secs: list, *, values, command, full: bool, spread=(), target="", cost=None,
            what: str = "cost of the same run", assumptions: str = "") -> list:
    """Insert the inputs section after the answer and append uncertainty, trend context and reproduce."""
    if full:
        secs.insert(1, inputs_section(kind, values, assumptions))
    if spread:
        secs.append(uncertainty_section(d, spread, target))
    if full:
        if cost:  # a command without --date priced at today's date
            date = d.get("date") or (values or {}).get("date") or _dt.date.today().isoformat()
            secs.append(context_section(cost, date, what))
        secs.append(reproduce_section(command, [n for n in d.get("notes") or () if isinstance(n, str)]))
    return secs


def _answer(text: str, *figs: str) -> H.Section:
    return H.Section("answer", "The answer", f'<p class="answer">{escape(text)}</p>' + H.figures(*figs))


# ---- plan -------------------------------------------------------------------------------------------
def _pareto_point(p: dict) -> str:
    how = p.get("price_kind") or ""
    if p.get("provider"):
        how += f" at {p['provider']}"
    return f"{H.num(p.get('gpus'))} × {p.get('gpu')} ({how})"


def plan_search_sections(d: dict, *, values=None, command=None, full: bool = True) -> list[H.Section]:
    """The Pareto search (--gpu-options, --max-gpus, --deadline-days, --budget-usd): dollars against days."""
    front = sorted((p for p in d.get("pareto") or () if isinstance(p, dict)), key=lambda p: P(p.get("days")) or 0)
    if not front:
        text = "No plan meets the constraints (deadline, budget, accelerator count) with a layout that fits in memory."
        return _finish("plan", d, [_answer(text)], values=values, command=command, full=full)
    fast, cheap = front[0], min(front, key=lambda p: P(p.get("cost_usd")))
    fi, ci = d["pareto"].index(fast), d["pareto"].index(cheap)  # data-key: the path in the --json dict
    text = (f"The fastest plan is {_pareto_point(fast)}: {H.days(P(fast.get('days')))} for {H.usd(P(fast.get('cost_usd')))}"
            + ("." if fast is cheap else f"; the cheapest is {_pareto_point(cheap)}: {H.usd(P(cheap.get('cost_usd')))} "
               f"in {H.days(P(cheap.get('days')))}.") + f" {len(front)} plans are on the Pareto front of "
            f"{len(d.get('points') or ())} priced.")
    figs = [H.figure(f"pareto.{fi}.days", fast.get("days"), H.days, "fastest", _pareto_point(fast)),
            H.figure(f"pareto.{fi}.cost_usd", fast.get("cost_usd"), H.usd, "cost of the fastest",
                     fast.get("price_source") or ""),
            H.figure(f"pareto.{ci}.cost_usd", cheap.get("cost_usd"), H.usd, "cheapest", _pareto_point(cheap)),
            H.figure(f"pareto.{ci}.days", cheap.get("days"), H.days, "days of the cheapest",
                     _layout(cheap.get("parallelism") or {}))]
    rows = [(_pareto_point(p), _layout(p.get("parallelism") or {}), H.days(P(p.get("days"))), H.usd(P(p.get("cost_usd"))),
             H.hours(P(p.get("gpu_hours"))), f"{P(p.get('mfu')):.3f}" if P(p.get("mfu")) else "") for p in front[:20]]
    out = H.chart(svg.hbars([(f"{r[0]}", P(p.get("cost_usd"))) for r, p in zip(rows, front)], fmt=H.usd,
                            xlabel="cost of the run [USD]", title="Pareto front"),
                  "Each bar is a plan on the Pareto front, fastest first: no other plan is both faster and cheaper.")
    out += "<h3>Pareto front: dollars against days</h3>" + H.table(
        ["cluster", "layout", "days", "cost", "GPU-hours", "MFU"], rows, cls="nums")
    return _finish("plan", d, [_answer(text, *figs), H.Section("breakdown", "Breakdowns: the Pareto front", out)],
                   values=values, command=command, full=full)


def plan_sections(d: dict, *, values=None, command=None, full: bool = True) -> list[H.Section]:
    if "parallelism" not in d and "pareto" in d:
        return plan_search_sections(d, values=values, command=command, full=full)
    cost = d.get("cost_usd") or {}
    par = d.get("parallelism") or {}
    fits = d.get("fits", True)
    why = d.get("why") or ""
    text = (f"Train {d.get('model', 'the model')} on {H.count(P(d.get('tokens')))} tokens with "
            f"{H.num(P(d.get('gpus')))} × {d.get('gpu')} laid out as {_layout(par)}: "
            f"{H.days(P(d.get('wall_clock_days')))}, {H.hours(P(d.get('gpu_hours')))} and "
            f"{W(cost.get('cloud'), H.usd)} at cloud prices" + (f" ({why})." if why else ".")
            if fits else f"No layout of {H.num(P(d.get('gpus')))} × {d.get('gpu')} fits {d.get('model')} in memory"
            + (f": {why}." if why else "."))
    figs = [H.figure("cost_usd.cloud", cost.get("cloud"), H.usd, "cloud rental",
                     f"GPU-hours × {W(d.get('price_usd_per_gpu_hour'), _per_h)}"),
            H.figure("cost_usd.amortized", cost.get("amortized"), H.usd, "amortized ownership",
                     "hardware depreciation over the run + energy"),
            H.figure("wall_clock_days", d.get("wall_clock_days"), H.days, "wall-clock time",
                     "steps × step time ÷ goodput"),
            H.figure("gpu_hours", d.get("gpu_hours"), _hours, "accelerator-hours", "accelerators × wall-clock hours"),
            H.figure("step_time_s", d.get("step_time_s"), H.duration, "step time",
                     f"one step of {H.num(par.get('global_batch'))} sequences"),
            H.figure("mfu", d.get("mfu"), lambda v: f"{v:.3f}", "MFU", "model FLOP utilisation of this layout"),
            H.figure("memory_per_gpu_bytes.total", (d.get("memory_per_gpu_bytes") or {}).get("total"), H.gib,
                     "memory per accelerator", f"of {H.gib(P(d.get('memory_capacity_bytes')))}"),
            H.figure("goodput", d.get("goodput"), H.pct, "goodput", d.get("goodput_source") or "useful time share")]
    secs = [_answer(text, *figs)]
    out = _memory_chart(d.get("memory_per_gpu_bytes"), d.get("memory_capacity_bytes"), "Memory of the chosen layout")
    step = [(k.replace("_", " "), P(v)) for k, v in (d.get("step_time_breakdown_s") or {}).items() if P(v)]
    out += H.chart(svg.hbars(step, fmt=H.duration, xlabel="seconds per training step", title="Step time"),
                   f"Where a {H.duration(P(d.get('step_time_s')))} step goes: compute, the pipeline bubble and the "
                   "communication of each parallel dimension (the parts sum to the step time).")
    plans = [p for p in d.get("plans") or () if isinstance(p, dict)]
    if plans:
        rows = [(i + 1, _layout(p.get("parallelism") or {}), H.gib(P((p.get("memory_per_gpu_bytes") or {}).get("total"))),
                 H.duration(P(p.get("step_time_s"))), f"{P(p.get('mfu')):.3f}" if P(p.get("mfu")) else "",
                 H.days(P(p.get("wall_clock_days"))), H.usd(P((p.get("cost_usd") or {}).get("cloud"))))
                for i, p in enumerate(plans[:10])]
        out += (f"<h3>Fastest layouts that fit ({H.num(d.get('layouts_fit'))} of {H.num(d.get('layouts_evaluated'))} "
                "evaluated)</h3>" + H.table(["#", "layout", "memory", "step", "MFU", "days", "cloud cost"], rows, cls="nums"))
    front = [p for p in d.get("pareto") or () if isinstance(p, dict)]
    if front:
        rows = [(f"{H.num(p.get('gpus'))} × {p.get('gpu')}", _layout(p.get("parallelism") or {}),
                 H.days(P(p.get("wall_clock_days"))), H.usd(P((p.get("cost_usd") or {}).get("cloud")))) for p in front[:20]]
        out += "<h3>Pareto front: dollars against days</h3>" + H.table(["cluster", "layout", "days", "cloud cost"], rows, cls="nums")
    secs.append(H.Section("breakdown", "Breakdowns: memory, step time, layouts", out))
    return _finish("plan", d, secs, values=values, command=command, full=full, cost=P(cost.get("cloud")),
                   assumptions="<h3>Assumptions and sources</h3>" + sources_table(
                       [_price_row(d), ("goodput", W(d.get("goodput"), H.pct), d.get("goodput_source") or "")]))


# ---- deploy -----------------------------------------------------------------------------------------
def _deployment(x: dict) -> str:
    dep = x.get("deployment") or {}
    lay = x.get("layout") or {}
    s = (f"{H.num(dep.get('replicas'))} replicas × {H.num(dep.get('gpus_per_replica'))} {dep.get('gpu')} "
         f"({dep.get('dtype')} weights, {dep.get('engine')}, batch ≤ {H.num(dep.get('max_batch'))})")
    if lay.get("disaggregated"):
        s += f", prefill on {H.num(lay.get('prefill_replicas'))} separate replicas"
    return s


def _targets(s: dict) -> str:
    t = [f"{what} {H.duration(s[k])}" for k, what in (("ttft_p95_target_s", "time to first token"),
                                                     ("tpot_p95_target_s", "time per output token"))
         if s.get(k)]
    return f" (targets at p95: {' and '.join(t)})" if t else ""


def deploy_sections(d: dict, *, values=None, command=None, full: bool = True) -> list[H.Section]:
    s = d.get("search") or {}
    text = (f"The cheapest deployment for {s.get('model', 'the model')} at {H.count(s.get('queries_per_day'))} "
            f"queries a day is {_deployment(d)}: {H.usd(P(d.get('usd_per_million_output_tokens')))} per million "
            f"output tokens, {H.usd(P(d.get('usd_per_billion_queries')) / 1e3)} per million queries and {H.usd(P(d.get('usd_per_day')))} a day, "
            f"with p95 time to first token {H.duration(P(d.get('ttft_p95_s')))} and p95 time per output token "
            f"{H.duration(P(d.get('tpot_p95_s')))}" + _targets(s) + ".")
    figs = [H.figure("usd_per_million_output_tokens", d.get("usd_per_million_output_tokens"), H.usd,
                     "per million output tokens", "answer tokens, with their share of the accelerators"),
            H.figure("usd_per_query", d.get("usd_per_query"), H.usd, "per query",
                     f"{H.usd(P(d.get('usd_per_query')) * 1e6)} per million queries of {H.num(s.get('input_tokens_mean'))} "
                     f"prompt + {H.num(s.get('output_tokens_mean'))} answer tokens"),
            H.figure("usd_per_day", d.get("usd_per_day"), H.usd, "per day",
                     f"{H.num(d.get('accelerators_total'))} accelerators × 24 h × {W(s.get('price_usd_per_gpu_hour'), _per_h)}"),
            H.figure("ttft_p95_s", d.get("ttft_p95_s"), H.duration, "p95 time to first token",
                     "target " + (H.duration(s["ttft_p95_target_s"]) if s.get("ttft_p95_target_s") else "none")),
            H.figure("tpot_p95_s", d.get("tpot_p95_s"), H.duration, "p95 time per output token",
                     "target " + (H.duration(s["tpot_p95_target_s"]) if s.get("tpot_p95_target_s") else "none")),
            H.figure("utilization", d.get("utilization"), H.pct, "utilization",
                     "busy share of the accelerators at this demand (simulated)")]
    secs = [_answer(text, *figs)]
    rows = [(_deployment(p), H.usd(P(p.get("usd_per_million_output_tokens"))), H.usd(P(p.get("usd_per_query")) * 1e6),
             H.usd(P(p.get("usd_per_day"))), H.duration(P(p.get("ttft_p95_s"))), H.duration(P(p.get("tpot_p95_s"))))
            for p in (d.get("pareto") or ()) if isinstance(p, dict)]
    out = ""
    if rows:
        out += H.chart(svg.hbars([(f"tpot p95 {r[5]}", P(p.get("usd_per_million_output_tokens")))
                                  for r, p in zip(rows, d["pareto"])], fmt=H.usd,
                                 xlabel="USD per million output tokens", title="Pareto front"),
                       "Each bar is a deployment on the Pareto front: cheaper ones are slower per output token.")
        out += ("<h3>Pareto front: dollars per million output tokens against p95 time per output token</h3>"
                + H.table(["deployment", "$/M output tokens", "$/M queries", "$/day", "TTFT p95", "TPOT p95"], rows, cls="nums"))
    out += (f'<p class="note">{H.num(s.get("evaluated"))} of {H.num(s.get("candidates"))} candidate deployments '
            "simulated (continuous batching under Poisson arrivals).</p>")
    secs.append(H.Section("breakdown", "Breakdowns: the Pareto front", out))
    return _finish("deploy", d, secs, values=values, command=command, full=full,
                   cost=P(d.get("usd_per_billion_queries")), what="cost of a billion queries",
                   assumptions="<h3>Assumptions and sources</h3>" + sources_table(
                       [("rental price", W(s.get("price_usd_per_gpu_hour"), _per_h), s.get("price_source") or "")]))


# ---- budget -----------------------------------------------------------------------------------------
def budget_sections(d: dict, *, values=None, command=None, full: bool = True) -> list[H.Section]:
    served = d.get("inference_tokens")
    what = ("a compute-optimal model" if served is None else
            f"for {H.count(P(served))} tokens served, the model cheapest over its life, of")
    text = (f"{W(d.get('usd'), H.usd)} buys {what} {H.count(P(d.get('params')))} parameters "
            f"trained on {H.count(P(d.get('tokens')))} tokens ({H.flop(P(d.get('training_flop')))}), predicted loss "
            f"{P(d.get('predicted_loss')):.3f}, for {H.usd(P(d.get('cost_usd')))} in "
            f"{H.days(P(d.get('wall_clock_days')))} on {H.num(P(d.get('gpus')))} × {d.get('gpu')} "
            f"({d.get('law')} scaling law).")
    if served is not None:
        text += (f" The compute-optimal model of the same budget has {H.count(P(d.get('chinchilla_params')))} "
                 f"parameters (loss {P(d.get('chinchilla_loss')):.3f}) and costs "
                 f"{H.usd(P(d.get('saving_vs_chinchilla')))} more over its life.")
    figs = [H.figure("params", d.get("params"), H.count, "parameters", "compute-optimal size for this budget"),
            H.figure("tokens", d.get("tokens"), H.count, "training tokens",
                     f"{H.num(P(d.get('tokens_per_param')))} tokens per parameter"),
            H.figure("training_flop", d.get("training_flop"), H.flop, "training FLOP",
                     f"budget ÷ {H.usd(P(d.get('usd_per_flop')))} per FLOP"),
            H.figure("predicted_loss", d.get("predicted_loss"), lambda v: f"{v:.3f}", "predicted loss",
                     "nats per token, from the scaling law's fit"),
            H.figure("cost_usd", d.get("cost_usd"), H.usd, "cost", "FLOP ÷ (peak × MFU) × GPU-hour price"),
            H.figure("wall_clock_days", d.get("wall_clock_days"), H.days, "wall-clock time",
                     f"on {H.num(P(d.get('gpus')))} accelerators at MFU {P(d.get('mfu')):.3f}")]
    secs = [_answer(text, *figs)]
    comp = d.get("law_comparison") or {}
    out = ""
    if comp:
        out += "<h3>The compute-optimal model of the same FLOP under each scaling law</h3>" + H.table(
            ["law", "parameters", "tokens", "predicted loss"],
            [(k, H.count(P(v.get("params"))), H.count(P(v.get("tokens"))), f"{P(v.get('predicted_loss')):.3f}")
             for k, v in comp.items()])
        out += H.chart(svg.hbars([(k, P(v.get("params"))) for k, v in comp.items()], fmt=H.count,
                                 xlabel="compute-optimal parameters", title="Parameters by law"),
                       "How much the answer depends on which published scaling law is used.")
    secs.append(H.Section("breakdown", "Breakdowns: scaling laws", out))
    rows = [_price_row(d), ("scaling law", d.get("law") or "", d.get("law_source") or "")]
    return _finish("budget", d, secs, values=values, command=command, full=full, cost=P(d.get("cost_usd")),
                   spread=[("params", "parameters", H.count), ("tokens", "tokens", H.count),
                           ("wall_clock_days", "days", H.days)], target="the parameters",
                   assumptions="<h3>Assumptions and sources</h3>" + sources_table(rows))

