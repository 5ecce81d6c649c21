"""`costcurve deploy`: the cheapest deployment of a model for a demand and p95 latency targets."""

from __future__ import annotations

from costcurve.commands import get

from .build import click_command
from .common import emit_json, line, notes, price_source, table


def show(result, *, as_json: bool = False) -> None:
    """Print a deploy Outcome: JSON, or the cheapest deployment, the Pareto front and the API comparison."""
    if as_json:
        emit_json(result.data)
        return
    render(result.value)
    if result.options["compare_api"]:
        render_comparison(result.value, result.objects["api_comparison"])


deploy = click_command(get("deploy"))


def _row(d):
    from costcurve.units import format_usd

    thin = f" (THIN: {d.price_quotes} quote(s) from {d.price_providers})" if d.thin_evidence else ""
    return [f"{d.replicas:,} × {d.gpus_per_replica} {d.gpu}" + (f" (TP{d.tp}×PP{d.pp})" if d.pp > 1 else "") + thin,
            f"{d.dtype}/{d.kv_dtype}", f"{d.max_batch}", format_usd(d.usd_per_day),
            format_usd(d.usd_per_million_output_tokens), format_usd(d.usd_per_billion_queries),
            f"{d.utilization:.0%}", f"{d.ttft_p95_s * 1e3:,.0f}", f"{d.tpot_p95_s * 1e3:,.1f}"]


def render(res) -> None:
    """Print the cheapest deployment and the Pareto front."""
    cols = ["replicas × accelerators", "weights/KV", "batch cap", "$/day", "$/M output", "$/B queries", "util.",
            "TTFT p95 [ms]", "TPOT p95 [ms]"]
    table(f"Cheapest deployment: {res.model}, {res.queries_per_day:,.3g} queries/day, engine {res.best.engine}",
          cols, [_row(res.best)], justify_right=(2, 3, 4, 5, 6, 7, 8))
    table("Pareto front: dollars per query vs p95 time per output token", cols,
          [_row(d) for d in res.pareto], justify_right=(2, 3, 4, 5, 6, 7, 8))
    line(f"price: {price_source(res.best.price_source)}; {res.evaluated} of {res.candidates} candidates simulated")
    notes(res.notes)


def render_comparison(res, comparison) -> None:
    """Print the API list prices of the same model against the deployment's cost per query."""
    from costcurve.units import format_usd

    if not comparison:
        print(f"note: the API price table has no list price of {res.model}")
        return
    table(f"API list prices of {res.model} vs this deployment ({format_usd(res.best.usd_per_query)} per query of "
          f"{res.input_tokens_mean:,.0f} + {res.output_tokens_mean:,.0f} tokens)",
          ["provider", "date", "$/M input", "$/M output", "$/query", "× deployment"],
          [[c["provider"], c["date"], "n/a" if c["usd_per_million_input_tokens"] is None else
            f"{c['usd_per_million_input_tokens']:.2f}", "n/a" if c["usd_per_million_output_tokens"] is None else
            f"{c['usd_per_million_output_tokens']:.2f}", format_usd(c["usd_per_query"]),
            f"{c['ratio_to_deployment']:.2f}"] for c in comparison], justify_right=(2, 3, 4, 5))
