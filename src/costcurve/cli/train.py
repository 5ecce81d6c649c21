"""`costcurve train`: cost of a training run."""

from __future__ import annotations

import click

from .common import (calibration_option, catalog_option, check_plot_path, dropped_samples_note, finish, json_option, price_json,
                     monte_carlo_options, p50_cell, plot_option, price_options, sensitivity_table, table, note_text)


def _costs_from_options(**given):
    """CostAssumptions with the options given (text, checked by the library); None if none given."""
    import dataclasses

    from costcurve.costs import DEFAULT_ASSUMPTIONS

    changes = {k: v for k, v in given.items() if v is not None}
    return dataclasses.replace(DEFAULT_ASSUMPTIONS, **changes) if changes else None


@click.command()
@click.option("--model", help="Preset (e.g. llama3-8b), trained model (e.g. GPT-3 175B) or path to a config.json.")
@click.option("--params", help="Total parameters, e.g. 7B (with --tokens, uses 6·N·D).")
@click.option("--active-params", help="Active parameters per token (MoE), e.g. 37B.")
@click.option("--tokens", help="Training tokens, e.g. 15.6T.")
@click.option("--flop", "training_flop", help="Total training FLOP, e.g. 3.8e25 (overrides the count).")
@click.option("--gpu", default="h100", show_default=True, help="Accelerator name or alias (see `costcurve catalog gpus`).")
@click.option("--gpus", help="Number of accelerators (a whole number).")
@click.option("--days", help="Target wall-clock time in days (or with a unit: 12h, 30d); solves for the number of accelerators.")
@click.option("--mfu", help="Model FLOP utilisation in (0, 1]; default: the planner's best layout (architecture and "
              "one --gpus known), else the fitted MFU model.")
@click.option("--dtype", type=click.Choice(["fp32", "tf32", "bf16", "fp16", "fp8"]),
              help="Format of the peak FLOP/s; default: the chip's 16-bit format (bf16, fp16 on V100/T4).")
@click.option("--goodput", help="Useful fraction of wall-clock time (restarts, failures); default: the planner's "
              "failure model when the planner sets the MFU, else 1.")
@click.option("--recompute", type=click.Choice(["none", "selective", "full"]), default="none", show_default=True,
              help="Activation recomputation (adds hardware FLOP, not model FLOP).")
@click.option("--seq-len", help="Training sequence length in tokens (attention FLOP); default: the preset's.")
@price_options
@click.option("--chip-price", "chip_price_usd", help="Purchase price of one accelerator in USD (default: catalog).")
@click.option("--pue", help="Data-centre PUE (default in docs/cost-defaults.md).")
@click.option("--electricity-price", "electricity_usd_per_kwh", help="Electricity price in USD/kWh.")
@click.option("--grid-intensity", "grid_kg_co2_per_kwh", help="Grid carbon intensity in kg CO2/kWh.")
@click.option("--depreciation", "depreciation_per_year", help="Hardware depreciation rate per year (exponential).")
@click.option("--server-overhead", help="Cluster capex / accelerator capex.")
@calibration_option
@click.option("--uncertainty", is_flag=True, help="Monte Carlo with spread on the default MFU and price too.")
@monte_carlo_options
@plot_option("Write the cost distribution to FILE (.png, .svg or .pdf).")
@catalog_option
@json_option
def train(model, params, active_params, tokens, training_flop, gpu, gpus, days, mfu, dtype, goodput, recompute, seq_len,
          price_usd_per_gpu_hour, provider, price_kind, date, chip_price_usd, pue, electricity_usd_per_kwh,
          grid_kg_co2_per_kwh, depreciation_per_year, server_overhead, calibration, uncertainty, samples, seed, plot, catalog, as_json):
    """Estimate FLOP, time, GPU-hours, dollars (cloud, amortized, acquisition), energy and CO2 of training.

    Any number may be a range or distribution: LOW..HIGH (90% interval, lognormal), lognormal(p5,p95),
    normal(mu,sd), uniform(a,b), triangular(a,mode,b); the output then shows p50 (p5–p95).

    \b
    Examples:
      costcurve train --model llama3.1-405b --gpu h100 --gpus 16384
      costcurve train --model gpt3-175b --gpu v100 --gpus 1024 --mfu 0.2 --date 2020-06-01
      costcurve train --params 7B --tokens 2T --gpu a100 --days 30 --json
      costcurve train --model llama3-70b --tokens 15T --gpu h100 --gpus 4096 --mfu 0.3..0.5 --uncertainty
    """
    from costcurve.training import estimate_training

    check_plot_path(plot)
    est = estimate_training(
        model=model, params=params, active_params=active_params, tokens=tokens, training_flop=training_flop,
        gpu=gpu, gpus=gpus, days=days, mfu=mfu, dtype=dtype, goodput=goodput, recompute=recompute, seq_len=seq_len,
        price_usd_per_gpu_hour=price_usd_per_gpu_hour, provider=provider.lower() if provider else None,
        price_kind=price_kind, date=date, chip_price_usd=chip_price_usd, calibration=calibration,
        catalog=list(catalog) or None,
        assumptions=_costs_from_options(pue=pue, electricity_usd_per_kwh=electricity_usd_per_kwh,
                                        grid_kg_co2_per_kwh=grid_kg_co2_per_kwh,
                                        depreciation_per_year=depreciation_per_year, server_overhead=server_overhead),
        samples=samples, seed=seed, uncertainty=uncertainty,
    )
    import numpy as np

    cloud = hasattr(est, "n_samples") and bool(np.isfinite(est.cost_cloud_usd).all())
    finish(est, as_json=as_json, plot=plot, plot_field="cost_cloud_usd" if cloud else "cost_amortized_usd",
           plot_title=f"Training cost: {est.model or 'params/tokens'} on {est.gpu}",
           plot_xlabel=f"cost [USD, {'cloud rental' if cloud else 'amortized capex + energy'}]",
           render=render, render_uncertain=render_uncertain,
           json_extra=lambda: price_json(est, price_usd_per_gpu_hour, provider, price_kind, catalog))


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


def render(est) -> None:
    """Print a training estimate as tables."""
    import math

    from costcurve.units import format_count, format_number, format_si, format_usd

    name = est.model or "params/tokens"
    rows = [
        ("model", name),
        ("parameters (total / active)", f"{format_count(est.params_total)} / {format_count(est.params_active)}"
         + (" (warning: fewer than a million; see the note)" if est.params_total < 1e6 else "")),
        ("training tokens", format_count(est.tokens)),
        ("training FLOP", f"{est.training_flop:.3e} ({est.flop_method})"),
        ("accelerator", f"{format_number(est.gpus)} × {est.gpu} " + _assumed(est) + f"({'16-bit' if est.dtype in ('bf16', 'fp16') else est.dtype} dense peak {format_si(est.peak_flop_per_s, 'FLOP/s')})"),
        ("MFU", f"{est.mfu:.3f} ({est.mfu_source})" + (f", goodput {est.goodput:.2f}" if est.goodput != 1 else "")),
        ("wall clock", f"{format_number(est.wall_clock_days, 1)} days ({format_number(est.wall_clock_hours)} h)"),
        ("accelerator-hours", f"{format_number(est.gpu_hours)}"),
        ("cost: cloud rental", f"{format_usd(est.cost_cloud_usd)} at {format_usd(est.price_usd_per_gpu_hour)}/h ({est.price_source})"
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
    for n in est.notes:
        print(f"note: {note_text(n)}")


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
    table(f"Training estimate: {u.model or 'params/tokens'} on {u.gpu} — p50 (p5–p95), {u.n_samples:,} samples"
          + (f", seed {u.seed}" if u.seed is not None else ""), ["figure", "value"], rows)
    sensitivity_table(u, "the cloud cost")
    note = dropped_samples_note(u, ("cost_cloud_usd", "cost_amortized_usd", "wall_clock_s"))
    for n in ((note,) if note else ()) + tuple(u.notes):
        print(f"note: {note_text(n)}")
