"""`train`: FLOP, time, accelerator-hours, dollars (cloud, amortized, acquisition), energy and CO2 of a
training run (:func:`costcurve.training.estimate.estimate_training`)."""

from __future__ import annotations

from .common import CALIBRATION, CATALOG, JSON, MONTE_CARLO, PRICE, catalog_list, lower, outcome, plot
from .spec import Command, Option

DTYPES = ("fp32", "tf32", "bf16", "fp16", "fp8")

OPTIONS = (
    Option("model", ("--model",), "text",
           help="Preset (e.g. llama3-8b), trained model (e.g. GPT-3 175B) or path to a config.json."),
    Option("params", ("--params",), "count", unit="parameters", low=1, distribution=True,
           help="Total parameters, e.g. 7B (with --tokens, uses 6·N·D)."),
    Option("active_params", ("--active-params",), "count", unit="parameters", low=1, distribution=True,
           help="Active parameters per token (MoE), e.g. 37B."),
    Option("tokens", ("--tokens",), "count", unit="tokens", low=1, distribution=True, help="Training tokens, e.g. 15.6T."),
    Option("training_flop", ("--flop",), "count", unit="FLOP", low=0, distribution=True,
           help="Total training FLOP, e.g. 3.8e25 (overrides the count)."),
    Option("gpu", ("--gpu",), "text", default="h100", show_default=True,
           help="Accelerator name or alias (see `costcurve catalog gpus`)."),
    Option("gpus", ("--gpus",), "count", unit="accelerators", low=1, high=2**20, distribution=True,
           help="Number of accelerators (a whole number)."),
    Option("days", ("--days",), "time", unit="days", low=0, distribution=True,
           help="Target wall-clock time in days (or with a unit: 12h, 30d); solves for the number of accelerators."),
    Option("mfu", ("--mfu",), "fraction", unit="1", low=0, high=1, distribution=True,
           help="Model FLOP utilisation in (0, 1]; default: the planner's best layout (architecture and "
                "one --gpus known), else the fitted MFU model."),
    Option("dtype", ("--dtype",), "choice", choices=DTYPES,
           help="Format of the peak FLOP/s; default: the chip's 16-bit format (bf16, fp16 on V100/T4)."),
    Option("goodput", ("--goodput",), "fraction", unit="1", low=0, high=1, distribution=True,
           help="Useful fraction of wall-clock time (restarts, failures); default: the planner's "
                "failure model when the planner sets the MFU, else 1."),
    Option("recompute", ("--recompute",), "choice", choices=("none", "selective", "full"), default="none",
           show_default=True, help="Activation recomputation (adds hardware FLOP, not model FLOP)."),
    Option("seq_len", ("--seq-len",), "count", unit="tokens", low=1,
           help="Training sequence length in tokens (attention FLOP); default: the preset's."),
    Option("scale_out", ("--scale-out",), "text",
           help="Scale-out network per accelerator for the planner's MFU, e.g. 400Gb/s or 3.2Tb/s per node "
                "(default: the interconnect table's)."),
    *PRICE,
    Option("chip_price_usd", ("--chip-price",), "money", unit="USD", low=0, distribution=True,
           help="Purchase price of one accelerator in USD (default: catalog)."),
    Option("pue", ("--pue",), "number", unit="1", low=1, distribution=True,
           help="Data-centre PUE (default in docs/cost-defaults.md)."),
    Option("electricity_usd_per_kwh", ("--electricity-price",), "money", unit="USD/kWh", low=0, distribution=True,
           help="Electricity price in USD/kWh."),
    Option("grid_kg_co2_per_kwh", ("--grid-intensity",), "number", unit="kg/kWh", low=0, distribution=True,
           help="Grid carbon intensity in kg CO2/kWh."),
    Option("depreciation_per_year", ("--depreciation",), "fraction", unit="1/year", low=0, distribution=True,
           help="Hardware depreciation rate per year (exponential)."),
    Option("server_overhead", ("--server-overhead",), "number", unit="1", low=0, distribution=True,
           help="Cluster capex / accelerator capex."),
    CALIBRATION,
    Option("uncertainty", ("--uncertainty",), "flag", help="Monte Carlo with spread on the default MFU and price too."),
    *MONTE_CARLO,
    plot("Write the cost distribution to FILE (.png, .svg or .pdf)."),
    CATALOG,
    JSON,
)

HELP = """Estimate FLOP, time, GPU-hours, dollars (cloud, amortized, acquisition), energy and CO2 of training.

    Any number may be a range or distribution: LOW..HIGH (90% interval, lognormal), lognormal(p5,p95),
    normal(mu,sd), uniform(a,b), triangular(a,mode,b); the output then shows p50 (p5–p95).

    \b
    Examples:
      costcurve train --model llama3.1-405b --gpu h100 --gpus 16384
      costcurve train --model gpt3-175b --gpu v100 --gpus 1024 --mfu 0.2 --date 2020-06-01
      costcurve train --params 7B --tokens 2T --gpu a100 --days 30 --json
      costcurve train --model llama3-70b --tokens 15T --gpu h100 --gpus 4096 --mfu 0.3..0.5 --uncertainty
    """

COST_OPTIONS = ("pue", "electricity_usd_per_kwh", "grid_kg_co2_per_kwh", "depreciation_per_year", "server_overhead")


def assumptions(options: dict):
    """CostAssumptions with the cost options given (text, checked by the library); None if none given."""
    import dataclasses

    from costcurve.costs import DEFAULT_ASSUMPTIONS

    changes = {k: options[k] for k in COST_OPTIONS if options.get(k) is not None}
    return dataclasses.replace(DEFAULT_ASSUMPTIONS, **changes) if changes else None


def requests(o: dict):
    """The options as request objects (Workload, Cluster, Pricing), each checked once here."""
    from costcurve.requests import Cluster, Pricing, Workload

    return (Workload(model=o["model"], params=o["params"], active_params=o["active_params"], tokens=o["tokens"],
                     training_flop=o["training_flop"], seq_len=o["seq_len"]),
            Cluster(gpu=o["gpu"], gpus=o["gpus"], days=o["days"], mfu=o["mfu"], goodput=o["goodput"], dtype=o["dtype"],
                    recompute=o["recompute"], scale_out=o["scale_out"]),
            Pricing(price_usd_per_gpu_hour=o["price_usd_per_gpu_hour"], provider=lower(o["provider"]),
                    price_kind=o["price_kind"], date=o["date"], chip_price_usd=o["chip_price_usd"]))


def compute(o: dict, *, given=()):
    from costcurve.requests import estimate_training_request

    est = estimate_training_request(*requests(o), assumptions=assumptions(o), calibration=o["calibration"],
                                    catalog=catalog_list(o), samples=o["samples"], seed=o["seed"],
                                    uncertainty=o["uncertainty"])
    return outcome("train", o, given, est, {**est.to_dict(), **price_quotes(est, o)})


def price_quotes(est, o: dict) -> dict:
    """``price_quotes`` and ``price_providers`` behind an estimate's hourly price (None when given)."""
    from costcurve.catalog import load_catalog
    from costcurve.prices import price_counts

    return price_counts(load_catalog(catalog_list(o)), est.gpu, est.date, o["price_usd_per_gpu_hour"],
                        provider=lower(o["provider"]), kind=o["price_kind"])


COMMAND = Command(
    "train", "Training cost", "Estimate FLOP, time, GPU-hours, dollars and energy of a training run.", HELP, OPTIONS,
    compute, terminal="costcurve.cli.train:show", sections="costcurve.report.sections:train_sections", page="training",
)
