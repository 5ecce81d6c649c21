"""`costcurve plan`: memory, parallel layout, step time, failures and dollars of a training run."""

from __future__ import annotations

import sys
import time

import click

from .common import catalog_option, emit_json, json_option, price_options, table, note_text

GiB = 2**30


def _progress(enabled: bool):
    """A progress callback that shows a rich bar on a terminal once a search has run for 1 s."""
    if not enabled:
        return None, lambda: None
    start = time.monotonic()
    state = {}

    def update(done, total):
        if "bar" not in state:
            if time.monotonic() - start < 1.0:
                return
            from rich.console import Console
            from rich.progress import Progress

            state["bar"] = Progress(console=Console(file=sys.stderr), transient=True)
            state["bar"].start()
            state["task"] = state["bar"].add_task("searching layouts", total=total)
        state["bar"].update(state["task"], completed=done, total=total)

    def close():
        if "bar" in state:
            state["bar"].stop()

    return update, close


def _split(text):
    return [x.strip() for x in text.split(",") if x.strip()] if text else None


@click.command()
@click.option("--model", required=True, help="Preset (e.g. llama3.1-405b) or path to a config.json.")
@click.option("--tokens", help="Training tokens, e.g. 15.6T (default: the models table's).")
@click.option("--gpu", default="h100", show_default=True, help="Accelerator name or alias.")
@click.option("--gpus", default="8", show_default=True, help="Number of accelerators.")
@click.option("--tp", help="Tensor-parallel degree (searched when not given).")
@click.option("--pp", help="Pipeline-parallel degree.")
@click.option("--vpp", help="Virtual pipeline stages per accelerator (interleaved schedule).")
@click.option("--cp", help="Context-parallel degree.")
@click.option("--ep", help="Expert-parallel degree (MoE).")
@click.option("--dp", help="Data-parallel degree.")
@click.option("--microbatch", help="Sequences per microbatch.")
@click.option("--global-batch", help="Sequences per step (default: max(4M tokens, gpus/8), a power of two).")
@click.option("--seq-len", help="Training sequence length in tokens (default: the preset's).")
@click.option("--zero", type=click.Choice(["0", "1", "2", "3"]), help="ZeRO stage (1 = Megatron distributed optimizer, 3 = FSDP).")
@click.option("--recompute", type=click.Choice(["none", "selective", "full"]), help="Activation recomputation.")
@click.option("--sequence-parallel/--no-sequence-parallel", default=None, help="Megatron sequence parallelism (default on with tp > 1).")
@click.option("--dtype", type=click.Choice(["bf16", "fp16", "fp8"]), default="bf16", show_default=True)
@click.option("--goodput", help="Useful fraction of wall-clock time in (0, 1]; default: the failure model.")
@click.option("--no-flash-attention", is_flag=True, help="Materialise the attention scores (as before flash attention).")
@click.option("--deadline-days", help="Keep only plans that finish within this many days (Pareto search).")
@click.option("--budget-usd", help="Keep only plans that cost at most this many dollars (Pareto search).")
@click.option("--max-gpus", help="Largest accelerator count to consider (Pareto search).")
@click.option("--gpus-options", help="Comma-separated accelerator counts for the Pareto search, e.g. 1024,2048,4096.")
@click.option("--gpu-options", help="Comma-separated accelerators for the Pareto search, e.g. h100,b200,mi300x.")
@click.option("--allow-thin-prices", is_flag=True,
              help="Let prices on fewer than 3 quotes from 2 providers onto the Pareto front (marked thin).")
@click.option("--top", default="5", show_default=True, help="How many plans to list.")
@click.option("--csv", "csv", type=click.Path(dir_okay=False), help="Also write the plans (or Pareto points) to FILE.")
@price_options
@catalog_option
@json_option
def plan(model, tokens, gpu, gpus, tp, pp, vpp, cp, ep, dp, microbatch, global_batch, seq_len, zero, recompute,
         sequence_parallel, dtype, goodput, no_flash_attention, deadline_days, budget_usd, max_gpus, gpus_options,
         gpu_options, allow_thin_prices, top, csv, price_usd_per_gpu_hour, provider, price_kind, date, catalog, as_json):
    """Plan a training run: memory per accelerator, the fastest parallel layout that fits, step time,
    MFU, goodput, days and dollars; with --gpu-options/--gpus-options/--deadline-days/--budget-usd/--max-gpus,
    the Pareto front of dollars against days.

    \b
    Examples:
      costcurve plan --model llama3.1-405b --tokens 15.6T --gpu h100 --gpus 16384
      costcurve plan --model llama3-70b --tokens 15T --gpu h100 --gpus 512 --tp 8 --pp 4 --cp 1 --dp 16 \\
          --microbatch 1 --zero 1 --recompute selective
      costcurve plan --model llama3-8b --tokens 15T --gpu-options h100,b200,mi300x --max-gpus 4096 --json
    """
    pareto_mode = any(x is not None for x in (deadline_days, budget_usd, max_gpus, gpus_options, gpu_options)) \
        or allow_thin_prices
    update, close = _progress(sys.stderr.isatty() and not as_json)
    kw = dict(model=model, tokens=tokens, tp=tp, pp=pp, vpp=vpp, cp=cp, ep=ep, dp=dp, microbatch=microbatch,
              global_batch=global_batch, seq_len=seq_len, zero=None if zero is None else int(zero), recompute=recompute,
              sequence_parallel=sequence_parallel, dtype=dtype, goodput=goodput, flash_attention=not no_flash_attention,
              price_usd_per_gpu_hour=price_usd_per_gpu_hour, provider=provider.lower() if provider else None, price_kind=price_kind,
              date=date, catalog=list(catalog) or None)
    try:
        if pareto_mode:
            from costcurve.planner import pareto_plans

            result = pareto_plans(gpu_options=_split(gpu_options) or [gpu], gpus_options=_split(gpus_options),
                                  deadline_days=deadline_days, budget_usd=budget_usd, max_gpus=max_gpus,
                                  progress=update, allow_thin_prices=allow_thin_prices, **kw)
        else:
            from costcurve.planner import plan_training

            result = plan_training(gpu=gpu, gpus=gpus, top=top, progress=update, **kw)
    finally:
        close()
    if pareto_mode:
        _finish_pareto(result, as_json, csv, top)
    else:
        _finish_plans(result, as_json, csv, _evidence(result, gpu, kw))


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


def _evidence(result, gpu, kw) -> dict:
    """``price_quotes``, ``price_providers``, ``thin_evidence`` of the plans' rental price (the quote rule)."""
    if kw.get("price_usd_per_gpu_hour") is not None:
        return {"price_quotes": None, "price_providers": None, "thin_evidence": False}
    from costcurve.catalog import load_catalog
    from costcurve.prices import quote_evidence
    from costcurve.units import parse_date

    cat = load_catalog(kw.get("catalog"))
    return quote_evidence(cat, cat.accelerator(gpu).name, parse_date(kw.get("date")), kw.get("price_kind") or "on-demand",
                          kw.get("provider"))


def _finish_plans(result, as_json, csv_path, evidence=None):
    d = result.to_dict()
    for p in d.get("plans", ()):
        p.update(evidence or {})
    if csv_path:
        _write_csv(csv_path, d["plans"])
    if as_json:
        emit_json(d)
        return
    render(result)


def _finish_pareto(result, as_json, csv_path, top):
    front = result["pareto"]
    plans = [p["plan"].to_dict() for p in front]
    points = [{k: v for k, v in p.items() if k != "plan"} for p in result["points"]]
    pareto = [{k: v for k, v in p.items() if k != "plan"} for p in front]
    if csv_path:
        _write_csv(csv_path, points)
    if as_json:
        for d, p in zip(plans, pareto):
            d.update({k: p[k] for k in ("price_quotes", "price_providers", "thin_evidence")})
        emit_json({"plans": plans, "pareto": pareto, "points": points, "skipped": result["skipped"]})
        return
    from costcurve.units import format_usd

    table("Pareto front: dollars against wall-clock days (cheapest first)",
          ["accelerator", "count", "price kind", "provider", "quotes", "days", "cost", "MFU", "goodput", "layout"],
          [(p["gpu"], f"{p['gpus']:,}", p["price_kind"], p["provider"] or "-", _quotes_text(p), f"{p['days']:,.1f}",
            format_usd(p["cost_usd"]), f"{p['mfu']:.3f}", f"{p['goodput']:.3f}", _layout_text(p["parallelism"]))
           for p in pareto], justify_right=(1, 5, 6, 7, 8))
    print(f"{len(points)} priced points; {len(result['skipped'])} (accelerator, count) pairs had no fitting layout")
    if result.get("thin_left_out"):
        print(f"note: {result['thin_left_out']} points priced on fewer than 3 quotes from 2 providers are left off the "
              "front (--allow-thin-prices to include them, marked thin)")


def _quotes_text(p) -> str:
    """``5 from 3`` quotes behind a point's price; ``THIN`` when it falls short of the quote rule."""
    if p.get("price_quotes") is None:
        return "-"
    text = f"{p['price_quotes']} from {p['price_providers']}"
    return text + " THIN" if p.get("thin_evidence") else text


def _layout_text(p) -> str:
    s = f"tp{p['tp']} pp{p['pp']}" + (f" v{p['vpp']}" if p["vpp"] > 1 else "") + (f" cp{p['cp']}" if p["cp"] > 1 else "")
    s += (f" ep{p['ep']}" if p["ep"] > 1 else "") + f" dp{p['dp']} mb{p['microbatch']} z{p['zero']} {p['recompute']}"
    return s


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
             ("cost: cloud rental", f"{format_usd(b.cost_usd['cloud'])} ({b.price_source})"),
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
    for n in result.notes:
        print(f"note: {note_text(n)}")
