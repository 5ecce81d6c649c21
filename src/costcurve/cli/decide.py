"""`costcurve budget | finetune | rent-vs-buy | wait`: decisions, each a thin wrapper of
:mod:`costcurve.decisions`."""

from __future__ import annotations

import click

from .common import (catalog_option, emit_json, json_option, monte_carlo_options, p50_cell, price_options, table,
                     note_text)

def _cell(res, name, f):
    return p50_cell(res, name, f) if hasattr(res, "n_samples") else f(getattr(res, name))


def _notes(res):
    for n in getattr(res, "notes", ()):
        print(f"note: {note_text(n)}")


_chain_options = [
    click.option("--mfu", help="Model FLOP utilisation in (0, 1]; default from the fitted MFU model."),
    click.option("--dtype", type=click.Choice(["fp32", "tf32", "bf16", "fp16", "fp8"]), default="bf16", show_default=True),
]


def chain_options(f):
    for d in reversed(_chain_options):
        f = d(f)
    return f


def run_options(f):
    """The options of a decision that prices a training run: --mfu, --dtype, the price options,
    --uncertainty, --samples/--seed, --catalog, --json."""
    uncertainty = click.option("--uncertainty", is_flag=True,
                               help="Monte Carlo with spread on the default MFU and price too.")
    for d in reversed((chain_options, price_options, uncertainty, monte_carlo_options, catalog_option, json_option)):
        f = d(f)
    return f


# ---- budget ---------------------------------------------------------------------------------------
@click.command()
@click.option("--usd", required=True, help="Budget in USD, e.g. 2M (a range LOW..HIGH too).")
@click.option("--gpu", default="h100", show_default=True, help="Accelerator name or alias.")
@click.option("--gpus", help="Number of accelerators (default as `train`).")
@click.option("--days", help="Target wall-clock days; solves for the number of accelerators.")
@click.option("--law", type=click.Choice(["epoch2024", "chinchilla"]), default="epoch2024", show_default=True,
              help="Scaling law: Besiroglu et al. 2024's refit (~20 tokens/parameter), or Hoffmann et al. 2022 "
                   "Approach 3 as published (the comparison).")
@click.option("--inference-tokens", help="Tokens the model will serve over its life, e.g. 10T.")
@click.option("--unique-tokens", help="Unique training tokens available, e.g. 5T (repeats allowed).")
@run_options
def budget(usd, gpu, gpus, days, law, inference_tokens, unique_tokens, mfu, dtype, price_usd_per_gpu_hour, provider,
           price_kind, date,
           uncertainty, samples, seed, catalog, as_json):
    """The compute-optimal model a budget buys: parameters, tokens, FLOP, predicted loss, days.

    \b
    Examples:
      costcurve budget --usd 2M --gpu h100 --gpus 256
      costcurve budget --usd 2M --gpus 256 --inference-tokens 20T --law epoch2024 --json
      costcurve budget --usd 200M --days 90 --unique-tokens 5T
    """
    from costcurve.decisions.budget import plan_budget

    res = plan_budget(usd=usd, gpu=gpu, gpus=gpus, days=days, law=law, inference_tokens=inference_tokens,
                unique_tokens=unique_tokens, mfu=mfu, dtype=dtype, price_usd_per_gpu_hour=price_usd_per_gpu_hour,
                provider=provider.lower() if provider else None, price_kind=price_kind, date=date,
                catalog=list(catalog) or None, samples=samples, seed=seed, uncertainty=uncertainty)
    if as_json:
        emit_json(res.to_dict())
        return
    from costcurve.units import format_count, format_usd

    rows = [("law", res.law), ("parameters", _cell(res, "params", format_count)),
            ("training tokens", _cell(res, "tokens", format_count)),
            ("tokens per parameter", _cell(res, "tokens_per_param", lambda x: f"{x:,.1f}")),
            ("training FLOP", _cell(res, "training_flop", lambda x: f"{x:.3e}")),
            ("predicted loss [nats/token]", _cell(res, "predicted_loss", lambda x: f"{x:.4f}")),
            ("training cost", _cell(res, "cost_usd", format_usd)),
            ("wall clock [days]", _cell(res, "wall_clock_days", lambda x: f"{x:,.1f}")),
            ("accelerators", _cell(res, "gpus", lambda x: f"{x:,.0f}") + f" × {res.gpu}")]
    if not hasattr(res, "n_samples"):
        rows += [(f"compute-optimal under {k}" + (" (this answer)" if k == res.law and res.inference_tokens is None
                                                  else ""),
                  f"{format_count(v['params'])} params, {format_count(v['tokens'])} tokens "
                  f"({v['tokens'] / v['params']:,.0f} tokens/param)") for k, v in res.law_comparison.items()]
    if res.inference_tokens is not None:
        rows += [("compute-optimal model, same budget", f"{_cell(res, 'chinchilla_params', format_count)} params, "
                                           f"{_cell(res, 'chinchilla_tokens', format_count)} tokens, loss "
                                           f"{_cell(res, 'chinchilla_loss', lambda x: f'{x:.4f}')}"),
                 ("inference FLOP", _cell(res, "inference_flop", lambda x: f"{x:.3e}")),
                 ("training + inference", _cell(res, "total_cost_usd", format_usd)),
                 ("saving vs compute-optimal", _cell(res, "saving_vs_chinchilla", format_usd))]
    if res.unique_tokens is not None:
        rows += [("epochs over the unique tokens", _cell(res, "epochs", lambda x: f"{x:,.2f}")),
                 ("loss with unlimited data", _cell(res, "unconstrained_loss", lambda x: f"{x:.4f}")),
                 ("budget where data becomes the limit", _cell(res, "usd_at_data_limit", format_usd))]
    table(f"Best model for {_cell(res, 'usd', format_usd)} on {res.gpu}", ["figure", "value"], rows)
    _notes(res)


# ---- finetune -------------------------------------------------------------------------------------
@click.command()
@click.option("--model", required=True, help="Preset, trained model or config.json.")
@click.option("--method", type=click.Choice(["full", "lora", "qlora"]), default="lora", show_default=True)
@click.option("--tokens", required=True, help="Fine-tuning tokens, e.g. 100M.")
@click.option("--rank", help="LoRA rank (default 8 for lora, 64 for qlora).")
@click.option("--target-modules", help="Comma list of q,k,v,o,gate,up,down or all (default q,v for lora; all for qlora).")
@click.option("--gpu", default="h100", show_default=True)
@click.option("--gpus", help="Number of accelerators (default: the smallest set it fits on).")
@click.option("--seq-len", help="Sequence length in tokens (default: the model's, at most 4096).")
@click.option("--micro-batch", default="1", show_default=True, help="Sequences per accelerator per step.")
@click.option("--checkpointing/--no-checkpointing", default=True, show_default=True, help="Activation checkpointing.")
@click.option("--paged-optimizer/--no-paged-optimizer", default=None, help="Paged optimizer state (default: on for qlora).")
@click.option("--compare-scratch", is_flag=True, help="Also price pre-training a model of the same size.")
@run_options
def finetune(model, method, tokens, rank, target_modules, gpu, gpus, seq_len, micro_batch, checkpointing, paged_optimizer,
             compare_scratch, mfu, dtype, price_usd_per_gpu_hour, provider, price_kind, date, uncertainty, samples, seed,
             catalog, as_json):
    """Memory per accelerator, smallest fitting set, FLOP, hours and dollars of fine-tuning.

    \b
    Examples:
      costcurve finetune --model llama-65b --method qlora --tokens 10M --gpu a6000 --seq-len 512
      costcurve finetune --model llama2-70b --method lora --rank 16 --target-modules q,k,v,o \\
          --tokens 31.5M --seq-len 8192 --gpu h100 --gpus 8 --compare-scratch --json
    """
    from costcurve.decisions.finetune import estimate_finetune

    res = estimate_finetune(model=model, method=method, tokens=tokens, rank=rank, target_modules=target_modules,
                gpu=gpu, gpus=gpus, seq_len=seq_len, micro_batch=micro_batch, checkpointing=checkpointing,
                paged_optimizer=paged_optimizer, compare_scratch=compare_scratch, mfu=mfu, dtype=dtype,
                price_usd_per_gpu_hour=price_usd_per_gpu_hour, provider=provider.lower() if provider else None,
                price_kind=price_kind, date=date, catalog=list(catalog) or None, samples=samples, seed=seed,
                uncertainty=uncertainty)
    if as_json:
        emit_json(res.to_dict())
        return
    from costcurve.units import format_count, format_usd

    gib = 2 ** 30
    mc = hasattr(res, "n_samples")
    table(f"Memory per accelerator: {res.model} {res.method} on {res.gpus:g} × {res.gpu} "
          f"({res.accelerator_memory_bytes / gib:,.0f} GiB)", ["part", "GiB"],
          [(k, f"{v / gib:,.2f}") for k, v in res.memory_per_gpu_bytes.items()], justify_right=(1,))
    rows = [("fits", "yes" if res.fits else "no"), ("smallest set it fits on", f"{res.min_gpus:g} × {res.gpu}"),
            ("trainable parameters", format_count(res.trainable_params)),
            ("training FLOP", _cell(res, "training_flop", lambda x: f"{x:.3e}")),
            ("MFU", _cell(res, "mfu", lambda x: f"{x:.3f}")),
            ("wall clock [h]", _cell(res, "wall_clock_hours", lambda x: f"{x:,.2f}")),
            ("cost (cloud)", _cell(res, "cost_usd", format_usd))]
    if res.scratch and not mc:
        s = res.scratch
        rows += [("pre-training from scratch", f"{format_usd(s['cost_usd'])} ({format_count(s['tokens'])} tokens, "
                                               f"{s['tokens_from']})"),
                 ("fine-tuning / scratch", f"{s['finetune_share']:.2e}")]
    table("Fine-tuning estimate", ["figure", "value"], rows)
    _notes(res)


# ---- rent-vs-buy ----------------------------------------------------------------------------------
@click.command("rent-vs-buy")
@click.option("--gpu", default="h100", show_default=True)
@click.option("--gpus", required=True, help="Number of accelerators.")
@click.option("--utilization", default="1", show_default=True, help="Busy share of the hours, (0, 1].")
@click.option("--years", default="5", show_default=True, help="Ownership period in years.")
@click.option("--price-kind", type=click.Choice(["on-demand", "spot", "1-year", "3-year"]), default="on-demand",
              show_default=True, help="Which rental price to compare with.")
@click.option("--provider", help="Rental prices from this provider only.")
@click.option("--price", "price_usd_per_gpu_hour", help="Rental price in USD per accelerator-hour (default: catalog).")
@click.option("--chip-price", "chip_price_usd", help="Purchase price of one accelerator in USD (default: catalog).")
@click.option("--discount-rate", default="0.07", show_default=True, help="Yearly discount rate (cost of capital).")
@click.option("--power-usd-per-kwh", help="Electricity price in USD/kWh (default: docs/cost-defaults.md).")
@click.option("--colocation-usd-per-kw-month", default="184.06", show_default=True,
              help="Colocation rent per kW of server power per month (CBRE H2 2024).")
@click.option("--resale", default="1", show_default=True, help="Share of the trend value recovered on sale, [0, 1].")
@click.option("--date", help="Purchase date (prices), YYYY-MM-DD (default: today).")
@click.option("--trend", "series", type=click.Choice(["gpu-price-performance", "gpu-cloud-price-performance"]),
              default="gpu-price-performance", show_default=True, help="Price-performance trend for resale and rents.")
@monte_carlo_options
@catalog_option
@json_option
def rent_vs_buy(gpu, gpus, utilization, years, price_kind, provider, price_usd_per_gpu_hour, chip_price_usd, discount_rate,
                power_usd_per_kwh, colocation_usd_per_kw_month, resale, date, series, samples, seed, catalog, as_json):
    """Own or rent: total cost, net present value, break-even utilization and payback.

    \b
    Examples:
      costcurve rent-vs-buy --gpu h100 --gpus 512 --utilization 0.7
      costcurve rent-vs-buy --gpu h100 --gpus 512 --utilization 0.5..0.9 --price-kind 3-year --json
    """
    from costcurve.decisions.rent_vs_buy import rent_vs_buy as decide

    res = decide(gpu=gpu, gpus=gpus, utilization=utilization, years=years, price_kind=price_kind,
                provider=provider.lower() if provider else None, price_usd_per_gpu_hour=price_usd_per_gpu_hour,
                chip_price_usd=chip_price_usd,
                discount_rate=discount_rate, power_usd_per_kwh=power_usd_per_kwh,
                colocation_usd_per_kw_month=colocation_usd_per_kw_month, resale=resale, date=date, series=series,
                samples=samples, seed=seed, catalog=list(catalog) or None)
    if as_json:
        emit_json(res.to_dict())
        return
    import numpy as np

    from costcurve.units import format_usd

    rows = [("own: total (capex + power + colocation − resale)", _cell(res, "own_usd", format_usd)),
            ("rent: total", _cell(res, "rent_usd", format_usd)),
            ("own: net present value", _cell(res, "npv_own_usd", format_usd)),
            ("rent: net present value", _cell(res, "npv_rent_usd", format_usd)),
            ("break-even utilization", _break_even_cell(res)),
            ("payback", _payback_cell(res))]
    years = float(np.nanmedian(np.asarray(res.assumptions["years"], dtype=float)))
    table(f"Rent or buy {res.gpu} over {years:g} years", ["figure", "value"], rows)
    _notes(res)


def _break_even_cell(res) -> str:
    """The library's wording (period and trend interval included); p50 (p5–p95) under a Monte Carlo."""
    from costcurve.decisions.rent_vs_buy import break_even_words

    if not hasattr(res, "n_samples"):
        return res.break_even_statement
    return break_even_words(res.break_even_utilization, res.assumptions["years"]) + "; across the samples: " + \
        _cell(res, "break_even_utilization", lambda x: f"{x:.0%}")


def _payback_cell(res) -> str:
    from costcurve.decisions.rent_vs_buy import payback_words

    if not hasattr(res, "n_samples"):
        return res.payback_statement
    return payback_words(res.payback_months, res.break_even_utilization, res.assumptions["years"])


# ---- wait ---------------------------------------------------------------------------------------------
@click.command()
@click.option("--flop", "training_flop", help="Training FLOP of the run, e.g. 3e25.")
@click.option("--model", help="Preset or trained model (with --tokens).")
@click.option("--params", help="Parameters (with --tokens; 6·N·D).")
@click.option("--tokens", help="Training tokens.")
@click.option("--gpu", default="h100", show_default=True)
@click.option("--gpus", required=True, help="Number of accelerators of the run started now.")
@click.option("--deadline", help="Finish by this date (then the start that minimises cost).")
@click.option("--usd", help="Fixed budget in USD: start once the run costs no more (earliest finish).")
@click.option("--trend", "series", type=click.Choice(["gpu-price-performance", "gpu-cloud-price-performance"]),
              default="gpu-price-performance", show_default=True, help="Price-performance trend of the price of a FLOP.")
@run_options
def wait(training_flop, model, params, tokens, gpu, gpus, deadline, usd, series, mfu, dtype, price_usd_per_gpu_hour, provider,
         price_kind, date, uncertainty, samples, seed, catalog, as_json):
    """Start now or wait for cheaper compute (Gottbrath et al. 1999, "slacking").

    \b
    Examples:
      costcurve wait --flop 3e25 --gpu h100 --gpus 2048
      costcurve wait --model llama3-70b --tokens 15T --gpus 1024 --deadline 2028-01-01 --json
      costcurve wait --flop 3e25 --gpus 2048 --usd 50M
    """
    from costcurve.decisions.wait import decide_wait

    res = decide_wait(training_flop=training_flop, model=model, params=params, tokens=tokens, gpu=gpu, gpus=gpus,
                deadline=deadline, usd=usd, series=series, mfu=mfu, dtype=dtype, price_usd_per_gpu_hour=price_usd_per_gpu_hour,
                provider=provider.lower() if provider else None, price_kind=price_kind, date=date,
                catalog=list(catalog) or None, samples=samples, seed=seed, uncertainty=uncertainty)
    if as_json:
        emit_json(res.to_dict())
        return
    from costcurve.units import format_usd

    d = res.to_dict()
    rows = [("annual price decline", f"{res.annual_price_decline:.0%} (90% CI {res.annual_price_decline_ci[0]:.0%}–"
                                     f"{res.annual_price_decline_ci[1]:.0%})"),
            ("best start", f"{d['best_start_date']} (trend interval {d['best_start_date_ci'][0]}..{d['best_start_date_ci'][1]})"),
            ("cost if started now", _cell(res, "cost_now_usd", format_usd)),
            ("cost at the best start", _cell(res, "cost_at_best_usd", format_usd)),
            ("finish if started now", d["finish_now_date"]), ("finish at the best start", d["finish_at_best_date"])]
    table(f"Start now or wait: {res.gpu}" + (f", finish by {res.deadline}" if res.deadline else ""),
          ["figure", "value"], rows)
    _notes(res)
