"""`costcurve lifecycle` and `costcurve posttrain`: a product's cost over its life, and RL post-training;
thin wrappers of :mod:`costcurve.decisions.lifecycle` and :mod:`costcurve.decisions.posttrain`."""

from __future__ import annotations

import click

from .common import catalog_option, emit_json, json_option, note_text, table

KINDS = click.Choice(["on-demand", "spot", "1-year", "3-year"])


@click.command()
@click.argument("scenario", required=False, type=click.Path(dir_okay=False))
@click.option("--model", help="Serving model: preset (e.g. llama3.1-70b) or config.json.")
@click.option("--gpu", help="Accelerator(s) to self-host on, comma list (default: every catalog one with a price).")
@click.option("--engine", type=click.Choice(["trtllm", "vllm", "sglang"]), help="Serving engine profile (default trtllm).")
@click.option("--queries-per-day", help="Demand now, e.g. 50M (a range LOW..HIGH too).")
@click.option("--growth", help="Demand factor per year: 1 flat, 3 = three times a year (a range too).")
@click.option("--peak-to-mean", help="Busiest hour over the mean hour (default 1: flat; a range too).")
@click.option("--hourly-weights", help="24 comma-separated relative demands, hour 0..23 (instead of --peak-to-mean).")
@click.option("--input-tokens", help="Prompt tokens per query (default 161, ShareGPT mean).")
@click.option("--output-tokens", help="Answer tokens per query (default 338, ShareGPT mean).")
@click.option("--reasoning-tokens", help="Thinking tokens per query, billed as output by APIs (default 0; a range too).")
@click.option("--ttft-p95", "ttft_p95_s", help="Largest p95 time to first token: seconds or ms (default: none).")
@click.option("--tpot-p95", "tpot_p95_s", help="Largest p95 time per output token: seconds or ms (default: none).")
@click.option("--years", help="Horizon in years (default 3).")
@click.option("--discount-rate", help="Per year (default 0.07).")
@click.option("--date", help="Start date and date of the prices, YYYY-MM-DD (default: today).")
@click.option("--options", help="Options to compare: api, rent, rent_committed, own (default: all).")
@click.option("--capability", help="API level BENCH>=X or a preset (default: the model's MMLU in the API table).")
@click.option("--api-price-decline", help="Annual fall of the API price, e.g. 0.3 (default: the level's trend).")
@click.option("--rent-price-kind", type=KINDS, help="Price of the rent option (default on-demand).")
@click.option("--rent-scaling", type=click.Choice(["hourly", "peak"]), help="Rented replicas per hour or at the month's peak (default hourly).")
@click.option("--committed-price-kind", type=KINDS, help="Price of rent_committed (default 3-year).")
@click.option("--chip-price", "chip_price_usd", help="Purchase price of one accelerator in USD (default: catalog).")
@click.option("--power-usd-per-kwh", help="Electricity price (default: docs/cost-defaults.md).")
@click.option("--colocation-usd-per-kw-month", help="Colocation per kW of IT power (default 184.06).")
@click.option("--resale", help="Share of the trend value recovered at the end, 0..1 (default 1).")
@click.option("--phase", type=click.Choice(["none", "finetune", "posttrain", "pretrain"]),
              help="Model phase before serving (default none; posttrain takes a [posttrain] table in the file).")
@click.option("--phase-tokens", help="Fine-tuning or pre-training tokens, e.g. 100M.")
@click.option("--finetune-method", type=click.Choice(["full", "lora", "qlora"]), help="Fine-tuning method (default lora).")
@click.option("--phase-gpu", help="Accelerator of the model phase (default h100).")
@click.option("--phase-gpus", help="Accelerators of the model phase.")
@click.option("--samples", help="Monte Carlo draws (default 2000).")
@click.option("--seed", help="Monte Carlo seed (default 0).")
@catalog_option
@json_option
def lifecycle(scenario, catalog, as_json, **options):
    """Cost per month of serving a product over its life by an API, rented or owned capacity; the
    cheapest path, its switch points, utilisation by hour and what drives the spread.

    Options override the SCENARIO file (TOML; see examples/*.toml).

    \b
    Examples:
      costcurve lifecycle examples/small-team.toml
      costcurve lifecycle --model llama3.1-70b --queries-per-day 50M --growth 3 --peak-to-mean 2.5 --years 3
      costcurve lifecycle examples/chatgpt-scale.toml --api-price-decline 0.3 --json
    """
    from costcurve.decisions.lifecycle import plan_lifecycle

    res = plan_lifecycle(scenario, catalog=list(catalog) or None, **options)
    if as_json:
        emit_json(res.to_dict())
        return
    render(res.to_dict())


def render(d: dict) -> None:
    from costcurve.units import format_usd

    a = d["assumptions"]
    mc = d["sensitivity"]["npv_usd"]
    rows = []
    for k, o in d["options"].items():
        s = mc.get(k) or {}
        rows.append([k, o["label"], format_usd(o["npv_usd"]), f"{format_usd(s.get('p5', float('nan')))}–"
                     f"{format_usd(s.get('p95', float('nan')))}", format_usd(o["monthly_usd"][0]),
                     format_usd(o["monthly_usd"][-1])])
    table(f"{a['model']}: {a['queries_per_day']:,.3g} queries/day, ×{a['growth_per_year']:g}/yr, peak/mean "
          f"{a['peak_to_mean']:.2g}, {a['years']:g} years at {a['discount_rate']:.0%}",
          ["option", "what", "NPV", "NPV p5–p95", "month 1", f"month {a['months']}"], rows, justify_right=(2, 3, 4, 5))
    print(f"cheapest: {d['cheapest']} (NPV {format_usd(d['cheapest_npv_usd'])})")
    for s in d["switch_points"]:
        print(f"  switch in month {s['month']} ({s['date']}): {s['description']}")
    for month, row in d["utilization_by_hour"].items():
        for k, u in row.items():
            print(f"utilisation {month.replace('_', ' ')} {k}: mean {sum(u) / 24:.0%}, lowest {min(u):.0%}, "
                  f"highest {max(u):.0%}")
    for k, drivers in d["sensitivity"]["drivers"].items():
        top = [f"{x['input']} {x['share']:.0%}" for x in drivers if x["share"] >= 0.05][:3]
        if top:
            print(f"spread of {k}: {', '.join(top)}")
    for n in d["notes"]:
        print(f"note: {note_text(n)}")


@click.command()
@click.option("--method", type=click.Choice(["grpo", "ppo", "dpo"]), default="grpo", show_default=True)
@click.option("--model", required=True, help="Policy model: preset or config.json.")
@click.option("--prompts", default="512", show_default=True, help="Prompts per step.")
@click.option("--samples-per-prompt", help="Samples per prompt (default: GRPO 8, PPO 1, DPO 2).")
@click.option("--prompt-tokens", default="512", show_default=True, help="Prompt tokens per sample.")
@click.option("--output-tokens", default="1024", show_default=True,
              help="Generated tokens per sample: a mean (log-normal spread) or a distribution, e.g. 2000..16000.")
@click.option("--max-output-tokens", help="Response cap (default: the context left after the prompt).")
@click.option("--steps", default="1000", show_default=True, help="Policy updates.")
@click.option("--gpu", default="h100", show_default=True)
@click.option("--gpus", default="8", show_default=True, help="All accelerators of the run.")
@click.option("--pools", type=click.Choice(["colocated", "split"]), default="colocated", show_default=True,
              help="One pool that alternates, or separate generator and trainer pools.")
@click.option("--generator-gpus", help="Split pools: accelerators that generate (default half).")
@click.option("--overlap", is_flag=True, help="Split pools: generate the next batch while training (one step off-policy).")
@click.option("--reference-model", default="policy", show_default=True, help="Reference for the KL term: policy, a preset, or none.")
@click.option("--reward-model", help="Reward model preset (default: none, verifiable rewards).")
@click.option("--critic-model", default="policy", show_default=True, help="PPO value model: policy, a preset, or none.")
@click.option("--ppo-epochs", default="1", show_default=True, help="Updates per batch of samples.")
@click.option("--engine", type=click.Choice(["trtllm", "vllm", "sglang"]), default="vllm", show_default=True)
@click.option("--generator-dtype", type=click.Choice(["bf16", "fp8"]), default="bf16", show_default=True,
              help="Generator weights and KV cache.")
@click.option("--generator-scheduling", type=click.Choice(["single-step", "multi-step"]), default="single-step",
              show_default=True, help="vLLM in-process (RL frameworks: CPU time every step) or as benchmarked.")
@click.option("--mfu", help="Training MFU (default: the fitted MFU model; a range LOW..HIGH too).")
@click.option("--price", "price_usd_per_gpu_hour", help="USD per accelerator-hour (default: catalog; a range too).")
@click.option("--samples", help="Monte Carlo draws when --mfu or --price is a range (default 10000).")
@click.option("--seed", default="0", show_default=True, help="Seed of the sampled lengths and of the Monte Carlo.")
@click.option("--price-kind", type=KINDS, default="on-demand", show_default=True)
@click.option("--provider", help="Take catalog prices from this provider only.")
@click.option("--date", help="Date of the prices.")
@catalog_option
@json_option
def posttrain(catalog, as_json, provider, **kw):
    """Cost of RL post-training: rollout generation (serving model, refilled batches, long tails),
    reference/reward/critic passes, the policy update, weight sync; colocated or split pools.

    \b
    Examples:
      costcurve posttrain --method grpo --model qwen2.5-1.5b --prompts 128 --samples-per-prompt 8 \\
          --output-tokens 4500 --max-output-tokens 8192 --steps 1040 --gpu a100 --gpus 8
      costcurve posttrain --method ppo --model llama3.1-8b --reward-model llama3.1-8b --gpus 16 --pools split --json
    """
    from costcurve.decisions.posttrain import estimate_posttrain

    res = estimate_posttrain(provider=provider.lower() if provider else None, catalog=list(catalog) or None, **kw)
    d = res.to_dict()
    if as_json:
        emit_json(d)
        return
    from costcurve.units import format_usd

    table(f"{d['method'].upper()} on {d['model']}: {d['steps']:,} steps × {d['prompts']:,} prompts × "
          f"{d['samples_per_prompt']} samples, {d['gpus']} × {d['gpu']} ({d['pools']})",
          ["part", "share", "accelerator-hours", "seconds per step"],
          [[p, f"{d['shares'][p]:.1%}", f"{d['parts_gpu_hours'][p]:,.0f}", f"{d['step_s'].get(p, 0):,.1f}"]
           for p in d["shares"] if d["parts_gpu_hours"][p] > 0], justify_right=(1, 2, 3))
    print(f"total: {d['gpu_hours']:,.0f} accelerator-hours, {d['wall_clock_days']:,.2f} days, {format_usd(d['cost_usd'])} "
          f"at {format_usd(d['price_usd_per_gpu_hour'])}/h")
    u = d.get("uncertainty")
    if u:
        print(f"p5–p50–p95 over {u['samples']:,} draws: {u['gpu_hours']['p5']:,.0f}–{u['gpu_hours']['p50']:,.0f}–"
              f"{u['gpu_hours']['p95']:,.0f} accelerator-hours, {format_usd(u['cost_usd']['p5'])}–"
              f"{format_usd(u['cost_usd']['p50'])}–{format_usd(u['cost_usd']['p95'])}")
    g = d["generation"]
    if g:
        print(f"generation: {g['replicas']} replicas × TP{g['tp']}{' × PP' + str(g['pp']) if g['pp'] > 1 else ''} "
              f"({g['dtype']}), batch cap {g['batch_cap']}, mean running batch "
              f"{g['mean_running_batch']:,.0f} ({g['batch_fill']:.0%} full: the long tail drains the batch)")
    for n in d["notes"]:
        print(f"note: {note_text(n)}")
