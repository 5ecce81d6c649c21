"""`deploy`: the cheapest deployment of a model for a demand and p95 latency targets
(:func:`costcurve.serving.deploy.plan_deployment`)."""

from __future__ import annotations

from .common import CATALOG, JSON, PRICE_KINDS, catalog_list, lower, outcome
from .spec import Command, Option

OPTIONS = (
    Option("model", ("--model",), "text", required=True,
           help="Preset (e.g. llama3.1-70b) or path to a Hugging Face config.json."),
    Option("queries_per_day", ("--queries-per-day",), "count", unit="queries/day", low=0, required=True,
           help="Demand, e.g. 1B or 8.5B queries a day."),
    Option("input_tokens", ("--input-tokens",), "count", unit="tokens", low=0,
           help="Mean prompt tokens per query (default 161, ShareGPT mean)."),
    Option("output_tokens", ("--output-tokens",), "count", unit="tokens", low=1,
           help="Mean answer tokens per query (default 338, ShareGPT mean)."),
    Option("reasoning_tokens", ("--reasoning-tokens",), "count", unit="tokens", low=0,
           help="Mean thinking tokens per query, decoded before the answer (default 0; a range: its mean)."),
    Option("length_sigma", ("--length-sigma",), "number", unit="1", low=0,
           help="Log-normal spread of both lengths (default 1; 0 = every query the same)."),
    Option("ttft_p95_s", ("--ttft-p95",), "time", unit="s", low=0,
           help="Largest p95 time to first token: seconds (0.5, 0.5s) or 500ms (default: none)."),
    Option("tpot_p95_s", ("--tpot-p95",), "time", unit="s", low=0,
           help="Largest p95 time per output token: seconds or ms, e.g. 50ms (default: none)."),
    Option("gpu_options", ("--gpu-options",), "list",
           help="Comma-separated accelerators to consider (default: every catalog one with a price)."),
    Option("dtype_options", ("--dtype-options",), "list", default="bf16,fp8", show_default=True,
           help="Weight dtypes to consider (bf16, fp8)."),
    Option("engine", ("--engine",), "choice", choices=("trtllm", "vllm", "sglang"), default="trtllm", show_default=True,
           help="Serving engine profile (efficiencies and overheads fitted on its published figures)."),
    Option("price_kind", ("--price-kind",), "choice", choices=PRICE_KINDS, default="on-demand", show_default=True),
    Option("provider", ("--provider",), "text", help="Take catalog prices from this provider only."),
    Option("date", ("--date",), "date", help="Date of the prices, YYYY-MM-DD or a year (default: today)."),
    Option("disaggregated", ("--disaggregated",), "choice", choices=("auto", "always", "never"), default="auto",
           show_default=True, help="Separate prefill and decode pools: tried for the cheapest layouts (auto), "
                                   "only, or not at all."),
    Option("compare_api", ("--compare-api",), "flag",
           help="Also list published API list prices of the same open model and their ratio to this cost per query."),
    Option("max_gpus_per_replica", ("--max-gpus-per-replica",), "integer", unit="accelerators", low=1, default="64",
           show_default=True, help="Largest replica considered."),
    Option("allow_thin_prices", ("--allow-thin-prices",), "flag",
           help="Also search accelerators priced on fewer than 3 quotes from 2 providers (marked thin)."),
    CATALOG,
    JSON,
)

HELP = """Search accelerator, replica size, dtype, batch cap and replicas for the cheapest deployment.

    Latency comes from a simulation of continuous batching under Poisson arrivals with log-normal
    prompt and answer lengths; the answer meets both p95 targets. Also prints the Pareto front of
    dollars per query against p95 time per output token.

    \b
    Examples:
      costcurve deploy --model llama3.1-70b --queries-per-day 1B --ttft-p95 2 --tpot-p95 100ms
      costcurve deploy --model llama3.1-8b --queries-per-day 8.5B --gpu-options h100,a100 --engine vllm --json
    """


def _list(text):
    return [x.strip() for x in text.split(",") if x.strip()] if text else None


def compute(o: dict, *, given=()):
    from costcurve.serving.deploy import plan_deployment
    from costcurve.units import number_input

    res = plan_deployment(
        model=o["model"], queries_per_day=o["queries_per_day"], input_tokens=o["input_tokens"],
        output_tokens=o["output_tokens"], reasoning_tokens=o["reasoning_tokens"], length_sigma=o["length_sigma"], ttft_p95_s=o["ttft_p95_s"],
        tpot_p95_s=o["tpot_p95_s"], gpu_options=_list(o["gpu_options"]), dtype_options=_list(o["dtype_options"]) or ["bf16"],
        engine=o["engine"], price_kind=o["price_kind"], provider=lower(o["provider"]), date=o["date"],
        catalog=catalog_list(o), disaggregated={"auto": None, "always": True, "never": False}[o["disaggregated"]],
        max_gpus_per_replica=int(number_input(o["max_gpus_per_replica"], "max_gpus_per_replica", integer=True, low=1.0)),
        allow_thin_prices=o["allow_thin_prices"])
    data = res.to_dict()
    comparison = None
    if o["compare_api"]:
        from costcurve.serving.market import api_comparison

        comparison = api_comparison(res)
        data["api_comparison"] = comparison
    return outcome("deploy", o, given, res, data, api_comparison=comparison)


COMMAND = Command(
    "deploy", "Deployment", "Cheapest deployment of a model for a demand and p95 latency targets.", HELP, OPTIONS,
    compute, terminal="costcurve.cli.deploy:show", sections="costcurve.report.sections_plan:deploy_sections",
    page="serving", heavy=True,
)
