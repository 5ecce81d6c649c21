"""`budget`, `finetune`, `rent-vs-buy`, `wait`: the decisions (:mod:`costcurve.decisions`)."""

from __future__ import annotations

from .common import CATALOG, JSON, MONTE_CARLO, PRICE, PRICE_KINDS, catalog_list, lower, outcome
from .spec import Command, Option

TRENDS = ("gpu-price-performance", "gpu-cloud-price-performance")

#: the options of a decision that prices a training run: --mfu, --dtype, the price options,
#: --uncertainty, --samples/--seed, --catalog, --json
RUN = (
    Option("mfu", ("--mfu",), "fraction", unit="1", low=0, high=1, distribution=True,
           help="Model FLOP utilisation in (0, 1]; default from the fitted MFU model."),
    Option("dtype", ("--dtype",), "choice", choices=("fp32", "tf32", "bf16", "fp16", "fp8"), default="bf16",
           show_default=True),
    *PRICE,
    Option("uncertainty", ("--uncertainty",), "flag", help="Monte Carlo with spread on the default MFU and price too."),
    *MONTE_CARLO,
    CATALOG,
    JSON,
)


def _run_kw(o: dict) -> dict:
    return dict(mfu=o["mfu"], dtype=o["dtype"], price_usd_per_gpu_hour=o["price_usd_per_gpu_hour"],
                provider=lower(o["provider"]), price_kind=o["price_kind"], date=o["date"], catalog=catalog_list(o),
                samples=o["samples"], seed=o["seed"], uncertainty=o["uncertainty"])


# ---- budget ---------------------------------------------------------------------------------------
def _budget(o: dict, *, given=()):
    from costcurve.decisions.budget import plan_budget

    res = plan_budget(usd=o["usd"], gpu=o["gpu"], gpus=o["gpus"], days=o["days"], law=o["law"],
                      inference_tokens=o["inference_tokens"], unique_tokens=o["unique_tokens"], **_run_kw(o))
    return outcome("budget", o, given, res, res.to_dict())


BUDGET = Command(
    "budget", "What a budget buys",
    "The compute-optimal model a budget buys (scaling laws, inference, data limits).",
    """The compute-optimal model a budget buys: parameters, tokens, FLOP, predicted loss, days.

    \b
    Examples:
      costcurve budget --usd 2M --gpu h100 --gpus 256
      costcurve budget --usd 2M --gpus 256 --inference-tokens 20T --law epoch2024 --json
      costcurve budget --usd 200M --days 90 --unique-tokens 5T
    """,
    (Option("usd", ("--usd",), "money", unit="USD", low=0, required=True, distribution=True,
            help="Budget in USD, e.g. 2M (a range LOW..HIGH too)."),
     Option("gpu", ("--gpu",), "text", default="h100", show_default=True, help="Accelerator name or alias."),
     Option("gpus", ("--gpus",), "count", unit="accelerators", low=1, help="Number of accelerators (default as `train`)."),
     Option("days", ("--days",), "time", unit="days", low=0,
            help="Target wall-clock days; solves for the number of accelerators."),
     Option("law", ("--law",), "choice", choices=("epoch2024", "chinchilla"), default="epoch2024", show_default=True,
            help="Scaling law: Besiroglu et al. 2024's refit (~20 tokens/parameter), or Hoffmann et al. 2022 "
                 "Approach 3 as published (the comparison)."),
     Option("inference_tokens", ("--inference-tokens",), "count", unit="tokens", low=0,
            help="Tokens the model will serve over its life, e.g. 10T."),
     Option("unique_tokens", ("--unique-tokens",), "count", unit="tokens", low=1,
            help="Unique training tokens available, e.g. 5T (repeats allowed)."),
     *RUN),
    _budget, terminal="costcurve.cli.decide:show_budget", sections="costcurve.report.sections_plan:budget_sections",
    page="decisions")


# ---- finetune -------------------------------------------------------------------------------------
def _finetune(o: dict, *, given=()):
    from costcurve.decisions.finetune import estimate_finetune

    res = estimate_finetune(model=o["model"], method=o["method"], tokens=o["tokens"], rank=o["rank"],
                            target_modules=o["target_modules"], gpu=o["gpu"], gpus=o["gpus"], seq_len=o["seq_len"],
                            micro_batch=o["micro_batch"], checkpointing=o["checkpointing"],
                            paged_optimizer=o["paged_optimizer"], compare_scratch=o["compare_scratch"], **_run_kw(o))
    return outcome("finetune", o, given, res, res.to_dict())


FINETUNE = Command(
    "finetune", "Fine-tune or not", "Fine-tune full/LoRA/QLoRA: memory, smallest fit, hours, dollars.",
    """Memory per accelerator, smallest fitting set, FLOP, hours and dollars of fine-tuning.

    \b
    Examples:
      costcurve finetune --model llama-65b --method qlora --tokens 10M --gpu a6000 --seq-len 512
      costcurve finetune --model llama2-70b --method lora --rank 16 --target-modules q,k,v,o \\
          --tokens 31.5M --seq-len 8192 --gpu h100 --gpus 8 --compare-scratch --json
    """,
    (Option("model", ("--model",), "text", required=True, help="Preset, trained model or config.json."),
     Option("method", ("--method",), "choice", choices=("full", "lora", "qlora"), default="lora", show_default=True),
     Option("tokens", ("--tokens",), "count", unit="tokens", low=1, required=True, help="Fine-tuning tokens, e.g. 100M."),
     Option("rank", ("--rank",), "integer", low=1, help="LoRA rank (default 8 for lora, 64 for qlora)."),
     Option("target_modules", ("--target-modules",), "list",
            help="Comma list of q,k,v,o,gate,up,down or all (default q,v for lora; all for qlora)."),
     Option("gpu", ("--gpu",), "text", default="h100", show_default=True),
     Option("gpus", ("--gpus",), "count", unit="accelerators", low=1,
            help="Number of accelerators (default: the smallest set it fits on)."),
     Option("seq_len", ("--seq-len",), "count", unit="tokens", low=1,
            help="Sequence length in tokens (default: the model's, at most 4096)."),
     Option("micro_batch", ("--micro-batch",), "integer", unit="sequences", low=1, default="1", show_default=True,
            help="Sequences per accelerator per step."),
     Option("checkpointing", ("--checkpointing",), "flag", secondary="--no-checkpointing", default=True,
            show_default=True, help="Activation checkpointing."),
     Option("paged_optimizer", ("--paged-optimizer",), "flag", secondary="--no-paged-optimizer",
            help="Paged optimizer state (default: on for qlora)."),
     Option("compare_scratch", ("--compare-scratch",), "flag", help="Also price pre-training a model of the same size."),
     *RUN),
    _finetune, terminal="costcurve.cli.decide:show_finetune",
    sections="costcurve.report.sections_decisions:finetune_sections", page="decisions")


# ---- rent-vs-buy ----------------------------------------------------------------------------------
def _rent_vs_buy(o: dict, *, given=()):
    from costcurve.decisions.rent_vs_buy import rent_vs_buy

    res = rent_vs_buy(gpu=o["gpu"], gpus=o["gpus"], utilization=o["utilization"], years=o["years"],
                      price_kind=o["price_kind"], provider=lower(o["provider"]),
                      price_usd_per_gpu_hour=o["price_usd_per_gpu_hour"], chip_price_usd=o["chip_price_usd"],
                      discount_rate=o["discount_rate"], power_usd_per_kwh=o["power_usd_per_kwh"],
                      colocation_usd_per_kw_month=o["colocation_usd_per_kw_month"], resale=o["resale"], date=o["date"],
                      series=o["series"], samples=o["samples"], seed=o["seed"], catalog=catalog_list(o))
    return outcome("rent-vs-buy", o, given, res, res.to_dict())


RENT_VS_BUY = Command(
    "rent-vs-buy", "Rent or buy", "Own or rent accelerators: TCO, NPV, break-even utilization.",
    """Own or rent: total cost, net present value, break-even utilization and payback.

    \b
    Examples:
      costcurve rent-vs-buy --gpu h100 --gpus 512 --utilization 0.7
      costcurve rent-vs-buy --gpu h100 --gpus 512 --utilization 0.5..0.9 --price-kind 3-year --json
    """,
    (Option("gpu", ("--gpu",), "text", default="h100", show_default=True),
     Option("gpus", ("--gpus",), "count", unit="accelerators", low=1, high=2**20, required=True,
            help="Number of accelerators."),
     Option("utilization", ("--utilization",), "fraction", unit="1", low=0, high=1, default="1", show_default=True,
            distribution=True, help="Busy share of the hours, (0, 1]."),
     Option("years", ("--years",), "number", unit="years", low=0, default="5", show_default=True,
            help="Ownership period in years."),
     Option("price_kind", ("--price-kind",), "choice", choices=PRICE_KINDS, default="on-demand", show_default=True,
            help="Which rental price to compare with."),
     Option("provider", ("--provider",), "text", help="Rental prices from this provider only."),
     Option("price_usd_per_gpu_hour", ("--price",), "money", unit="USD/h", low=0, distribution=True,
            help="Rental price in USD per accelerator-hour (default: catalog)."),
     Option("chip_price_usd", ("--chip-price",), "money", unit="USD", low=0, distribution=True,
            help="Purchase price of one accelerator in USD (default: catalog)."),
     Option("discount_rate", ("--discount-rate",), "fraction", unit="1/year", low=0, default="0.07", show_default=True,
            distribution=True, help="Yearly discount rate (cost of capital)."),
     Option("power_usd_per_kwh", ("--power-usd-per-kwh",), "money", unit="USD/kWh", low=0, distribution=True,
            help="Electricity price in USD/kWh (default: docs/cost-defaults.md)."),
     Option("colocation_usd_per_kw_month", ("--colocation-usd-per-kw-month",), "money", unit="USD/(kW·month)", low=0,
            default="184.06", show_default=True, distribution=True,
            help="Colocation rent per kW of server power per month (CBRE H2 2024)."),
     Option("resale", ("--resale",), "fraction", unit="1", low=0, high=1, default="1", show_default=True,
            distribution=True, help="Share of the trend value recovered on sale, [0, 1]."),
     Option("date", ("--date",), "date", help="Purchase date (prices), YYYY-MM-DD (default: today)."),
     Option("series", ("--trend",), "choice", choices=TRENDS, default="gpu-price-performance", show_default=True,
            help="Price-performance trend for resale and rents."),
     *MONTE_CARLO, CATALOG, JSON),
    _rent_vs_buy, terminal="costcurve.cli.decide:show_rent_vs_buy",
    sections="costcurve.report.sections_decisions:rent_vs_buy_sections", page="decisions", cli_name="rent_vs_buy")


# ---- wait -----------------------------------------------------------------------------------------
def _wait(o: dict, *, given=()):
    from costcurve.decisions.wait import decide_wait

    res = decide_wait(training_flop=o["training_flop"], model=o["model"], params=o["params"], tokens=o["tokens"],
                      gpu=o["gpu"], gpus=o["gpus"], deadline=o["deadline"], usd=o["usd"], series=o["series"],
                      **_run_kw(o))
    return outcome("wait", o, given, res, res.to_dict())


WAIT = Command(
    "wait", "Buy now or wait", "Start a run now or wait for cheaper compute (price trend).",
    """Start now or wait for cheaper compute (Gottbrath et al. 1999, "slacking").

    \b
    Examples:
      costcurve wait --flop 3e25 --gpu h100 --gpus 2048
      costcurve wait --model llama3-70b --tokens 15T --gpus 1024 --deadline 2028-01-01 --json
      costcurve wait --flop 3e25 --gpus 2048 --usd 50M
    """,
    (Option("training_flop", ("--flop",), "count", unit="FLOP", low=0, distribution=True,
            help="Training FLOP of the run, e.g. 3e25."),
     Option("model", ("--model",), "text", help="Preset or trained model (with --tokens)."),
     Option("params", ("--params",), "count", unit="parameters", low=1, help="Parameters (with --tokens; 6·N·D)."),
     Option("tokens", ("--tokens",), "count", unit="tokens", low=1, help="Training tokens."),
     Option("gpu", ("--gpu",), "text", default="h100", show_default=True),
     Option("gpus", ("--gpus",), "count", unit="accelerators", low=1, required=True,
            help="Number of accelerators of the run started now."),
     Option("deadline", ("--deadline",), "date", help="Finish by this date (then the start that minimises cost)."),
     Option("usd", ("--usd",), "money", unit="USD", low=0,
            help="Fixed budget in USD: start once the run costs no more (earliest finish)."),
     Option("series", ("--trend",), "choice", choices=TRENDS, default="gpu-price-performance", show_default=True,
            help="Price-performance trend of the price of a FLOP."),
     *RUN),
    _wait, terminal="costcurve.cli.decide:show_wait", sections="costcurve.report.sections_decisions:wait_sections",
    page="decisions")

COMMANDS = {c.name: c for c in (BUDGET, FINETUNE, RENT_VS_BUY, WAIT)}
