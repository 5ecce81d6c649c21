"""`lifecycle` and `posttrain`: a product's cost over its life (:mod:`costcurve.decisions.lifecycle`) and
RL post-training (:mod:`costcurve.decisions.posttrain`)."""

from __future__ import annotations

from .common import CATALOG, JSON, catalog_list, lower, outcome
from .spec import Command, Option

LIFECYCLE_OPTIONS = (
    Option('scenario', (), "file", metavar='[SCENARIO]', web=False),
    Option('model', ('--model',), 'text', help='Serving model: preset (e.g. llama3.1-70b) or config.json.'),
    Option('gpu', ('--gpu',), 'text', help='Accelerator(s) to self-host on, comma list (default: every catalog one with a price).'),
    Option('engine', ('--engine',), 'choice', choices=('trtllm', 'vllm', 'sglang'), help='Serving engine profile (default trtllm).'),
    Option('queries_per_day', ('--queries-per-day',), 'text', help='Demand now, e.g. 50M (a range LOW..HIGH too).'),
    Option('growth', ('--growth',), 'text', help='Demand factor per year: 1 flat, 3 = three times a year (a range too).'),
    Option('peak_to_mean', ('--peak-to-mean',), 'text', help='Busiest hour over the mean hour (default 1: flat; a range too).'),
    Option('hourly_weights', ('--hourly-weights',), 'text', help='24 comma-separated relative demands, hour 0..23 (instead of --peak-to-mean).'),
    Option('input_tokens', ('--input-tokens',), 'text', help='Prompt tokens per query (default 161, ShareGPT mean).'),
    Option('output_tokens', ('--output-tokens',), 'text', help='Answer tokens per query (default 338, ShareGPT mean).'),
    Option('reasoning_tokens', ('--reasoning-tokens',), 'text', help='Thinking tokens per query, billed as output by APIs (default 0; a range too).'),
    Option('ttft_p95_s', ('--ttft-p95',), 'text', help='Largest p95 time to first token: seconds or ms (default: none).'),
    Option('tpot_p95_s', ('--tpot-p95',), 'text', help='Largest p95 time per output token: seconds or ms (default: none).'),
    Option('years', ('--years',), 'text', help='Horizon in years (default 3).'),
    Option('discount_rate', ('--discount-rate',), 'text', help='Per year (default 0.07).'),
    Option('date', ('--date',), 'text', help='Start date and date of the prices, YYYY-MM-DD (default: today).'),
    Option('options', ('--options',), 'text', help='Options to compare: api, rent, rent_committed, own (default: all).'),
    Option('capability', ('--capability',), 'text', help="API level BENCH>=X or a preset (default: the model's MMLU in the API table)."),
    Option('api_price_decline', ('--api-price-decline',), 'text', help="Annual fall of the API price, e.g. 0.3 (default: the level's trend)."),
    Option('rent_price_kind', ('--rent-price-kind',), 'choice', choices=('on-demand', 'spot', '1-year', '3-year'), help='Price of the rent option (default on-demand).'),
    Option('rent_scaling', ('--rent-scaling',), 'choice', choices=('hourly', 'peak'), help="Rented replicas per hour or at the month's peak (default hourly)."),
    Option('committed_price_kind', ('--committed-price-kind',), 'choice', choices=('on-demand', 'spot', '1-year', '3-year'), help='Price of rent_committed (default 3-year).'),
    Option('chip_price_usd', ('--chip-price',), 'text', help='Purchase price of one accelerator in USD (default: catalog).'),
    Option('power_usd_per_kwh', ('--power-usd-per-kwh',), 'text', help='Electricity price (default: docs/cost-defaults.md).'),
    Option('colocation_usd_per_kw_month', ('--colocation-usd-per-kw-month',), 'text', help='Colocation per kW of IT power (default 184.06).'),
    Option('resale', ('--resale',), 'text', help='Share of the trend value recovered at the end, 0..1 (default 1).'),
    Option('phase', ('--phase',), 'choice', choices=('none', 'finetune', 'posttrain', 'pretrain'), help='Model phase before serving (default none; posttrain takes a [posttrain] table in the file).'),
    Option('phase_tokens', ('--phase-tokens',), 'text', help='Fine-tuning or pre-training tokens, e.g. 100M.'),
    Option('finetune_method', ('--finetune-method',), 'choice', choices=('full', 'lora', 'qlora'), help='Fine-tuning method (default lora).'),
    Option('phase_gpu', ('--phase-gpu',), 'text', help='Accelerator of the model phase (default h100).'),
    Option('phase_gpus', ('--phase-gpus',), 'text', help='Accelerators of the model phase.'),
    Option('samples', ('--samples',), 'text', help='Monte Carlo draws (default 2000).'),
    Option('seed', ('--seed',), 'text', help='Monte Carlo seed (default 0).'),
    CATALOG,
    JSON,
)

POSTTRAIN_OPTIONS = (
    Option('method', ('--method',), 'choice', choices=('grpo', 'ppo', 'dpo'), default='grpo', show_default=True),
    Option('model', ('--model',), 'text', required=True, help='Policy model: preset or config.json.'),
    Option('prompts', ('--prompts',), 'text', default='512', show_default=True, help='Prompts per step.'),
    Option('samples_per_prompt', ('--samples-per-prompt',), 'text', help='Samples per prompt (default: GRPO 8, PPO 1, DPO 2).'),
    Option('prompt_tokens', ('--prompt-tokens',), 'text', default='512', show_default=True, help='Prompt tokens per sample.'),
    Option('output_tokens', ('--output-tokens',), 'text', default='1024', show_default=True, help='Generated tokens per sample: a mean (log-normal spread) or a distribution, e.g. 2000..16000.'),
    Option('max_output_tokens', ('--max-output-tokens',), 'text', help='Response cap (default: the context left after the prompt).'),
    Option('steps', ('--steps',), 'text', default='1000', show_default=True, help='Policy updates.'),
    Option('gpu', ('--gpu',), 'text', default='h100', show_default=True),
    Option('gpus', ('--gpus',), 'text', default='8', show_default=True, help='All accelerators of the run.'),
    Option('pools', ('--pools',), 'choice', choices=('colocated', 'split'), default='colocated', show_default=True, help='One pool that alternates, or separate generator and trainer pools.'),
    Option('generator_gpus', ('--generator-gpus',), 'text', help='Split pools: accelerators that generate (default half).'),
    Option('overlap', ('--overlap',), 'flag', help='Split pools: generate the next batch while training (one step off-policy).'),
    Option('reference_model', ('--reference-model',), 'text', default='policy', show_default=True, help='Reference for the KL term: policy, a preset, or none.'),
    Option('reward_model', ('--reward-model',), 'text', help='Reward model preset (default: none, verifiable rewards).'),
    Option('critic_model', ('--critic-model',), 'text', default='policy', show_default=True, help='PPO value model: policy, a preset, or none.'),
    Option('ppo_epochs', ('--ppo-epochs',), 'text', default='1', show_default=True, help='Updates per batch of samples.'),
    Option('engine', ('--engine',), 'choice', choices=('trtllm', 'vllm', 'sglang'), default='vllm', show_default=True),
    Option('generator_dtype', ('--generator-dtype',), 'choice', choices=('bf16', 'fp8'), default='bf16', show_default=True,
           help='Generator weights and KV cache.'),
    Option('generator_scheduling', ('--generator-scheduling',), 'choice', choices=('single-step', 'multi-step'),
           default='single-step', show_default=True,
           help='vLLM in-process (RL frameworks: CPU time every step) or as benchmarked.'),
    Option('mfu', ('--mfu',), 'text', help='Training MFU (default: the fitted MFU model; a range LOW..HIGH too).'),
    Option('price_usd_per_gpu_hour', ('--price',), 'text', help='USD per accelerator-hour (default: catalog; a range too).'),
    Option('samples', ('--samples',), 'text', help='Monte Carlo draws when --mfu or --price is a range (default 10000).'),
    Option('seed', ('--seed',), 'text', default='0', show_default=True, help='Seed of the sampled lengths and of the Monte Carlo.'),
    Option('price_kind', ('--price-kind',), 'choice', choices=('on-demand', 'spot', '1-year', '3-year'), default='on-demand', show_default=True),
    Option('provider', ('--provider',), 'text', help='Take catalog prices from this provider only.'),
    Option('date', ('--date',), 'text', help='Date of the prices.'),
    CATALOG,
    JSON,
)

LIFECYCLE_HELP = 'Cost per month of serving a product over its life by an API, rented or owned capacity; the\n    cheapest path, its switch points, utilisation by hour and what drives the spread.\n\n    Options override the SCENARIO file (TOML; see examples/*.toml).\n\n    \x08\n    Examples:\n      costcurve lifecycle examples/small-team.toml\n      costcurve lifecycle --model llama3.1-70b --queries-per-day 50M --growth 3 --peak-to-mean 2.5 --years 3\n      costcurve lifecycle examples/chatgpt-scale.toml --api-price-decline 0.3 --json\n    '
POSTTRAIN_HELP = 'Cost of RL post-training: rollout generation (serving model, refilled batches, long tails),\n    reference/reward/critic passes, the policy update, weight sync; colocated or split pools.\n\n    \x08\n    Examples:\n      costcurve posttrain --method grpo --model qwen2.5-1.5b --prompts 128 --samples-per-prompt 8 \\\n          --output-tokens 4500 --max-output-tokens 8192 --steps 1040 --gpu a100 --gpus 8\n      costcurve posttrain --method ppo --model llama3.1-8b --reward-model llama3.1-8b --gpus 16 --pools split --json\n    '


def _lifecycle(o: dict, *, given=()):
    from costcurve.decisions.lifecycle import plan_lifecycle

    kw = {k: v for k, v in o.items() if k not in ("scenario", "catalog")}
    res = plan_lifecycle(o["scenario"], catalog=catalog_list(o), **kw)
    return outcome("lifecycle", o, given, res, res.to_dict())


def _posttrain(o: dict, *, given=()):
    from costcurve.decisions.posttrain import estimate_posttrain

    kw = {k: v for k, v in o.items() if k not in ("provider", "catalog")}
    res = estimate_posttrain(provider=lower(o["provider"]), catalog=catalog_list(o), **kw)
    return outcome("posttrain", o, given, res, res.to_dict())


LIFECYCLE = Command("lifecycle", "Cost over a product's life",
                    "A product's cost over its life: API, rent or own, switch points.", LIFECYCLE_HELP,
                    LIFECYCLE_OPTIONS, _lifecycle, terminal="costcurve.cli.lifecycle:show_lifecycle", page="decisions",
                    sections="costcurve.report.sections_lifecycle:lifecycle_sections",
                    heavy=True)
POSTTRAIN = Command("posttrain", "RL post-training",
                    "RL post-training (GRPO, PPO, DPO): GPU-hours, days, dollars by part.", POSTTRAIN_HELP,
                    POSTTRAIN_OPTIONS, _posttrain, terminal="costcurve.cli.lifecycle:show_posttrain", page="training",
                    sections="costcurve.report.sections_lifecycle:posttrain_sections")

COMMANDS = {c.name: c for c in (LIFECYCLE, POSTTRAIN)}
