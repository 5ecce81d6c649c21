"""`costcurve budget | finetune | rent-vs-buy | wait`: the terminal renderers of the decisions
(definitions in :mod:`costcurve.commands.decide`)."""

from __future__ import annotations

from costcurve.commands import get

from .build import click_command
from .common import emit_json, notes, p50_cell, table


def _cell(res, name, f):
    return p50_cell(res, name, f) if hasattr(res, "n_samples") else f(getattr(res, name))


def _notes(res):
    notes(getattr(res, "notes", ()))


# ---- budget ----------------------------------------------------------------------------------------
def show_budget(result, *, as_json: bool = False) -> None:
    res = result.value
    if as_json:
        emit_json(result.data)
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


budget = click_command(get("budget"))


# ---- finetune --------------------------------------------------------------------------------------
def show_finetune(result, *, as_json: bool = False) -> None:
    res = result.value
    if as_json:
        emit_json(result.data)
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


finetune = click_command(get("finetune"))


# ---- rent-vs-buy -----------------------------------------------------------------------------------
def show_rent_vs_buy(result, *, as_json: bool = False) -> None:
    res = result.value
    if as_json:
        emit_json(result.data)
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


rent_vs_buy = click_command(get("rent-vs-buy"))


# ---- wait ------------------------------------------------------------------------------------------
def show_wait(result, *, as_json: bool = False) -> None:
    res = result.value
    if as_json:
        emit_json(result.data)
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


wait = click_command(get("wait"))
