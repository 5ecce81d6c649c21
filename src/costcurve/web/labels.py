"""What the web page calls each option, and the example it opens with.

``LABELS``: option name (the JSON key), or "command.name" where one command means something else by
it → the label a person reads, with the unit in brackets; the CLI flag is shown beside it as secondary
text by the page (every option of every form has one: tests/test_web.py). ``HELP``: help lines that speak of the page
instead of the command line (the CLI's own help is kept for every option not listed). ``EXAMPLES``:
the prefilled, computed example each form opens with (values as the API takes them).
"""

from __future__ import annotations

LABELS: dict[str, str] = {
    "model": "Model", "config_json": "Model config (config.json)", "params": "Parameters [count]",
    "active_params": "Active parameters per token [count]", "tokens": "Training tokens [count]",
    "training_flop": "Training compute [FLOP]", "gpu": "Accelerator", "gpus": "Accelerators [count]",
    "days": "Target duration [days]", "mfu": "Model FLOP utilisation [0–1]", "dtype": "Number format",
    "goodput": "Goodput [0–1]", "recompute": "Activation recomputation", "seq_len": "Sequence length [tokens]",
    "price_usd_per_gpu_hour": "Rental price [USD per accelerator-hour]", "provider": "Cloud provider",
    "price_kind": "Price kind", "date": "Price date [YYYY-MM-DD]", "chip_price_usd": "Accelerator price [USD]",
    "pue": "Data-centre PUE [ratio]", "electricity_usd_per_kwh": "Electricity price [USD/kWh]",
    "grid_kg_co2_per_kwh": "Grid carbon intensity [kg CO2/kWh]", "depreciation_per_year": "Depreciation [per year]",
    "server_overhead": "Cluster / accelerator capex [ratio]", "calibration": "Calibration profile (JSON)",
    "uncertainty": "Spread on the defaults (Monte Carlo)", "samples": "Monte Carlo samples [count]",
    "seed": "Random seed", "catalog": "Extra catalog rows (CSV)",
    # serving
    "kv_dtype": "KV-cache format", "group_size": "Quantization group size", "batch": "Batch [sequences]",
    "input_tokens": "Prompt length [tokens]", "output_tokens": "Answer length [tokens]",
    "queries_per_day": "Demand [queries per day]", "max_time_per_output_token_s": "Latency target [s per output token]",
    "max_time_to_first_token_s": "First-token target [s]", "utilization": "Utilization [0–1]",
    "flop_efficiency": "FLOP efficiency [0–1]", "bandwidth_efficiency": "Memory-bandwidth efficiency [0–1]",
    "interconnect_efficiency": "Interconnect efficiency [0–1]", "memory_utilization": "Usable memory share [0–1]",
    "max_batch": "Largest engine batch [sequences]", "engine": "Serving engine", "load_per_s": "Load [requests/s per replica]",
    "length_sigma": "Length spread [log-normal σ]", "ttft_p95_s": "p95 first-token limit [s]",
    "tpot_p95_s": "p95 per-token limit [s]", "gpu_options": "Accelerators to compare",
    "dtype_options": "Weight formats to compare", "disaggregated": "Separate prefill and decode",
    "compare_api": "Compare with API list prices", "max_gpus_per_replica": "Largest replica [accelerators]",
    # planner
    "tp": "Tensor parallel [degree]", "pp": "Pipeline parallel [degree]", "vpp": "Virtual pipeline stages",
    "cp": "Context parallel [degree]", "ep": "Expert parallel [degree]", "dp": "Data parallel [degree]",
    "microbatch": "Microbatch [sequences]", "global_batch": "Global batch [sequences]", "zero": "ZeRO stage",
    "sequence_parallel": "Sequence parallelism", "no_flash_attention": "Without flash attention",
    "deadline_days": "Deadline [days]", "budget_usd": "Budget [USD]", "max_gpus": "Most accelerators [count]",
    "gpus_options": "Accelerator counts to compare", "top": "Plans listed [count]",
    # decisions
    "usd": "Budget [USD]", "law": "Scaling law", "inference_tokens": "Tokens served over its life [count]",
    "unique_tokens": "Unique training tokens [count]", "method": "Method", "rank": "LoRA rank",
    "target_modules": "Adapted modules", "micro_batch": "Sequences per accelerator per step",
    "checkpointing": "Activation checkpointing", "paged_optimizer": "Paged optimizer",
    "compare_scratch": "Also price training from scratch", "years": "Ownership period [years]",
    "discount_rate": "Discount rate [per year]", "power_usd_per_kwh": "Electricity price [USD/kWh]",
    "colocation_usd_per_kw_month": "Colocation [USD per kW-month]", "resale": "Resale share [0–1]",
    "series": "Price-performance trend", "deadline": "Finish by [date]",
    # trends
    "name": "Cost series", "csv_path": "Your own series (CSV)", "points": "Points fitted",
    "since": "From year", "until": "Before year", "capability": "Capability level", "threshold": "MMLU threshold [%]",
    "level": "Interval level [0–1]", "year": "Forecast year", "ci": "Confidence intervals",
    "wright": "Wright's law (cumulative production)", "production_growth": "Production growth [per year]",
    "ids": "Claims",
    # scale-out, FSDP, MoE serving, reasoning
    "scale_out": "Scale-out network [bit/s per accelerator]", "dp_shard": "ZeRO shard group [ranks]",
    "overlap": "Overlap data-parallel communication", "allow_thin_prices": "Include thinly quoted prices",
    "reasoning_tokens": "Thinking tokens [per query]", "expert_parallel": "Expert parallel over the replica",
    "attention_dp": "Attention data parallel",
    # lifecycle
    "growth": "Demand growth [factor per year]", "peak_to_mean": "Peak hour / mean hour [ratio]",
    "hourly_weights": "Demand by hour [24 weights]", "options": "Options compared",
    "api_price_decline": "API price fall [per year]", "rent_price_kind": "Rental price kind",
    "rent_scaling": "Rented capacity follows", "committed_price_kind": "Committed price kind",
    "phase": "Model phase before serving", "phase_tokens": "Phase tokens [count]",
    "finetune_method": "Fine-tuning method", "phase_gpu": "Phase accelerator", "phase_gpus": "Phase accelerators [count]",
    # post-training
    "prompts": "Prompts [per step]", "samples_per_prompt": "Samples [per prompt]",
    "prompt_tokens": "Prompt length [tokens]", "max_output_tokens": "Response cap [tokens]", "steps": "Policy updates [steps]",
    "pools": "Accelerator pools", "generator_gpus": "Generating accelerators [count]",
    "posttrain.overlap": "Overlap generation and training", "reference_model": "Reference model (KL term)",
    "reward_model": "Reward model", "critic_model": "Critic (value) model", "ppo_epochs": "Updates per batch [epochs]",
    "generator_dtype": "Generator number format", "generator_scheduling": "Generator scheduling",
    "posttrain.output_tokens": "Generated tokens [per sample]", "posttrain.gpus": "Accelerators [count, all pools]",
    "lifecycle.gpu": "Accelerators to self-host on", "lifecycle.model": "Serving model",
}

#: help lines that point at the page, where the CLI's point at commands
HELP: dict[str, str] = {
    "gpu": "Pick one from the list (type to search), or type an alias such as h100.",
    "model": "Pick a preset or a published model from the list (type to search), or upload a config.json below.",
    "name": "Pick a bundled series from the list, or upload your own CSV below.",
    "calibration": "A calibration profile written by the measuring tool of costcurve (JSON).",
    "gpu_options": "Comma-separated accelerators from the list, e.g. h100,b200,mi300x.",
    "plan.overlap": "Overlap data-parallel communication with compute (FSDP prefetch; Megatron's gradient-reduce and "
                    "parameter-gather overlap). Default: on.",
}

#: the example each form opens with when the address names no options (computed at once)
EXAMPLES: dict[str, dict[str, object]] = {
    "train": {"model": "llama3-70b", "tokens": "15T", "gpu": "h100", "gpus": "2048"},
    "plan": {"model": "llama3-8b", "tokens": "1T", "gpu_options": "h100,a100,mi300x", "gpus_options": "64,128,256"},
    "infer": {"model": "llama3-8b", "gpu": "h100", "queries_per_day": "10M"},
    "deploy": {"model": "llama3-8b", "queries_per_day": "100M", "gpu_options": "h100,a100,l40s"},
    "budget": {"usd": "2M", "gpu": "h100", "gpus": "256"},
    "finetune": {"model": "llama3-8b", "tokens": "100M", "method": "lora", "gpu": "h100"},
    "rent-vs-buy": {"gpu": "h100", "gpus": "512", "utilization": "0.7"},
    "wait": {"training_flop": "3e25", "gpu": "h100", "gpus": "2048"},
    "forecast": {"name": "gpt3-level", "year": "2030"},
    "trend": {"name": "gpt3-level"},
    "claims": {},
    "lifecycle": {"model": "llama3.1-8b", "gpu": "h100", "queries_per_day": "200K", "growth": "3", "peak_to_mean": "3",
                  "years": "3"},
    "posttrain": {"method": "grpo", "model": "qwen2.5-1.5b", "prompts": "128", "samples_per_prompt": "8",
                  "output_tokens": "3500..5500", "steps": "100", "gpu": "a100", "gpus": "8"},
}

#: the options shown open on each form (the rest fold under "More options"): the example's and the required
CORE: dict[str, tuple[str, ...]] = {
    "train": ("model", "tokens", "gpu", "gpus", "days", "mfu", "dtype", "price_usd_per_gpu_hour", "date"),
    "infer": ("model", "gpu", "gpus", "queries_per_day", "input_tokens", "output_tokens", "max_time_per_output_token_s",
              "price_usd_per_gpu_hour", "date"),
    "plan": ("model", "tokens", "gpu", "gpus", "gpu_options", "gpus_options", "deadline_days", "budget_usd", "date"),
}


def ui_spec() -> dict:
    """Labels, page help, examples and open options, as the page reads them."""
    return {"labels": LABELS, "help": HELP, "examples": EXAMPLES, "core": {k: list(v) for k, v in CORE.items()}}
