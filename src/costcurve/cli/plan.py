"""`costcurve plan`: memory, parallel layout, step time, failures and dollars of a training run."""

from __future__ import annotations

from costcurve.commands import get

from .build import click_command
from .common import emit_json, line, notes, price_source, table

GiB = 2**30


def show(result, *, as_json: bool = False, csv=None) -> None:
    """Print a plan Outcome (one plan and the ranked list, or a Pareto front); write --csv if asked."""
    d = result.data
    search = isinstance(result.value, dict)  # pareto_plans answers a dict, plan_training a PlanSearch
    if csv:
        _write_csv(csv, d["points"] if search else d["plans"])
    if as_json:
        emit_json(d)
    elif search:
        _render_pareto(d, result.value)
    else:
        render(result.value)


plan = click_command(get("plan"))


def _flat(d, prefix=""):
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
        elif not isinstance(v, (list, tuple)):
            out[f"{prefix}{k}"] = v
    return out


def _write_csv(path, rows):
    import csv

    flat = [_flat(r) for r in rows]
    cols = list(dict.fromkeys(k for r in flat for k in r))
    try:
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=cols)
            w.writeheader()
            w.writerows(flat)
    except OSError as e:
        from costcurve.errors import InputError

        raise InputError(f"cannot write {path!r} ({e.strerror or e})", field="csv") from None


def _render_pareto(d, result) -> None:
    pareto, points = d["pareto"], d["points"]
    from costcurve.units import format_usd

    table("Pareto front: dollars against wall-clock days (cheapest first)",
          ["accelerator", "count", "price kind", "provider", "quotes", "days", "cost", "MFU", "goodput", "layout"],
          [(p["gpu"], f"{p['gpus']:,}", p["price_kind"], p["provider"] or "-", _quotes_text(p), f"{p['days']:,.1f}",
            format_usd(p["cost_usd"]), f"{p['mfu']:.3f}", f"{p['goodput']:.3f}", _layout_text(p["parallelism"]))
           for p in pareto], justify_right=(1, 5, 6, 7, 8))
    print(f"{len(points)} priced points; {len(result['skipped'])} (accelerator, count) pairs had no fitting layout")
    if result.get("thin_left_out"):
        line(f"note: {result['thin_left_out']} points priced on fewer than 3 quotes from 2 providers are left off the "
              "front (--allow-thin-prices to include them, marked thin)")


def _quotes_text(p) -> str:
    """``5 from 3`` quotes behind a point's price; ``THIN`` when it falls short of the quote rule."""
    if p.get("price_quotes") is None:
        return "-"
    text = f"{p['price_quotes']} from {p['price_providers']}"
    return text + " THIN" if p.get("thin_evidence") else text


def _layout_text(p) -> str:
    s = f"tp{p['tp']} pp{p['pp']}" + (f" v{p['vpp']}" if p["vpp"] > 1 else "") + (f" cp{p['cp']}" if p["cp"] > 1 else "")
    s += (f" ep{p['ep']}" if p["ep"] > 1 else "") + f" dp{p['dp']}"
    s += f" (HSDP {p['dp_shard']})" if p.get("dp_shard", p["dp"] * p["cp"]) < p["dp"] * p["cp"] else ""
    s += f" mb{p['microbatch']} z{p['zero']} {p['recompute']}"
    return s + ("" if p.get("overlap", True) else " no-overlap")


def render(result) -> None:
    """Print the best plan and the ranked list."""
    from costcurve.units import format_usd

    b = result.best
    mem = b.memory_per_gpu_bytes
    rows = [("layout", _layout_text(b.parallelism.to_dict()) + (" +SP" if b.parallelism.sequence_parallel else "")),
            ("memory per accelerator", f"{mem['total'] / GiB:,.1f} GiB of {b.memory_capacity_bytes / GiB:,.1f} GiB")]
    rows += [(f"  {k}", f"{v / GiB:,.2f} GiB") for k, v in mem.items() if k != "total"]
    rows += [("step time", f"{b.step_time_s:,.3f} s")]
    rows += [(f"  {k}", f"{v:,.3f} s") for k, v in b.step_time_breakdown_s.items()]
    rows += [("tokens/s", f"{b.tokens_per_second:,.0f}"),
             ("achieved FLOP/s per accelerator", f"{b.achieved_flop_per_s_per_gpu / 1e12:,.0f} TFLOP/s"),
             ("MFU", f"{b.mfu:.3f}"), ("goodput", f"{b.goodput:.3f} ({b.goodput_source})"),
             ("wall clock", f"{b.wall_clock_days:,.1f} days"), ("accelerator-hours", f"{b.gpu_hours:,.0f}"),
             ("cost: cloud rental", f"{format_usd(b.cost_usd['cloud'])} ({price_source(b.price_source)})"),
             ("cost: amortized capex + energy", format_usd(b.cost_usd["amortized"])),
             ("cost: cluster acquisition", format_usd(b.cost_usd["acquisition"])),
             ("why", b.why)]
    table(f"Training plan: {result.model} on {b.gpus:,} × {b.gpu} ({result.dtype}, seq {result.seq_len})",
          ["figure", "value"], rows)
    if len(result.plans) > 1:
        table(f"Fastest layouts that fit ({result.layouts_fit:,} of {result.layouts_evaluated:,} legal layouts fit)",
              ["#", "layout", "step [s]", "MFU", "memory [GiB]"],
              [(str(i + 1), _layout_text(p.parallelism.to_dict()), f"{p.step_time_s:.3f}", f"{p.mfu:.3f}",
                f"{p.memory_per_gpu_bytes['total'] / GiB:.1f}") for i, p in enumerate(result.plans)],
              justify_right=(0, 2, 3, 4))
    notes(result.notes)
