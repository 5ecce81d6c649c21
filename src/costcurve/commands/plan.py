"""`plan`: memory, parallel layout, step time, failures and dollars of a training run
(:func:`costcurve.training.planner.plan_training`); with search options, the Pareto front of dollars against
days (:func:`costcurve.training.planner.pareto_plans`)."""

from __future__ import annotations

from .common import CATALOG, JSON, PRICE, catalog_list, lower, outcome
from .spec import Command, Option

#: options that turn a plan into a Pareto search over accelerators and counts
SEARCH = ("deadline_days", "budget_usd", "max_gpus", "gpus_options", "gpu_options", "allow_thin_prices")

OPTIONS = (
    Option("model", ("--model",), "text", required=True, help="Preset (e.g. llama3.1-405b) or path to a config.json."),
    Option("tokens", ("--tokens",), "count", unit="tokens", low=1, help="Training tokens, e.g. 15.6T (default: the models table's)."),
    Option("gpu", ("--gpu",), "text", default="h100", show_default=True, help="Accelerator name or alias."),
    Option("gpus", ("--gpus",), "count", unit="accelerators", low=1, high=2**20, default="8", show_default=True,
           help="Number of accelerators."),
    Option("tp", ("--tp",), "integer", low=1, help="Tensor-parallel degree (searched when not given)."),
    Option("pp", ("--pp",), "integer", low=1, help="Pipeline-parallel degree."),
    Option("vpp", ("--vpp",), "integer", low=1, help="Virtual pipeline stages per accelerator (interleaved schedule)."),
    Option("cp", ("--cp",), "integer", low=1, help="Context-parallel degree."),
    Option("ep", ("--ep",), "integer", low=1, help="Expert-parallel degree (MoE)."),
    Option("dp", ("--dp",), "integer", low=1, help="Data-parallel degree."),
    Option("microbatch", ("--microbatch",), "integer", unit="sequences", low=1, help="Sequences per microbatch."),
    Option("global_batch", ("--global-batch",), "integer", unit="sequences", low=1, high=2**24,
           help="Sequences per step (default: max(4M tokens, gpus/8), a power of two)."),
    Option("seq_len", ("--seq-len",), "count", unit="tokens", low=1,
           help="Training sequence length in tokens (default: the preset's)."),
    Option("zero", ("--zero",), "choice", choices=("0", "1", "2", "3"),
           help="ZeRO stage (1 = Megatron distributed optimizer, 3 = FSDP)."),
    Option("recompute", ("--recompute",), "choice", choices=("none", "selective", "full"), help="Activation recomputation."),
    Option("sequence_parallel", ("--sequence-parallel",), "flag", secondary="--no-sequence-parallel",
           help="Megatron sequence parallelism (default on with tp > 1)."),
    Option("dp_shard", ("--dp-shard",), "integer", low=1,
           help="ZeRO shard group in data-parallel ranks (default: searched; all of dp·cp = FSDP, fewer = hybrid "
                "sharding, HSDP)."),
    Option("overlap", ("--overlap",), "flag", secondary="--no-overlap",
           help="Overlap data-parallel communication with compute (FSDP prefetch, Megatron --overlap-grad-reduce/"
                "--overlap-param-gather; default on)."),
    Option("scale_out", ("--scale-out",), "text",
           help="Scale-out network per accelerator, e.g. 400Gb/s, 3.2Tb/s per node, or an accelerator whose "
                "network to use (default: the interconnect table's)."),
    Option("dtype", ("--dtype",), "choice", choices=("bf16", "fp16", "fp8"), default="bf16", show_default=True),
    Option("goodput", ("--goodput",), "fraction", unit="1", low=0, high=1,
           help="Useful fraction of wall-clock time in (0, 1]; default: the failure model."),
    Option("no_flash_attention", ("--no-flash-attention",), "flag",
           help="Materialise the attention scores (as before flash attention)."),
    Option("deadline_days", ("--deadline-days",), "time", unit="days", low=0,
           help="Keep only plans that finish within this many days (Pareto search)."),
    Option("budget_usd", ("--budget-usd",), "money", unit="USD", low=0,
           help="Keep only plans that cost at most this many dollars (Pareto search)."),
    Option("max_gpus", ("--max-gpus",), "count", unit="accelerators", low=1,
           help="Largest accelerator count to consider (Pareto search)."),
    Option("gpus_options", ("--gpus-options",), "list",
           help="Comma-separated accelerator counts for the Pareto search, e.g. 1024,2048,4096."),
    Option("gpu_options", ("--gpu-options",), "list",
           help="Comma-separated accelerators for the Pareto search, e.g. h100,b200,mi300x."),
    Option("allow_thin_prices", ("--allow-thin-prices",), "flag",
           help="Let prices on fewer than 3 quotes from 2 providers onto the Pareto front (marked thin)."),
    Option("top", ("--top",), "integer", low=1, default="5", show_default=True, help="How many plans to list."),
    Option("csv", ("--csv",), "output", metavar="PATH", help="Also write the plans (or Pareto points) to FILE."),
    *PRICE,
    CATALOG,
    JSON,
)

HELP = """Plan a training run: memory per accelerator, the fastest parallel layout that fits, step time,
    MFU, goodput, days and dollars; with --gpu-options/--gpus-options/--deadline-days/--budget-usd/--max-gpus,
    the Pareto front of dollars against days.

    \b
    Examples:
      costcurve plan --model llama3.1-405b --tokens 15.6T --gpu h100 --gpus 16384
      costcurve plan --model llama3-70b --tokens 15T --gpu h100 --gpus 512 --tp 8 --pp 4 --cp 1 --dp 16 \\
          --microbatch 1 --zero 1 --recompute selective
      costcurve plan --model llama3-8b --tokens 15T --gpu-options h100,b200,mi300x --max-gpus 4096 --json
    """


def is_search(o: dict) -> bool:
    """A Pareto search (over accelerators and counts) rather than one plan."""
    return any(o.get(k) not in (None, False) for k in SEARCH)


def split(text):
    return [x.strip() for x in text.split(",") if x.strip()] if text else None


def compute(o: dict, *, given=(), progress=None):
    kw = dict(model=o["model"], tokens=o["tokens"], tp=o["tp"], pp=o["pp"], vpp=o["vpp"], cp=o["cp"], ep=o["ep"],
              dp=o["dp"], microbatch=o["microbatch"], global_batch=o["global_batch"], seq_len=o["seq_len"],
              zero=None if o["zero"] is None else int(o["zero"]), recompute=o["recompute"],
              sequence_parallel=o["sequence_parallel"], dp_shard=o["dp_shard"], overlap=o["overlap"],
              scale_out=o["scale_out"], dtype=o["dtype"], goodput=o["goodput"],
              flash_attention=not o["no_flash_attention"], price_usd_per_gpu_hour=o["price_usd_per_gpu_hour"],
              provider=lower(o["provider"]), price_kind=o["price_kind"], date=o["date"], catalog=catalog_list(o))
    if is_search(o):
        from costcurve.training.planner import pareto_plans

        res = pareto_plans(gpu_options=split(o["gpu_options"]) or [o["gpu"]], gpus_options=split(o["gpus_options"]),
                           deadline_days=o["deadline_days"], budget_usd=o["budget_usd"], max_gpus=o["max_gpus"],
                           progress=progress, allow_thin_prices=o["allow_thin_prices"], **kw)
        return outcome("plan", o, given, res, search_json(res))
    from costcurve.training.planner import plan_training

    res = plan_training(gpu=o["gpu"], gpus=o["gpus"], top=o["top"], progress=progress, **kw)
    data = res.to_dict()
    ev = evidence(o["gpu"], kw)
    for p in data.get("plans", ()):
        p.update(ev)
    return outcome("plan", o, given, res, data)


def evidence(gpu, kw) -> dict:
    """``price_quotes``, ``price_providers``, ``thin_evidence`` of the plans' rental price (the quote rule)."""
    if kw.get("price_usd_per_gpu_hour") is not None:
        return {"price_quotes": None, "price_providers": None, "thin_evidence": False}
    from costcurve.catalog import load_catalog
    from costcurve.prices import quote_evidence
    from costcurve.units import parse_date

    cat = load_catalog(kw.get("catalog"))
    return quote_evidence(cat, cat.accelerator(gpu).name, parse_date(kw.get("date")), kw.get("price_kind") or "on-demand",
                          kw.get("provider"))


def search_json(res: dict) -> dict:
    """The JSON of a Pareto search: the front's plans, the front, every priced point, the skipped pairs."""
    front = res["pareto"]
    plans = [p["plan"].to_dict() for p in front]
    for d, p in zip(plans, front):
        d.update({k: p[k] for k in ("price_quotes", "price_providers", "thin_evidence")})
    return {"plans": plans,
            "pareto": [{k: v for k, v in p.items() if k != "plan"} for p in front],
            "points": [{k: v for k, v in p.items() if k != "plan"} for p in res["points"]],
            "skipped": res["skipped"]}


COMMAND = Command(
    "plan", "Training plan", "Plan a training run: memory, parallel layout, step time, failures, dollars.", HELP,
    OPTIONS, compute, terminal="costcurve.cli.plan:show", sections="costcurve.report.sections_plan:plan_sections",
    page="training", heavy=True, progress=True,
)
