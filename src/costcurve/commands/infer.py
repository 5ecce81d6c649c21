"""`infer`: memory, latency, tokens/s and dollars of serving a model
(:func:`costcurve.serving.estimate.estimate_inference`)."""

from __future__ import annotations

from .common import CALIBRATION, CATALOG, JSON, MONTE_CARLO, PRICE, catalog_list, lower, outcome, plot
from .spec import Command, Option

DTYPES = ("bf16", "fp16", "fp8", "int8", "int4")
ENGINES = ("trtllm", "vllm", "sglang")

OPTIONS = (
    Option("model", ("--model",), "text", required=True,
           help="Preset (e.g. llama3-70b) or path to a Hugging Face config.json."),
    Option("gpu", ("--gpu",), "text", default="h100", show_default=True,
           help="Accelerator name or alias (see `costcurve catalog gpus`)."),
    Option("gpus", ("--gpus",), "count", unit="accelerators", low=1, distribution=True,
           help="Accelerators per replica (tensor parallel); default: the smallest power of two that fits."),
    Option("dtype", ("--dtype",), "choice", choices=DTYPES,
           help="Weight dtype (default: the chip's 16-bit format, bf16 or fp16 on V100/T4; int8/int4 are weight-only)."),
    Option("kv_dtype", ("--kv-dtype",), "choice", choices=DTYPES,
           help="KV cache dtype (default: fp8 with fp8 weights, else the chip's 16-bit format)."),
    Option("group_size", ("--group-size",), "integer", low=1,
           help="Quantization group size of int4/int8 weights, a whole number (default 128 for int4)."),
    Option("batch", ("--batch",), "count", unit="sequences", low=1, distribution=True,
           help="Sequences decoded together; default: the largest that fits and meets --latency-target, "
                "or without one keeps 25 tokens/s per user (MLPerf Inference v5.0 interactive)."),
    Option("input_tokens", ("--input-tokens",), "count", unit="tokens", low=0, distribution=True,
           help="Prompt tokens per query (default 161, ShareGPT mean)."),
    Option("output_tokens", ("--output-tokens",), "count", unit="tokens", low=1, distribution=True,
           help="Generated tokens per query (default 338, ShareGPT mean)."),
    Option("reasoning_tokens", ("--reasoning-tokens",), "count", unit="tokens", low=0, distribution=True,
           help="Thinking tokens per query, decoded before the answer (default 0; a range too)."),
    Option("queries_per_day", ("--queries-per-day",), "count", unit="queries/day", low=0, distribution=True,
           help="Demand to serve, e.g. 8.5B: gives accelerators and dollars per day."),
    Option("max_time_per_output_token_s", ("--latency-target",), "time", unit="s", low=0,
           help="Largest mean time per output token: 50ms, 0.05s or plain seconds (0.05 = 20 tokens/s per user)."),
    Option("max_time_to_first_token_s", ("--ttft-target",), "time", unit="s", low=0,
           help="Largest time to first token: 500ms, 0.5s or plain seconds (checked, reported)."),
    *PRICE,
    Option("utilization", ("--utilization",), "fraction", unit="1", low=0, high=1, default="1", show_default=True,
           distribution=True, help="Share of paid accelerator time spent serving."),
    Option("flop_efficiency", ("--flop-efficiency",), "fraction", unit="1", low=0, high=1, distribution=True,
           help="Achieved / peak FLOP/s (default 0.45, docs/inference.md)."),
    Option("bandwidth_efficiency", ("--bandwidth-efficiency",), "fraction", unit="1", low=0, high=1,
           distribution=True, help="Achieved / peak memory bandwidth (default 0.75)."),
    Option("interconnect_efficiency", ("--interconnect-efficiency",), "fraction", unit="1", low=0, high=1,
           distribution=True, help="Achieved / peak link bandwidth in all-reduce (default 0.7)."),
    Option("memory_utilization", ("--memory-utilization",), "fraction", unit="1", low=0, high=1,
           help="Engine's memory share (default 0.9): of all memory (vLLM, SGLang), or for the KV cache of what "
                "weights and activations leave free (TensorRT-LLM)."),
    Option("max_batch", ("--max-batch",), "count", unit="sequences", low=1, help="Engine's largest batch (default 2048)."),
    Option("engine", ("--engine",), "choice", choices=ENGINES, default="trtllm", show_default=True,
           help="Serving engine profile: efficiencies, per-step and per-request overheads and batch cap fitted on "
                "that engine's published figures (docs/serving.md); explicit --*-efficiency options win."),
    Option("load_per_s", ("--load",), "number", unit="requests/s", low=0,
           help="Arrival rate per replica in requests/s: adds p95 TTFT and TPOT (load model)."),
    Option("expert_parallel", ("--expert-parallel",), "flag",
           help="MoE: routed experts whole on the --gpus ranks (E/gpus each) with all-to-all dispatch and combine."),
    Option("attention_dp", ("--attention-dp",), "flag",
           help="MoE: attention data parallel over the ranks, each holding its own requests' KV cache (implies "
                "--expert-parallel; TensorRT-LLM's DEP)."),
    Option("disaggregated", ("--disaggregated",), "flag",
           help="Separate prefill and decode pools: time per output token without prefill stalls (docs/serving.md)."),
    CALIBRATION,
    Option("uncertainty", ("--uncertainty",), "flag", help="Monte Carlo with spread on the default price and efficiencies too."),
    *MONTE_CARLO,
    plot("Write the cost-per-query distribution to FILE (.png, .svg or .pdf)."),
    CATALOG,
    JSON,
)

HELP = """Estimate memory, latency, throughput and dollars of serving a model on accelerators.

    A model that does not fit exits with code 2 and one line: the memory it needs, the memory
    there is, and the smallest accelerator count that fits.

    Any number may be a range or distribution (LOW..HIGH as a 90% interval, normal(mu,sd), ...);
    the output then shows p50 (p5–p95).

    \b
    Examples:
      costcurve infer --model llama3-70b --gpu h100 --gpus 4 --dtype fp8
      costcurve infer --model gpt3-175b --gpu a100 --gpus 8 --date 2023-06-01 --input-tokens 1024
      costcurve infer --model llama3-8b --gpu h100 --queries-per-day 8.5B --latency-target 0.05 --json
      costcurve infer --model qwen3-235b-a22b --gpu h200 --gpus 4 --dtype fp8 --attention-dp
    """

#: options passed to estimate_inference under their own name
PASSED = ("model", "gpu", "gpus", "dtype", "kv_dtype", "group_size", "batch", "input_tokens", "output_tokens",
          "reasoning_tokens",
          "queries_per_day", "max_time_per_output_token_s", "max_time_to_first_token_s", "price_usd_per_gpu_hour",
          "price_kind", "date", "utilization", "flop_efficiency", "bandwidth_efficiency", "interconnect_efficiency",
          "memory_utilization", "max_batch", "calibration", "samples", "seed", "uncertainty", "engine", "load_per_s")


#: layout flags: on, or left to the library's choice (None)
LAYOUT = ("expert_parallel", "attention_dp", "disaggregated")


def compute(o: dict, *, given=()):
    from costcurve.serving.estimate import estimate_inference

    from .train import price_quotes

    est = estimate_inference(**{k: o[k] for k in PASSED}, provider=lower(o["provider"]), catalog=catalog_list(o),
                             **{k: o[k] or None for k in LAYOUT})
    return outcome("infer", o, given, est, {**est.to_dict(), **price_quotes(est, o)})


COMMAND = Command(
    "infer", "Serving cost", "Estimate memory, latency, tokens/s and dollars of serving a model.", HELP, OPTIONS,
    compute, terminal="costcurve.cli.infer:show", sections="costcurve.report.sections:infer_sections", page="serving",
)
