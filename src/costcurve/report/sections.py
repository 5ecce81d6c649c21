"""Report sections of each kind, built from the command's ``--json`` dict (the same dict the web API
returns and a result object's ``to_dict()`` gives in a notebook)."""

from __future__ import annotations

from html import escape

from . import html as H
from . import svg
from .common import COTTIER, context_section, inputs_section, reproduce_section, sources_table, uncertainty_section

P = H.p50


def _accelerator_source(gpu: str) -> str:
    from costcurve.catalog import load_catalog
    from costcurve.errors import CostcurveError

    try:
        return load_catalog().accelerator(gpu).source
    except CostcurveError:
        return ""


# ---- train ------------------------------------------------------------------------------------------
def train_answer(d: dict) -> str:
    name = d.get("model") or "the model"
    days = H.duration(P(d["wall_clock_s"]))
    cloud = d.get("cost_cloud_usd")
    money = (f"costs {H.with_interval(cloud, H.usd)} at cloud rental prices" if P(cloud) is not None
             else f"costs {H.with_interval(d['cost_amortized_usd'], H.usd)} amortized (no rental price known)")
    return (f"Training {name} ({H.count(P(d['params_total']))} parameters, {H.count(P(d['tokens']))} tokens, "
            f"{H.flop(P(d['training_flop']))}) on {H.num(P(d['gpus']))} × {d['gpu']}"
            + (" (an assumed count: none was given)" if d.get("gpus_source") == "assumed" else "")
            + f" takes {days} and {money}; "
            f"owning the cluster costs {H.usd(P(d['cost_amortized_usd']))} amortized, buying it "
            f"{H.usd(P(d['cost_acquisition_usd']))}.")


def train_figures(d: dict) -> str:
    return H.figures(
        H.figure("cost_cloud_usd", d["cost_cloud_usd"], H.usd, "cloud rental",
                 f"accelerator-hours × ${P(d['price_usd_per_gpu_hour']) or float('nan'):.2f}/h"),
        H.figure("cost_amortized_usd", d["cost_amortized_usd"], H.usd, "amortized ownership",
                 "hardware depreciation over the run + energy (Cottier et al. 2024)"),
        H.figure("cost_acquisition_usd", d["cost_acquisition_usd"], H.usd, "buy the cluster",
                 "accelerators × price × server and network overhead"),
        H.figure("wall_clock_s", d["wall_clock_s"], H.duration, "wall-clock time",
                 "training FLOP ÷ (accelerators × peak × MFU × goodput)"),
        H.figure("gpu_hours", d["gpu_hours"], lambda v: f"{H.num(v)} h", "accelerator-hours", "accelerators × hours"),
        H.figure("training_flop", d["training_flop"], H.flop, "training FLOP", f"counted by {d['flop_method']}"),
        H.figure("energy_kwh", d["energy_kwh"], lambda v: f"{H.num(v)} kWh", "facility energy",
                 f"{H.with_interval(d['co2_kg'], lambda v: f'{H.num(v / 1000)} t')} CO2"),
        H.figure("mfu", d["mfu"], lambda v: f"{v:.3f}", "MFU", f"model FLOP utilisation ({d['mfu_source']})"),
    )


def train_breakdowns(d: dict) -> str:
    out = ""
    fb = {k: v for k, v in (d.get("flop_breakdown") or {}).items() if v}
    if fb:
        out += H.chart(svg.hbars(list(fb.items()), fmt=lambda v: f"{v:.2e}", xlabel="training FLOP",
                                 title="Training FLOP by part"),
                       f"Where the {H.flop(P(d['training_flop']))} go: forward + backward (3 × forward) by part of the "
                       "network; the parts sum to the total.")
    energy = P(d.get("cost_energy_usd"))
    amort = P(d.get("cost_amortized_usd"))
    money = [("cloud rental", P(d["cost_cloud_usd"])), ("amortized: hardware", (amort or 0) - (energy or 0)),
             ("amortized: energy", energy), ("cluster acquisition", P(d["cost_acquisition_usd"]))]
    out += H.chart(svg.hbars(money, fmt=H.usd, xlabel="USD (median where a range)", title="Dollars by method"),
                   "Three ways to price the run (Cottier et al. 2024): rent it, own it (depreciation over the run "
                   "plus energy; the two amortized bars sum to the amortized cost), or buy the whole cluster.")
    wall = P(d["wall_clock_s"])
    goodput = P(d.get("goodput")) or 1.0
    time = [("computing", wall * goodput), ("lost (1 − goodput)", wall * (1 - goodput))]
    out += H.chart(svg.hbars(time, fmt=H.duration, xlabel="wall-clock time", title="Time"),
                   f"Wall-clock {H.duration(wall)}: time spent computing at MFU {P(d['mfu']):.3f} and time lost to "
                   f"restarts and failures (goodput {goodput:.2f}); they sum to the wall clock.")
    return out


def train_assumptions(d: dict) -> str:
    a = d.get("assumptions") or {}
    rows = [
        ("accelerator", f"{d['gpu']}: dense peak {H.si(d['peak_flop_per_s'], 'FLOP/s')} ({d['dtype']})",
         _accelerator_source(d["gpu"])),
        ("MFU", H.with_interval(d["mfu"], lambda v: f"{v:.3f}"),
         d["mfu_source"] + (" — regression fitted on 26 published runs (docs/methods.md)"
                            if d["mfu_source"] == "default model" else "")),
        ("rental price", H.with_interval(d["price_usd_per_gpu_hour"], lambda v: f"${v:.2f}/h"), d["price_source"]),
        ("accelerator price", H.with_interval(d["chip_price_usd"], H.usd), "bundled accelerators table (row above)"),
    ]
    for k, label in (("server_overhead", "cluster / accelerator capex"), ("depreciation_per_year", "depreciation / year"),
                     ("server_power_overhead", "server / accelerator power"), ("power_utilization", "average power / TDP"),
                     ("pue", "PUE"), ("electricity_usd_per_kwh", "electricity [USD/kWh]"),
                     ("grid_kg_co2_per_kwh", "grid [kg CO2/kWh]")):
        if k in a:
            rows.append((label, H.with_interval(a[k], lambda v: f"{v:.4g}"),
                         f"Cottier et al. 2024, The rising costs of training frontier AI models, {COTTIER}"))
    return "<h3>Assumptions and sources</h3>" + sources_table(rows)


_TRAIN_SPREAD = [("cost_cloud_usd", "cloud rental", H.usd), ("cost_amortized_usd", "amortized", H.usd),
                 ("wall_clock_s", "wall clock", H.duration), ("gpu_hours", "accelerator-hours", H.num),
                 ("training_flop", "training FLOP", H.flop), ("mfu", "MFU", lambda v: f"{v:.3f}"),
                 ("price_usd_per_gpu_hour", "price per hour", lambda v: f"${v:.2f}"), ("energy_kwh", "energy kWh", H.num)]


def train_sections(d: dict, *, values=None, command=None, full: bool = True) -> list[H.Section]:
    secs = [H.Section("answer", "The answer", f'<p class="answer">{escape(train_answer(d))}</p>' + train_figures(d))]
    if full:
        secs.append(inputs_section("train", values, train_assumptions(d)))
    secs.append(H.Section("breakdown", "Breakdowns: FLOP, time, dollars", train_breakdowns(d)))
    secs.append(uncertainty_section(d, _TRAIN_SPREAD, "the cloud cost"))
    if full:
        cost = P(d.get("cost_cloud_usd")) or P(d.get("cost_amortized_usd"))
        secs.append(context_section(cost, d.get("date"), "cost of the same run"))
        secs.append(reproduce_section(command, d.get("notes") or ()))
    return secs


# ---- infer ------------------------------------------------------------------------------------------
def infer_answer(d: dict) -> str:
    return (f"Serving {d['model']} on {H.num(P(d['gpus']))} × {d['gpu']} ({d['dtype']} weights, batch "
            f"{H.num(P(d['batch']))}) costs {H.with_interval(d['usd_per_million_output_tokens'], H.usd)} per million "
            f"output tokens and {H.with_interval(d['usd_per_query'], H.usd)} per query of "
            f"{H.num(P(d['input_tokens']))} + {H.num(P(d['output_tokens']))} tokens, at "
            f"{H.num(P(d['tokens_per_second']))} output tokens/s per replica and "
            f"{H.duration(P(d['time_per_output_token_s']))} per output token.")


def infer_figures(d: dict) -> str:
    items = [
        H.figure("usd_per_million_output_tokens", d["usd_per_million_output_tokens"], H.usd, "per million output tokens",
                 "accelerator-hours per token × hourly price ÷ utilisation"),
        H.figure("usd_per_million_input_tokens", d["usd_per_million_input_tokens"], H.usd, "per million input tokens",
                 "prompt (prefill) tokens"),
        H.figure("usd_per_query", d["usd_per_query"], H.usd, "per query", "one prompt and its answer"),
        H.figure("usd_per_billion_queries", d["usd_per_billion_queries"], H.usd, "per billion queries",
                 "cost per query × 10^9"),
        H.figure("time_per_output_token_s", d["time_per_output_token_s"], H.duration, "time per output token",
                 f"decode is {d.get('decode_bound', '?')}-bound"),
        H.figure("time_to_first_token_s", d["time_to_first_token_s"], H.duration, "time to first token",
                 "one prompt, no queue"),
        H.figure("tokens_per_second", d["tokens_per_second"], lambda v: f"{H.num(v)} tokens/s", "throughput",
                 "output tokens per second per replica"),
        H.figure("memory_required_bytes", d["memory_required_bytes"], H.gib, "memory per accelerator",
                 f"of {H.gib(P(d['memory_usable_bytes']))} usable"),
    ]
    if P(d.get("accelerators_needed")) is not None:
        items.append(H.figure("accelerators_needed", d["accelerators_needed"], H.num, "accelerators needed",
                              f"for {H.num(P(d['queries_per_day']))} queries/day; {H.usd(P(d['usd_per_day']))} a day"))
    return H.figures(*items)


def infer_breakdowns(d: dict) -> str:
    mem = dict(d.get("memory_breakdown_bytes") or {})
    free = P(d["memory_usable_bytes"]) - P(d["memory_required_bytes"])
    out = H.chart(svg.stacked([(k.replace("_", " "), v) for k, v in mem.items()], capacity=P(d["memory_usable_bytes"]), capacity_label="usable",
                              fmt=H.gib, scale=2**30, xlabel="memory per accelerator [GiB = 2^30 bytes]",
                              title="Memory"),
                  f"Memory per accelerator: weights, KV cache of the batch and activations sum to "
                  f"{H.gib(P(d['memory_required_bytes']))} of {H.gib(P(d['memory_usable_bytes']))} usable "
                  f"({H.gib(max(free, 0))} free; dashed line: usable memory).")
    time = [("time to first token", P(d["time_to_first_token_s"])), ("decode step", P(d["decode_step_s"])),
            ("time per output token", P(d["time_per_output_token_s"]))]
    out += H.chart(svg.hbars(time, fmt=H.duration, xlabel="seconds", title="Latency"),
                   "Latency of one query: prefill of the prompt, one decode step of the batch, and the mean time per "
                   "output token including prefills interleaved in the batch (roofline model, docs/inference.md).")
    money = [("per million input tokens", P(d["usd_per_million_input_tokens"])),
             ("per million output tokens", P(d["usd_per_million_output_tokens"])),
             ("per thousand queries", (P(d["usd_per_query"]) or 0) * 1000)]
    out += H.chart(svg.hbars(money, fmt=H.usd, xlabel="USD", title="Dollars"),
                   f"Dollars at ${P(d['price_usd_per_gpu_hour']):.2f} per accelerator-hour and utilisation "
                   f"{P(d['utilization']):.2f}.")
    return out


def infer_assumptions(d: dict) -> str:
    rows = [("accelerator", d["gpu"], _accelerator_source(d["gpu"])),
            ("rental price", H.with_interval(d["price_usd_per_gpu_hour"], lambda v: f"${v:.2f}/h"), d["price_source"])]
    for k, v in (d.get("efficiencies") or {}).items():
        rows.append((k.replace("_", " "), H.with_interval(v, lambda x: f"{x:.3g}"),
                     "fitted on published TensorRT-LLM measurements and checked on held-out ones (docs/inference.md)"))
    return "<h3>Assumptions and sources</h3>" + sources_table(rows)


_INFER_SPREAD = [("usd_per_query", "per query", H.usd), ("usd_per_million_output_tokens", "per M output tokens", H.usd),
                 ("time_per_output_token_s", "time per token", H.duration),
                 ("time_to_first_token_s", "time to first token", H.duration),
                 ("tokens_per_second", "tokens/s", H.num), ("batch", "batch", H.num),
                 ("price_usd_per_gpu_hour", "price per hour", lambda v: f"${v:.2f}")]


def infer_sections(d: dict, *, values=None, command=None, full: bool = True) -> list[H.Section]:
    secs = [H.Section("answer", "The answer", f'<p class="answer">{escape(infer_answer(d))}</p>' + infer_figures(d))]
    if full:
        secs.append(inputs_section("infer", values, infer_assumptions(d)))
    secs.append(H.Section("breakdown", "Breakdowns: memory, time, dollars", infer_breakdowns(d)))
    secs.append(uncertainty_section(d, _INFER_SPREAD, "the cost per query"))
    if full:
        secs.append(context_section(P(d.get("usd_per_billion_queries")), d.get("date"), "cost of a billion queries"))
        secs.append(reproduce_section(command, d.get("notes") or ()))
    return secs


from .sections_trends import claims_sections, forecast_sections, trend_sections  # noqa: E402,F401
