"""`costcurve infer`: cost of serving a model (memory, latency, tokens/s, dollars)."""

from __future__ import annotations

from costcurve.commands import get

from .build import click_command
from .common import dropped_samples_note, finish, notes, p50_cell, price_source, sensitivity_table, table


def show(result, *, as_json: bool = False, plot=None) -> None:
    """Print an infer Outcome: JSON, or a table (and the cost-per-query distribution plot if asked)."""
    est = result.value
    finish(est, as_json=as_json, plot=plot, plot_field="usd_per_query",
           plot_title=f"Cost per query: {est.model} on {est.gpu}", plot_xlabel="cost per query [USD]",
           render=render, render_uncertain=render_uncertain, data=result.data)


infer = click_command(get("infer"))


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
    notes(((note,) if note else ()) + tuple(u.notes))


def _layout_words(layout: dict) -> str:
    """How the replica's ranks split the work, in words."""
    if layout.get("attention_dp"):
        words = "attention data parallel, experts expert parallel"
    elif layout.get("expert_parallel"):
        words = "tensor-parallel attention, experts expert parallel"
    else:
        words = "tensor parallel"
    if layout.get("disaggregated"):
        share = layout.get("prefill_accelerator_share")
        words += "; separate prefill and decode pools" + (f", {share:.0%} of accelerators prefilling"
                                                         if isinstance(share, float) and share == share else "")
    return words


def render(est) -> None:
    """Print an inference estimate as a table."""
    from costcurve.units import GiB, format_count, format_number, format_usd

    e = est
    rows = [
        ("model", f"{e.model}: {format_count(e.params_total)} parameters ({format_count(e.params_active)} active), "
                  f"{e.dtype} weights, {e.kv_dtype} KV cache"),
        ("replica", f"{format_number(e.gpus)} × {e.gpu} ({_layout_words(e.layout)})"),
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
        ("price", f"{format_usd(e.price_usd_per_gpu_hour)} per accelerator-hour ({price_source(e.price_source)})"
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
    notes(e.notes)
