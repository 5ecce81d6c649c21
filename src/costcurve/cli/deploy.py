"""`costcurve deploy`: the cheapest deployment of a model for a demand and p95 latency targets."""

from __future__ import annotations

import click

from .common import catalog_option, emit_json, json_option, table, note_text

def _list(text):
    return [x.strip() for x in text.split(",") if x.strip()] if text else None


@click.command()
@click.option("--model", required=True, help="Preset (e.g. llama3.1-70b) or path to a Hugging Face config.json.")
@click.option("--queries-per-day", required=True, help="Demand, e.g. 1B or 8.5B queries a day.")
@click.option("--input-tokens", help="Mean prompt tokens per query (default 161, ShareGPT mean).")
@click.option("--output-tokens", help="Mean answer tokens per query (default 338, ShareGPT mean).")
@click.option("--reasoning-tokens", help="Mean thinking tokens per query, decoded before the answer (default 0; a range: its mean).")
@click.option("--length-sigma", help="Log-normal spread of both lengths (default 1; 0 = every query the same).")
@click.option("--ttft-p95", "ttft_p95_s", help="Largest p95 time to first token: seconds (0.5, 0.5s) or 500ms (default: none).")
@click.option("--tpot-p95", "tpot_p95_s", help="Largest p95 time per output token: seconds or ms, e.g. 50ms (default: none).")
@click.option("--gpu-options", "gpu_options", help="Comma-separated accelerators to consider (default: every catalog one with a price).")
@click.option("--dtype-options", default="bf16,fp8", show_default=True, help="Weight dtypes to consider (bf16, fp8).")
@click.option("--engine", type=click.Choice(["trtllm", "vllm", "sglang"]), default="trtllm", show_default=True,
              help="Serving engine profile (efficiencies and overheads fitted on its published figures).")
@click.option("--price-kind", type=click.Choice(["on-demand", "spot", "1-year", "3-year"]), default="on-demand",
              show_default=True)
@click.option("--provider", help="Take catalog prices from this provider only.")
@click.option("--date", help="Date of the prices, YYYY-MM-DD or a year (default: today).")
@click.option("--disaggregated", "disaggregated", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True, help="Separate prefill and decode pools: tried for the cheapest layouts (auto), "
                                      "only, or not at all.")
@click.option("--compare-api", "compare_api", is_flag=True,
              help="Also list published API list prices of the same open model and their ratio to this cost per query.")
@click.option("--max-gpus-per-replica", default="64", show_default=True, help="Largest replica considered.")
@click.option("--allow-thin-prices", is_flag=True,
              help="Also search accelerators priced on fewer than 3 quotes from 2 providers (marked thin).")
@catalog_option
@json_option
def deploy(model, queries_per_day, input_tokens, output_tokens, reasoning_tokens, length_sigma, ttft_p95_s, tpot_p95_s, gpu_options,
           dtype_options, engine, price_kind, provider, date, disaggregated, compare_api, max_gpus_per_replica,
           allow_thin_prices, catalog, as_json):
    """Search accelerator, replica size, dtype, batch cap and replicas for the cheapest deployment.

    Latency comes from a simulation of continuous batching under Poisson arrivals with log-normal
    prompt and answer lengths; the answer meets both p95 targets. Also prints the Pareto front of
    dollars per query against p95 time per output token.

    \b
    Examples:
      costcurve deploy --model llama3.1-70b --queries-per-day 1B --ttft-p95 2 --tpot-p95 100ms
      costcurve deploy --model llama3.1-8b --queries-per-day 8.5B --gpu-options h100,a100 --engine vllm --json
    """
    from costcurve.serving.deploy import plan_deployment
    from costcurve.units import number_input

    res = plan_deployment(
        model=model, queries_per_day=queries_per_day, input_tokens=input_tokens, output_tokens=output_tokens,
        reasoning_tokens=reasoning_tokens,
        length_sigma=length_sigma, ttft_p95_s=ttft_p95_s, tpot_p95_s=tpot_p95_s, gpu_options=_list(gpu_options),
        dtype_options=_list(dtype_options) or ["bf16"], engine=engine, price_kind=price_kind,
        provider=provider.lower() if provider else None, date=date, catalog=list(catalog) or None,
        disaggregated={"auto": None, "always": True, "never": False}[disaggregated],
        max_gpus_per_replica=int(number_input(max_gpus_per_replica, "max_gpus_per_replica", integer=True, low=1.0)),
        allow_thin_prices=allow_thin_prices)
    comparison = None
    if compare_api:
        from costcurve.serving.market import api_comparison

        comparison = api_comparison(res)
    if as_json:
        d = res.to_dict()
        if compare_api:
            d["api_comparison"] = comparison
        emit_json(d)
        return
    render(res)
    if compare_api:
        render_comparison(res, comparison)


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
    print(f"price: {res.best.price_source}; {res.evaluated} of {res.candidates} candidates simulated")
    for n in res.notes:
        print(f"note: {note_text(n)}")


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
