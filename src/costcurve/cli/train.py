"""`costcurve train`: cost of a training run."""

from __future__ import annotations

from costcurve.commands import get

from .build import click_command
from .common import dropped_samples_note, finish, notes, p50_cell, price_source, sensitivity_table, table


def show(result, *, as_json: bool = False, plot=None) -> None:
    """Print a train Outcome: JSON, or tables (and the cost distribution plot if asked)."""
    import numpy as np

    est = result.value
    cloud = hasattr(est, "n_samples") and bool(np.isfinite(est.cost_cloud_usd).all())
    finish(est, as_json=as_json, plot=plot, plot_field="cost_cloud_usd" if cloud else "cost_amortized_usd",
           plot_title=f"Training cost: {model_label(est)} on {est.gpu}",
           plot_xlabel=f"cost [USD, {'cloud rental' if cloud else 'amortized capex + energy'}]",
           render=render, render_uncertain=render_uncertain, data=result.data)


train = click_command(get("train"))


def _missing(est) -> str:
    """Why the amortized cost is unknown: the chip price, the TDP, or both."""
    import math

    gaps = []
    if not math.isfinite(est.chip_price_usd):
        gaps.append("no purchase price (give --chip-price)")
    if not math.isfinite(est.energy_kwh):
        gaps.append("no TDP (power)")
    return f"{' and '.join(gaps)} for {est.gpu} in the catalog"


def _assumed(est) -> str:
    """``(ASSUMED: --gpus not given; ...) `` where the count is a default, so it shows where the answer is."""
    if getattr(est, "gpus_source", "given") != "assumed":
        return ""
    return "(ASSUMED: --gpus not given; give --gpus or --days) "


def model_label(est) -> str:
    """The model's name, or for a model given by its size "a 70B-parameter model" (MoE: "… (37B active)")."""
    import numpy as np

    from costcurve.units import format_count

    if est.model:
        return est.model
    if est.params_total is None:
        return "a run given by its FLOP"
    total, active = np.asarray(est.params_total), np.asarray(est.params_active)
    if total.ndim or not np.isfinite(total):
        return "a model given by its size"
    moe = f" ({format_count(float(active))} active)" if float(active) < float(total) else ""
    return f"a {format_count(float(total))}-parameter model{moe}"


def _params_cell(est) -> str:
    from costcurve.units import format_count

    if est.params_total is None:
        return "not given (the run is given by its FLOP)"
    return (f"{format_count(est.params_total)} / {format_count(est.params_active)}"
            + (" (warning: fewer than a million; see the note)" if est.params_total < 1e6 else ""))


def render(est) -> None:
    """Print a training estimate as tables."""
    import math

    from costcurve.units import format_count, format_number, format_si, format_usd

    name = model_label(est)
    rows = [
        ("model", name),
        ("parameters (total / active)", _params_cell(est)),
        ("training tokens", "not given (the run is given by its FLOP)" if est.tokens is None else format_count(est.tokens)),
        ("training FLOP", f"{est.training_flop:.3e} ({est.flop_method})"),
        ("accelerator", f"{format_number(est.gpus)} × {est.gpu} " + _assumed(est) + f"({'16-bit' if est.dtype in ('bf16', 'fp16') else est.dtype} dense peak {format_si(est.peak_flop_per_s, 'FLOP/s')})"),
        ("MFU", f"{est.mfu:.3f} ({est.mfu_source})" + (f", goodput {est.goodput:.2f}" if est.goodput != 1 else "")),
        ("wall clock", f"{format_number(est.wall_clock_days, 1)} days ({format_number(est.wall_clock_hours)} h)"),
        ("accelerator-hours", f"{format_number(est.gpu_hours)}"),
        ("cost: cloud rental", f"{format_usd(est.cost_cloud_usd)} at {format_usd(est.price_usd_per_gpu_hour)}/h ({price_source(est.price_source)})"
         if math.isfinite(est.price_usd_per_gpu_hour) else f"unknown: {est.price_source}"),
        ("cost: amortized capex + energy", format_usd(est.cost_amortized_usd) if math.isfinite(est.cost_amortized_usd)
         else f"unknown: {_missing(est)}"),
        ("cost: cluster acquisition", format_usd(est.cost_acquisition_usd) if math.isfinite(est.cost_acquisition_usd)
         else f"unknown: no purchase price for {est.gpu} in the catalog; give --chip-price"),
        ("energy", f"{format_number(est.energy_kwh)} kWh ({format_usd(est.cost_energy_usd)}), {format_number(est.co2_kg / 1000, 1)} t CO2"
         if math.isfinite(est.energy_kwh) else f"unknown: no TDP (power) for {est.gpu} in the catalog"),
    ]
    table(f"Training estimate: {name} on {est.gpu}", ["figure", "value"], rows)
    if est.flop_breakdown:
        total = est.training_flop
        table("Training FLOP by part", ["part", "FLOP", "share"],
              [(k, f"{v:.3e}", f"{v / total:.1%}") for k, v in est.flop_breakdown.items() if v],
              justify_right=(1, 2))
    notes(est.notes)


def render_uncertain(u) -> None:
    """Print a Monte Carlo estimate: p50 (p5–p95) of each figure that varies, and the sensitivity."""
    from costcurve.units import format_count, format_number, format_usd

    def fmt(name, f):
        return p50_cell(u, name, f)

    def num(x):
        return f"{x:,.3g}"

    rows = [
        ("training FLOP", fmt("training_flop", lambda x: f"{x:.3e}")),
        ("accelerators", fmt("gpus", lambda x: f"{format_number(x)}") + f" × {u.gpu} " + _assumed(u).strip()),
        ("MFU", fmt("mfu", lambda x: f"{x:.3f}") + f" ({u.mfu_source})"),
        ("tokens", fmt("tokens", format_count)),
        ("wall clock [days]", fmt("wall_clock_s", lambda x: f"{format_number(x / 86400, 1)}")),
        ("accelerator-hours", fmt("gpu_hours", lambda x: f"{format_number(x)}")),
        ("price [USD/h]", fmt("price_usd_per_gpu_hour", lambda x: f"{x:.2f}")),
        ("cost: cloud rental", fmt("cost_cloud_usd", format_usd)),
        ("cost: amortized capex + energy", fmt("cost_amortized_usd", format_usd)),
        ("cost: cluster acquisition", fmt("cost_acquisition_usd", format_usd)),
        ("energy [kWh]", fmt("energy_kwh", num)),
        ("CO2 [t]", fmt("co2_kg", lambda x: f"{x / 1000:,.3g}")),
    ]
    table(f"Training estimate: {model_label(u)} on {u.gpu} — p50 (p5–p95), {u.n_samples:,} samples"
          + (f", seed {u.seed}" if u.seed is not None else ""), ["figure", "value"], rows)
    sensitivity_table(u, "the cloud cost")
    note = dropped_samples_note(u, ("cost_cloud_usd", "cost_amortized_usd", "wall_clock_s"))
    notes(((note,) if note else ()) + tuple(u.notes))
