"""`costcurve lifecycle` and `costcurve posttrain`: a product's cost over its life, and RL post-training;
thin wrappers of :mod:`costcurve.decisions.lifecycle` and :mod:`costcurve.decisions.posttrain`."""

from __future__ import annotations

from costcurve.commands import get

from .build import click_command
from .common import emit_json, notes, para, table


def show_lifecycle(result, *, as_json: bool = False) -> None:
    """Print a lifecycle Outcome: JSON, or the options' NPVs, switch points, utilisation and drivers."""
    if as_json:
        emit_json(result.data)
        return
    render(result.data)


lifecycle = click_command(get("lifecycle"))


def render(d: dict) -> None:
    from costcurve.units import format_count, format_usd

    a = d["assumptions"]
    mc = d["sensitivity"]["npv_usd"]
    rows = []
    for k, o in d["options"].items():
        s = mc.get(k) or {}
        rows.append([k, o["label"], format_usd(o["npv_usd"]), f"{format_usd(s.get('p5', float('nan')))}–"
                     f"{format_usd(s.get('p95', float('nan')))}", format_usd(o["monthly_usd"][0]),
                     format_usd(o["monthly_usd"][-1])])
    table(f"{a['model']}: {format_count(a['queries_per_day'])} queries/day, ×{a['growth_per_year']:.3g}/yr, peak/mean "
          f"{a['peak_to_mean']:.2g}, {a['years']:g} years at {a['discount_rate']:.0%}",
          ["option", "what", "NPV", "NPV p5–p95", "month 1", f"month {a['months']}"], rows, justify_right=(2, 3, 4, 5))
    para(f"cheapest: {d['cheapest']} (NPV {format_usd(d['cheapest_npv_usd'])})")
    if any(o["monthly_usd"][-1] < 0 for o in d["options"].values()):
        para(f"month {a['months']} of owning is a credit: the fleet's resale value, less that month's costs")
    for s in d["switch_points"]:
        para(f"  switch in month {s['month']} ({s['date']}): {s['description']}")
    for month, row in d["utilization_by_hour"].items():
        for k, u in row.items():
            para(f"utilisation {month.replace('_', ' ')} {k}: mean {sum(u) / 24:.0%}, lowest {min(u):.0%}, "
                  f"highest {max(u):.0%}")
    for k, drivers in d["sensitivity"]["drivers"].items():
        top = [f"{x['input']} {x['share']:.0%}" for x in drivers if x["share"] >= 0.05][:3]
        if top:
            para(f"spread of {k}: {', '.join(top)}")
    notes(d["notes"])


def show_posttrain(result, *, as_json: bool = False) -> None:
    """Print a posttrain Outcome: JSON, or the cost by part."""
    d = result.data
    if as_json:
        emit_json(d)
        return
    from costcurve.units import format_usd

    table(f"{d['method'].upper()} on {d['model']}: {d['steps']:,} steps × {d['prompts']:,} prompts × "
          f"{d['samples_per_prompt']} samples, {d['gpus']} × {d['gpu']} ({d['pools']})",
          ["part", "share", "accelerator-hours", "seconds per step"],
          [[p, f"{d['shares'][p]:.1%}", f"{d['parts_gpu_hours'][p]:,.0f}", f"{d['step_s'].get(p, 0):,.1f}"]
           for p in d["shares"] if d["parts_gpu_hours"][p] > 0], justify_right=(1, 2, 3))
    para(f"total: {d['gpu_hours']:,.0f} accelerator-hours, {d['wall_clock_days']:,.2f} days, {format_usd(d['cost_usd'])} "
          f"at {format_usd(d['price_usd_per_gpu_hour'])}/h")
    u = d.get("uncertainty")
    if u:
        para(f"p5–p50–p95 over {u['samples']:,} draws: {u['gpu_hours']['p5']:,.0f}–{u['gpu_hours']['p50']:,.0f}–"
              f"{u['gpu_hours']['p95']:,.0f} accelerator-hours, {format_usd(u['cost_usd']['p5'])}–"
              f"{format_usd(u['cost_usd']['p50'])}–{format_usd(u['cost_usd']['p95'])}")
    g = d["generation"]
    if g:
        para(f"generation: {g['replicas']} replicas × TP{g['tp']}{' × PP' + str(g['pp']) if g['pp'] > 1 else ''} "
              f"({g['dtype']}), batch cap {g['batch_cap']}, mean running batch "
              f"{g['mean_running_batch']:,.0f} ({g['batch_fill']:.0%} full: the long tail drains the batch)")
    notes(d["notes"])


posttrain = click_command(get("posttrain"))
