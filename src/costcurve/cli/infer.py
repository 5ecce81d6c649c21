"""`costcurve infer`: cost of serving a model (memory, latency, tokens/s, dollars)."""

from __future__ import annotations

import click

from .common import (calibration_option, catalog_option, check_plot_path, dropped_samples_note, finish, json_option, price_json,
                     monte_carlo_options, p50_cell, plot_option, price_options, sensitivity_table, table, note_text)

DTYPES = ["bf16", "fp16", "fp8", "int8", "int4"]


@click.command()
@click.option("--model", required=True, help="Preset (e.g. llama3-70b) or path to a Hugging Face config.json.")
@click.option("--gpu", default="h100", show_default=True, help="Accelerator name or alias (see `costcurve catalog gpus`).")
@click.option("--gpus", help="Accelerators per replica (tensor parallel); default: the smallest power of two that fits.")
@click.option("--dtype", type=click.Choice(DTYPES),
              help="Weight dtype (default: the chip's 16-bit format, bf16 or fp16 on V100/T4; int8/int4 are weight-only).")
@click.option("--kv-dtype", type=click.Choice(DTYPES), help="KV cache dtype (default: fp8 with fp8 weights, else the chip's 16-bit format).")
@click.option("--group-size", help="Quantization group size of int4/int8 weights, a whole number (default 128 for int4).")
@click.option("--batch", help="Sequences decoded together; default: the largest that fits and meets --latency-target, "
                               "or without one keeps 25 tokens/s per user (MLPerf Inference v5.0 interactive).")
@click.option("--input-tokens", help="Prompt tokens per query (default 161, ShareGPT mean).")
@click.option("--output-tokens", help="Generated tokens per query (default 338, ShareGPT mean).")
@click.option("--reasoning-tokens", help="Thinking tokens per query, decoded before the answer (default 0; a range too).")
@click.option("--queries-per-day", help="Demand to serve, e.g. 8.5B: gives accelerators and dollars per day.")
@click.option("--latency-target", "max_time_per_output_token_s",
              help="Largest mean time per output token: 50ms, 0.05s or plain seconds (0.05 = 20 tokens/s per user).")
@click.option("--ttft-target", "max_time_to_first_token_s",
              help="Largest time to first token: 500ms, 0.5s or plain seconds (checked, reported).")
@price_options
@click.option("--utilization", default="1", show_default=True, help="Share of paid accelerator time spent serving.")
@click.option("--flop-efficiency", help="Achieved / peak FLOP/s (default 0.45, docs/inference.md).")
@click.option("--bandwidth-efficiency", help="Achieved / peak memory bandwidth (default 0.75).")
@click.option("--interconnect-efficiency", help="Achieved / peak link bandwidth in all-reduce (default 0.7).")
@click.option("--memory-utilization", help="Share of accelerator memory the engine may use (default 0.9).")
@click.option("--max-batch", help="Engine's largest batch (default 2048).")
@click.option("--engine", type=click.Choice(["trtllm", "vllm", "sglang"]), default="trtllm", show_default=True,
              help="Serving engine profile: efficiencies, per-step and per-request overheads and batch cap fitted on "
                   "that engine's published figures (docs/serving.md); explicit --*-efficiency options win.")
@click.option("--load", "load_per_s", help="Arrival rate per replica in requests/s: adds p95 TTFT and TPOT (load model).")
@calibration_option
@click.option("--uncertainty", is_flag=True, help="Monte Carlo with spread on the default price and efficiencies too.")
@monte_carlo_options
@plot_option("Write the cost-per-query distribution to FILE (.png, .svg or .pdf).")
@catalog_option
@json_option
def infer(model, gpu, gpus, dtype, kv_dtype, group_size, batch, input_tokens, output_tokens, reasoning_tokens,
          queries_per_day,
          max_time_per_output_token_s, max_time_to_first_token_s, price_usd_per_gpu_hour, provider, price_kind, date,
          utilization, flop_efficiency, bandwidth_efficiency, interconnect_efficiency, memory_utilization, max_batch,
          engine, load_per_s, calibration, uncertainty, samples, seed, plot, catalog, as_json):
    """Estimate memory, latency, throughput and dollars of serving a model on accelerators.

    A model that does not fit exits with code 2 and one line: the memory it needs, the memory
    there is, and the smallest accelerator count that fits.

    Any number may be a range or distribution (LOW..HIGH as a 90% interval, normal(mu,sd), ...);
    the output then shows p50 (p5–p95).

    \b
    Examples:
      costcurve infer --model llama3-70b --gpu h100 --gpus 4 --dtype fp8
      costcurve infer --model gpt3-175b --gpu a100 --gpus 8 --date 2023-06-01 --input-tokens 1024
      costcurve infer --model llama3-8b --gpu h100 --queries-per-day 8.5B --latency-target 0.05 --json
    """
    from costcurve.inference import estimate_inference

    check_plot_path(plot)
    est = estimate_inference(
        model=model, gpu=gpu, gpus=gpus, dtype=dtype, kv_dtype=kv_dtype, group_size=group_size, batch=batch,
        input_tokens=input_tokens, output_tokens=output_tokens, reasoning_tokens=reasoning_tokens,
        queries_per_day=queries_per_day,
        max_time_per_output_token_s=max_time_per_output_token_s, max_time_to_first_token_s=max_time_to_first_token_s,
        price_usd_per_gpu_hour=price_usd_per_gpu_hour, provider=provider.lower() if provider else None,
        price_kind=price_kind, date=date, utilization=utilization, flop_efficiency=flop_efficiency,
        bandwidth_efficiency=bandwidth_efficiency, interconnect_efficiency=interconnect_efficiency,
        memory_utilization=memory_utilization, max_batch=max_batch, catalog=list(catalog) or None,
        calibration=calibration, samples=samples, seed=seed, uncertainty=uncertainty,
        engine=engine, load_per_s=load_per_s,
    )
    finish(est, as_json=as_json, plot=plot, plot_field="usd_per_query",
           plot_title=f"Cost per query: {est.model} on {est.gpu}", plot_xlabel="cost per query [USD]",
           render=render, render_uncertain=render_uncertain,
           json_extra=lambda: price_json(est, price_usd_per_gpu_hour, provider, price_kind, catalog))


def render_uncertain(u) -> None:
    """Print a Monte Carlo inference estimate: p50 (p5–p95) of each figure, and the sensitivity."""
    from costcurve.units import format_number, format_usd

    def fmt(name, f):
        return p50_cell(u, name, f)

    rows = [
        ("batch", fmt("batch", lambda x: f"{format_number(x)}")),
        ("input / output tokens", fmt("input_tokens", lambda x: f"{format_number(x)}") + " / " + fmt("output_tokens", lambda x: f"{format_number(x)}")),
        ("time to first token [ms]", fmt("time_to_first_token_s", lambda x: f"{format_number(x * 1e3, 1)}")),
        ("time per output token [ms]", fmt("time_per_output_token_s", lambda x: f"{format_number(x * 1e3, 1)}")),
        ("output tokens/s per replica", fmt("tokens_per_second", lambda x: f"{format_number(x)}")),
        ("price [USD/h]", fmt("price_usd_per_gpu_hour", lambda x: f"{x:.2f}")),
        ("per million input tokens", fmt("usd_per_million_input_tokens", format_usd)),
        ("per million output tokens", fmt("usd_per_million_output_tokens", format_usd)),
        ("per query", fmt("usd_per_query", format_usd)),
        ("per billion queries", fmt("usd_per_billion_queries", format_usd)),
    ]
    if u.summary("accelerators_needed") is not None and str(u.summary("accelerators_needed")) != "nan":
        rows.append(("accelerators needed", fmt("accelerators_needed", lambda x: f"{format_number(x)}")))
    gpus = u.summary("gpus")
    table(f"Inference estimate: {u.model} on {format_number(gpus['p50'] if isinstance(gpus, dict) else gpus)} × {u.gpu} — p50 (p5–p95), "
          f"{u.n_samples:,} samples" + (f", seed {u.seed}" if u.seed is not None else ""), ["figure", "value"], rows)
    sensitivity_table(u, "the cost per query")
    note = dropped_samples_note(u, ("usd_per_query", "tokens_per_second", "time_per_output_token_s"))
    for n in ((note,) if note else ()) + tuple(u.notes):
        print(f"note: {note_text(n)}")


def render(est) -> None:
    """Print an inference estimate as a table."""
    from costcurve.units import GiB, format_count, format_number, format_usd

    e = est
    rows = [
        ("model", f"{e.model}: {format_count(e.params_total)} parameters ({format_count(e.params_active)} active), "
                  f"{e.dtype} weights, {e.kv_dtype} KV cache"),
        ("replica", f"{format_number(e.gpus)} × {e.gpu} (tensor parallel)"),
        ("query", f"{format_number(e.input_tokens)} input + {format_number(e.output_tokens)} output tokens"),
        ("memory per accelerator", f"{format_number(e.memory_required_bytes / GiB, 1)} GiB of {format_number(e.memory_usable_bytes / GiB, 1)} GiB usable "
                                   f"(weights {format_number(e.memory_breakdown_bytes['weights'] / GiB, 1)}, KV cache "
                                   f"{format_number(e.memory_breakdown_bytes['kv_cache'] / GiB, 1)}, activations "
                                   f"{format_number(e.memory_breakdown_bytes['activations'] / GiB, 1)})"),
        ("batch", f"{format_number(e.batch)} ({e.batch_rule + '; ' if e.batch_rule not in ('', 'largest that fits') else ''}"
                  f"largest that fits: {format_number(e.max_batch)})"),
        ("time to first token", f"{format_number(e.time_to_first_token_s * 1e3, 1)} ms (one prompt, no queue)"),
        ("time per output token", f"{format_number(e.time_per_output_token_s * 1e3, 1)} ms ({format_number(1 / e.time_per_output_token_s, 1)} "
                                  f"tokens/s per user); decode step {format_number(e.decode_step_s * 1e3, 1)} ms, {e.decode_bound}-bound"),
        ("throughput", f"{format_number(e.tokens_per_second)} output tokens/s per replica, {format_number(e.tokens_per_second_per_accelerator)} "
                       f"per accelerator (roofline {format_number(e.roofline_tokens_per_second)})"),
        ("price", f"{format_usd(e.price_usd_per_gpu_hour)} per accelerator-hour ({e.price_source})"
         if e.price_usd_per_gpu_hour == e.price_usd_per_gpu_hour else f"unknown: {e.price_source}"),
        ("per million tokens", f"input {format_usd(e.usd_per_million_input_tokens)}, "
                               f"output {format_usd(e.usd_per_million_output_tokens)}"),
        ("per query", format_usd(e.usd_per_query)),
        ("per billion queries", format_usd(e.usd_per_billion_queries)),
    ]
    if getattr(e, "ttft_p95_s", None) is not None:
        rows.append(("at the load", f"p95 time to first token {e.ttft_p95_s * 1e3:,.1f} ms, p95 time per output token "
                                    f"{e.tpot_p95_s * 1e3:,.2f} ms (engine {e.engine}, load model)"))
    if e.queries_per_day == e.queries_per_day:  # not NaN
        rows.append(("capacity", f"{e.queries_per_day:,.3g} queries/day: {format_number(e.replicas_needed)} replicas, "
                                 f"{format_number(e.accelerators_needed)} accelerators, {format_usd(e.usd_per_day)} per day"))
    if not e.meets_latency_target:
        rows.append(("latency target", "NOT met even at batch 1"))
    table(f"Inference estimate: {e.model} on {e.gpu}", ["figure", "value"], rows)
    for n in e.notes:
        print(f"note: {note_text(n)}")
