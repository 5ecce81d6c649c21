"""Report sections of the decisions: fine-tune (memory against capacity, fewest accelerators), rent or buy
(own against rent, break-even utilization, payback) and buy now or wait (best start date, cost now and
then), each from its command's ``--json`` dict."""

from __future__ import annotations

from . import html as H
from . import svg
from .generic import _breakdown_chart
from .sections_plan import P, W, _answer, _finish, _memory_chart, _per_h, _price_row
from .common import sources_table


# ---- finetune ---------------------------------------------------------------------------------------
def finetune_sections(d: dict, *, values=None, command=None, full: bool = True) -> list[H.Section]:
    mem = d.get("memory_per_gpu_bytes") or {}
    cap = d.get("accelerator_memory_bytes")
    method = str(d.get("method") or "fine-tuning")
    how = {"lora": "LoRA fine-tuning", "qlora": "QLoRA fine-tuning", "full": "Full fine-tuning"}.get(method, method)
    fit = (f"fits in {H.gib(P(cap))} with {H.gib(P(mem.get('total')))} per accelerator"
           if d.get("fits") else f"does NOT fit: it needs {H.gib(P(mem.get('total')))} of {H.gib(P(cap))}")
    text = (f"{how} of {d.get('model')} ({H.count(P(d.get('trainable_params')))} trainable of "
            f"{H.count(P(d.get('params')))} parameters) on {H.count(P(d.get('tokens')))} tokens {fit} on "
            f"{H.num(P(d.get('gpus')))} × {d.get('gpu')} (at least {H.num(P(d.get('min_gpus')))} needed), and "
            + ("takes" if d.get("fits") else "would take")
            + f" {H.duration(3600 * P(d.get('wall_clock_hours')))} and {W(d.get('cost_usd'), H.usd)}.")
    figs = [H.figure("cost_usd", d.get("cost_usd"), H.usd, "cost",
                     f"accelerator-hours × {W(d.get('price_usd_per_gpu_hour'), _per_h)}"),
            H.figure("wall_clock_hours", d.get("wall_clock_hours"), lambda v: H.duration(3600 * v), "wall-clock time",
                     f"training FLOP ÷ (accelerators × peak × MFU {P(d.get('mfu')):.3f})"),
            H.figure("memory_per_gpu_bytes.total", mem.get("total"), H.gib, "memory per accelerator",
                     f"of {H.gib(P(cap))}; " + ("fits" if d.get("fits") else "does not fit")),
            H.figure("min_gpus", d.get("min_gpus"), H.num, "fewest accelerators", "the smallest set that fits"),
            H.figure("trainable_params", d.get("trainable_params"), H.count, "trainable parameters",
                     f"of {H.count(P(d.get('params')))} in the model"),
            H.figure("training_flop", d.get("training_flop"), H.flop, "training FLOP",
                     "frozen matrices forward + input gradients, adapters forward + backward")]
    scratch = d.get("scratch")
    if isinstance(scratch, dict) and P(scratch.get("cost_usd")) is not None:
        figs.append(H.figure("scratch.cost_usd", scratch.get("cost_usd"), H.usd, "training from scratch",
                             "the same model pretrained, for comparison"))
    secs = [_answer(text, *figs)]
    out = _memory_chart(mem, cap, f"Memory per accelerator for {how}")
    fb = [(k, P(v)) for k, v in (d.get("flop_breakdown") or {}).items() if P(v)]
    out += H.chart(svg.hbars(fb, fmt=H.flop, xlabel="training FLOP", title="FLOP by part"),
                   f"Where the {H.flop(P(d.get('training_flop')))} go; the parts sum to the total.")
    secs.append(H.Section("breakdown", "Breakdowns: memory, FLOP", out))
    return _finish("finetune", d, secs, values=values, command=command, full=full,
                   spread=[("cost_usd", "cost", H.usd), ("wall_clock_hours", "hours", H.num)], target="the cost",
                   assumptions="<h3>Assumptions and sources</h3>" + sources_table([_price_row(d)]))


_TREND_LABELS = {"npv_own_usd": "own, present value", "npv_rent_usd": "rent, present value",
                 "break_even_utilization": "break-even utilization"}


def _be_pct(v) -> str:
    """A break-even share: above 100% it is never reached."""
    return "never (over 100%)" if v is None or v > 1 else H.pct(v, 0)


# ---- rent-vs-buy ------------------------------------------------------------------------------------
def rent_vs_buy_sections(d: dict, *, values=None, command=None, full: bool = True) -> list[H.Section]:
    a = d.get("assumptions") or {}
    years = a.get("years")
    own, rent = P(d.get("own_usd")), P(d.get("rent_usd"))
    be = P(d.get("break_even_utilization"))
    payback = P(d.get("payback_months"))
    util = P(a.get("utilization"))
    cheaper = d.get("cheaper") or ("own" if own < rent else "rent")
    from costcurve.decisions.rent_vs_buy import break_even_words, payback_words

    be_txt = d.get("break_even_statement") or break_even_words(be if be is not None else float("nan"), P(years))
    pb_txt = d.get("payback_statement") or payback_words(payback if payback else float("nan"),
                                                         be if be is not None else float("nan"), P(years))
    text = (f"At {H.pct(util, 0)} utilization over {H.num(years)} years, {'renting' if cheaper == 'rent' else 'owning'} "
            f"{H.num(P(d.get('gpus')))} × {d.get('gpu')} is cheaper: own {W(d.get('own_usd'), H.usd)}, rent "
            f"{W(d.get('rent_usd'), H.usd)} (net present value {H.usd(P(d.get('npv_own_usd')))} against "
            f"{H.usd(P(d.get('npv_rent_usd')))}); {be_txt}. Payback: {pb_txt}.")
    ti = d.get("trend_interval") or {}  # [low, high]; each a median when an input is a range
    bi = ti.get("break_even_utilization")
    figs = [H.figure("own_usd", d.get("own_usd"), H.usd, "own",
                     f"buy, power and host the cluster for {H.num(years)} years, less its resale value"),
            H.figure("rent_usd", d.get("rent_usd"), H.usd, "rent",
                     f"the same accelerator-hours at {_per_h(P(a.get('usd_per_gpu_hour')) or 0)} ({a.get('price_kind')}), "
                     "falling with the trend"),
            H.figure("npv_own_usd", d.get("npv_own_usd"), H.usd, "own, present value",
                     f"discounted at {H.pct(a.get('discount_rate'), 0)} a year"),
            H.figure("npv_rent_usd", d.get("npv_rent_usd"), H.usd, "rent, present value",
                     f"discounted at {H.pct(a.get('discount_rate'), 0)} a year"),
            H.figure("break_even_utilization", d.get("break_even_utilization"),
                     lambda v: "never (over 100%)" if v is None or v > 1 else H.pct(v, 0),
                     "break-even utilization", be_txt),
            H.figure("payback_months", d.get("payback_months"),
                     lambda v: f"not within {H.num(years)} years" if v is None else f"{v:.0f} months", "payback", pb_txt)]
    secs = [_answer(text, *figs)]
    out = _breakdown_chart("own_breakdown_usd", {k: v for k, v in (d.get("own_breakdown_usd") or {}).items()
                                                 if P(v) is not None}, H.usd)
    out += H.chart(svg.hbars([("own", own), ("rent", rent)], fmt=H.usd, xlabel=f"USD over {H.num(years)} years",
                             title="Own against rent"), "Total cost of each choice (undiscounted).")
    if ti:
        out += "<h3>Range from the price-performance trend (90%)</h3>" + H.table(
            ["figure", "low", "high"],
            [(_TREND_LABELS.get(k, k.replace("_", " ")), *(_be_pct(P(x)) if "utilization" in k else H.usd(P(x)) for x in v))
             for k, v in ti.items() if isinstance(v, list) and len(v) == 2])
    secs.append(H.Section("breakdown", "Breakdowns: the cost of owning", out))
    rows = [("accelerator price", H.usd(a.get("chip_price_usd")), "bundled accelerators table"),
            ("rental price", _per_h(a["usd_per_gpu_hour"]) if a.get("usd_per_gpu_hour") else "", a.get("price_source") or ""),
            ("electricity", f"${a.get('power_usd_per_kwh')}/kWh", ""),
            ("colocation", f"${a.get('colocation_usd_per_kw_month')}/kW-month", "")]
    return _finish("rent-vs-buy", d, secs, values=values, command=command, full=full,
                   spread=[("own_usd", "own", H.usd), ("rent_usd", "rent", H.usd)], target="own − rent",
                   assumptions="<h3>Assumptions and sources</h3>" + sources_table(rows))


# ---- wait -------------------------------------------------------------------------------------------
def wait_sections(d: dict, *, values=None, command=None, full: bool = True) -> list[H.Section]:
    now, best = P(d.get("cost_now_usd")), P(d.get("cost_at_best_usd"))
    wait = P(d.get("wait_years")) or 0.0
    decline = P(d.get("annual_price_decline"))
    if wait <= 0:
        text = (f"Start now ({d.get('best_start_date')}): the run of {H.flop(P(d.get('training_flop')))} on "
                f"{H.num(P(d.get('gpus')))} × {d.get('gpu')} costs {H.usd(now)} and finishes {d.get('finish_now_date')} "
                f"({H.days(P(d.get('duration_now_days')))}); waiting for cheaper compute (−{H.pct(decline, 0)} a year) "
                "would finish later.")
    else:
        text = (f"Start on {d.get('best_start_date')} ({wait:.1f} years from now): the run of "
                f"{H.flop(P(d.get('training_flop')))} then costs {H.usd(best)} instead of {H.usd(now)} today and "
                f"finishes {d.get('finish_at_best_date')} instead of {d.get('finish_now_date')}.")
    ci = d.get("cost_at_best_usd_ci")
    dci = d.get("best_start_date_ci")
    figs = [H.figure("best_start_date", d.get("best_start_date"), str, "best start date",
                     f"90%: {dci[0]} – {dci[1]}" if isinstance(dci, list) else "earliest finish"),
            H.figure("cost_now_usd", d.get("cost_now_usd"), H.usd, "cost if started now",
                     f"{H.num(P(d.get('gpus')))} accelerators × {H.days(P(d.get('duration_now_days')))} × "
                     f"{_per_h(P(d.get('price_usd_per_gpu_hour')) or 0)}"),
            H.figure("cost_at_best_usd", d.get("cost_at_best_usd"), H.usd, "cost at the best start",
                     f"90%: {H.usd(P(ci[0]))} – {H.usd(P(ci[1]))}" if isinstance(ci, list)
                     else "the same run started at the best date"),
            H.figure("duration_now_days", d.get("duration_now_days"), H.days, "run length now",
                     f"finishes {d.get('finish_now_date')}"),
            H.figure("duration_at_best_days", d.get("duration_at_best_days"), H.days, "run length at the best start",
                     f"finishes {d.get('finish_at_best_date')}"),
            H.figure("annual_price_decline", d.get("annual_price_decline"), lambda v: H.pct(v, 0),
                     "price decline a year", "of a FLOP, along the price-performance trend")]
    secs = [_answer(text, *figs)]
    out = H.chart(svg.hbars([("start now", now), (f"start {d.get('best_start_date')}", best)], fmt=H.usd,
                            xlabel="cost of the run [USD]", title="Cost now and then"),
                  "The same run started today and at the best start date" + (
                      " (today is best: the bars are equal)." if wait <= 0 else "."))
    out += H.chart(svg.hbars([("start now", P(d.get("duration_now_days"))),
                              (f"start {d.get('best_start_date')}", P(d.get("duration_at_best_days")))],
                             fmt=H.days, xlabel="run length [days]", title="Run length"),
                   "Run length at each start: a later start buys more FLOP per dollar at the same spending rate.")
    secs.append(H.Section("breakdown", "Breakdowns: cost and time", out))
    tr = d.get("trend") or {}
    rows = [_price_row(d), ("price-performance trend", f"−{H.pct(decline, 0)} a year",
                            f"series {tr.get('series')}, {tr.get('n_points')} points (costcurve trend)")]
    return _finish("wait", d, secs, values=values, command=command, full=full, cost=now,
                   assumptions="<h3>Assumptions and sources</h3>" + sources_table(rows))
