"""RL post-training (GRPO, PPO, DPO): accelerator-hours, wall clock, dollars and the share of each part.

One step of on-policy RL over ``P`` prompts × ``K`` samples (Shao et al. 2024, *DeepSeekMath*, §4.1
for GRPO; Ouyang et al. 2022 for PPO; Rafailov et al. 2023 for DPO, which generates nothing):

* **generation** on ``R`` generator replicas of the serving step model (:mod:`costcurve.serving.step`,
  engine profile, default vLLM): each replica decodes its ``P·K/R`` samples with ``B`` slots
  (min(engine cap, what memory holds at the mean context)); a finished sample's slot is refilled
  with the next one (continuous batching: list scheduling, each sample to the slot that frees first).
  With ``L₁ ≤ … ≤ L_B`` the slots' total tokens, decoding takes
  ``Σ_j (L_j − L_{j−1}) · t_cycle(B − j + 1)``: the long tail of lengths leaves the last cycles
  nearly empty. Prefill: every sample's prompt, ``prefill_s + request overhead``.
  With fixed lengths and ``P·K`` a multiple of ``B`` this is ``infer``'s steady state (tested).
* **log-probs**: forward passes of the reference and of the policy before the update, on
  ``P·K·(prompt + response)`` tokens (:func:`costcurve.flop.forward_flop_per_token_breakdown`);
  **reward**: a reward model's forward (none for verifiable rewards); **critic** (PPO): value forward
  plus ``ppo_epochs`` training passes (3 × forward). Each is timed by :func:`costcurve.estimate_training`
  (the same chain and default MFU as ``train``) on the training pool.
* **training**: the policy's full fine-tuning on the same tokens × ``ppo_epochs``
  (:func:`costcurve.decisions.finetune.estimate_finetune`, the same figures ``finetune`` gives).
* **weight sync**: the policy's 16-bit weights to the generator each step, ``bytes / link bandwidth``
  (scale-up inside a node when colocated; the network between split pools).

The generator replica is the smallest of :data:`LAYOUTS` (tensor parallel in a node, then pipeline
stages across nodes; MoE experts over the tensor group; bf16 or fp8) that holds the weights and one
full-length sequence. An RL framework drives vLLM in-process one schedule per step, so each decode
cycle also pays :data:`SINGLE_STEP_CPU_S_PER_SEQUENCE` per running sequence (``generator_scheduling``).

Colocated: one pool runs the parts in turn (wall = their sum). Split: a generator pool and a
training pool; synchronous, each waits for the other (the wait is the ``idle`` share), or with
``overlap`` one step off-policy (wall = max(generation, training side) + sync).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError, NoAnswerError
from ..units import SECONDS_PER_HOUR, number_input

METHODS = ("grpo", "ppo", "dpo")
POOLS = ("colocated", "split")
PARTS = ("generation", "log_probs", "reward", "critic", "training", "weight_sync", "idle")
DEFAULT_SAMPLES = {"grpo": 8, "ppo": 1, "dpo": 2}  #: GRPO group size 8 (DeepScaleR stage 1); DPO: a pair
LENGTH_SIGMA = 1.0  #: log-space spread of generated lengths when a mean is given (as the serving load model)
#: CPU time per running sequence per decode step of an in-process vLLM generator without multi-step
#: scheduling [s]. RL frameworks call ``LLM.generate`` with one schedule per step (verl 0.2 pins vLLM 0.6.3,
#: ``num_scheduler_steps`` 1, and asks for ``logprobs=1``), so the scheduler and output processing that the
#: serving profile's multi-step fit hides are paid every step. Derived, not fitted: the vLLM blog
#: (2024-09-05, "vLLM v0.6.0: 2.7x Throughput Improvement") profiles Llama 3 8B on 1 H100 at 38% GPU
#: execution and 29% scheduling; costcurve's vLLM step for that model at the 256-sequence cap and ShareGPT's
#: mean context is 14.8 ms, so scheduling is 29/38 × 14.8 ms = 11.3 ms per step, 44 µs per sequence
#: (tests/decisions/test_posttrain.py re-derives it). Python loops over the running sequences: linear in the batch.
SINGLE_STEP_CPU_S_PER_SEQUENCE = 29 / 38 * 0.014794 / 256
#: (tensor, pipeline) layouts tried for a generator replica, smallest first: one node, then 2-8 nodes
LAYOUTS = ((1, 1), (2, 1), (4, 1), (8, 1), (8, 2), (8, 4), (8, 8))


@dataclass(frozen=True)
class PosttrainEstimate:
    """Result of :func:`estimate_posttrain`; hours are accelerator-hours unless named wall clock."""

    method: str
    model: str
    gpu: str
    gpus: int
    pools: str
    steps: int
    prompts: int  #: per step [count]
    samples_per_prompt: int
    gpu_hours: float  #: [h]
    wall_clock_days: float
    cost_usd: float
    price_usd_per_gpu_hour: float
    price_source: str
    shares: dict  #: part -> share of the accelerator-hours, sums to 1
    parts_gpu_hours: dict  #: part -> accelerator-hours, sums to gpu_hours [h]
    step_s: dict  #: part -> seconds per step on its pool [s]
    generation: dict  #: replicas, tp, batch cap, mean running batch, tokens generated per step
    training: dict  #: the finetune estimate of the policy update (per step)
    notes: tuple = field(default=())
    uncertainty: dict | None = None  #: p5/p50/p95 over ranges of mfu and price (``_monte_carlo``); None without

    def to_dict(self) -> dict:
        from ..results import jsonable

        return jsonable({k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(self).items()})


def lengths_sample(output_tokens, n: int, max_tokens: int, seed=0) -> np.ndarray:
    """``n`` generated lengths [tokens]: a mean (log-normal, σ = 1) or a distribution, capped at ``max_tokens``."""
    from ..uncertainty import is_distribution, parse_dist

    rng = np.random.default_rng(seed)
    if is_distribution(output_tokens):
        x = parse_dist(output_tokens, "output_tokens").sample(rng, n, 0.0, math.inf, field="output_tokens")
    else:
        mean = float(number_input(output_tokens, "output_tokens"))
        mu = math.log(mean) - LENGTH_SIGMA ** 2 / 2
        x = rng.lognormal(mu, LENGTH_SIGMA, n)
    return np.clip(np.round(x), 1, max_tokens)


def decode_makespan_s(lengths, slots: int, cycle_s) -> tuple[float, float]:
    """(seconds to decode every sequence with ``slots`` refilled slots, mean running batch) [s, count].

    ``cycle_s[b]``: one decode cycle with ``b`` running sequences (index 0..slots). Sequences go, in
    order, to the slot that frees first.
    """
    L = [float(x) for x in lengths]
    B = max(1, min(int(slots), len(L)))
    heap = [0.0] * B
    for x in L:
        heapq.heappush(heap, heapq.heappop(heap) + x)
    ends = np.sort(np.array(heap))
    spans = np.diff(ends, prepend=0.0)  # tokens during which B − j sequences still run
    running = B - np.arange(B)
    t = float(np.sum(spans * np.asarray(cycle_s)[running]))
    return t, float(np.sum(spans * running) / max(ends[-1], 1.0))


def _generator(arch, acc, engine, gpus_gen, prompt_tokens, out_mean, max_out, dtype="bf16"):
    """The smallest replica (tensor × pipeline parallel, :data:`LAYOUTS`; MoE experts spread over the
    tensor group) of the serving step model that holds the weights and one full-length sequence."""
    from ..serving.engines import engine_profile
    from ..serving.step import Replica, max_batch

    prof = engine_profile(engine)
    for tp, pp in LAYOUTS:
        if tp * pp > gpus_gen or pp > arch.n_layers:
            break
        r = Replica(arch, acc, prof, tp=tp, pp=pp, expert_parallel=bool(arch.is_moe and tp > 1), dtype=dtype,
                    kv_dtype="fp8" if dtype == "fp8" else "bf16")
        cap = float(max_batch(r, prompt_tokens, out_mean))
        full = float(max_batch(r, prompt_tokens + max_out, 0.0))
        if cap >= 1 and full >= 1:
            return r, int(min(cap, prof.max_batch))
    raise NoAnswerError(f"{arch.name} in {dtype} with {prompt_tokens + max_out:,.0f}-token sequences fits on no replica "
                        f"of up to {min(gpus_gen, 64)} × {acc.name} of the generator pool (8 per node, up to 8 "
                        "pipeline stages); try `generator_dtype` fp8 or more accelerators", field="gpus")


def generation_step_s(r, slots, prompts, samples, prompt_tokens, lengths, replicas, cpu_s_per_sequence=0.0):
    """Wall seconds of one step's generation and its details (the busiest replica sets the pace).

    ``cpu_s_per_sequence``: scheduling time per running sequence per decode step added to the cycle
    (:data:`SINGLE_STEP_CPU_S_PER_SEQUENCE` for an in-process generator) [s]."""
    from ..serving.step import decode_cycle_s, prefill_s

    n = prompts * samples
    per = int(math.ceil(n / replicas))
    L = lengths[:per]
    ctx = prompt_tokens + (float(np.mean(L)) + 1) / 2
    running = np.maximum(np.arange(slots + 1, dtype=float), 1.0)
    cycle = decode_cycle_s(r, running, ctx) + cpu_s_per_sequence * running
    decode, mean_batch = decode_makespan_s(L, slots, cycle)
    prefill = per * (float(prefill_s(r, prompt_tokens)) + r.profile.request_overhead_s)
    return decode + prefill, {"replicas": replicas, "tp": r.tp, "batch_cap": slots, "sequences_per_replica": per,
                              "mean_running_batch": mean_batch, "batch_fill": mean_batch / max(min(slots, per), 1),
                              "decode_s": decode, "prefill_s": prefill,
                              "tokens_generated_per_step": float(np.mean(L)) * n,
                              "pp": r.pp, "dtype": r.dtype, "cpu_s_per_sequence_step": cpu_s_per_sequence}


def _forward_flop(arch, tokens, seq_len) -> float:
    from ..flop import forward_flop_per_token_breakdown

    return float(sum(forward_flop_per_token_breakdown(arch, int(seq_len)).values())) * tokens


def _arch(cat, name, field_):
    from ..inputs import resolve_model

    n, arch, _ = resolve_model(name, cat)
    if arch is None:
        raise InputError(f"{n!r} has no architecture preset; give a preset or a config.json", field=field_)
    return arch


def estimate_posttrain(*, model, method="grpo", prompts=512, samples_per_prompt=None, prompt_tokens=512,
                       output_tokens=1024, max_output_tokens=None, steps=1000, gpu="h100", gpus=8, pools="colocated",
                       generator_gpus=None, overlap=False, reference_model="policy", reward_model=None,
                       critic_model="policy", ppo_epochs=1, engine="vllm", mfu=None, price_usd_per_gpu_hour=None,
                       provider=None, price_kind="on-demand", date=None, catalog=None, seed=0, generator_dtype="bf16",
                       generator_scheduling="single-step", samples=None) -> PosttrainEstimate:
    """Accelerator-hours, wall clock, dollars and shares of an RL post-training run (module docstring).

    prompts per step, samples_per_prompt (GRPO group; default 8, PPO 1, DPO 2: a preference pair),
    prompt_tokens and output_tokens [tokens] (output: a mean, log-normal σ = 1, or a distribution such
    as ``2000..16000``), max_output_tokens: the response cap [tokens] (default: the context left),
    steps [count]; gpus: all accelerators; pools: colocated | split (generator_gpus of them generate,
    default half); reference_model / critic_model: a preset, ``policy`` (the same) or ``none``;
    reward_model: a preset or None (verifiable rewards); ppo_epochs: updates per batch;
    generator_dtype: bf16 | fp8 weights (and KV cache) of the generator; generator_scheduling:
    single-step (an RL framework's in-process vLLM, :data:`SINGLE_STEP_CPU_S_PER_SEQUENCE`) | multi-step
    (the serving profile as benchmarked). ``mfu`` and ``price_usd_per_gpu_hour`` may be ranges: a
    Monte Carlo of ``samples`` seeded draws (:func:`_monte_carlo`) gives p5/p50/p95 in ``uncertainty``.
    """
    from ..catalog import Catalog, load_catalog
    from .finetune import estimate_finetune
    from ._chain import require_price, run_training
    from ..uncertainty import check_samples, check_seed

    cat = catalog if isinstance(catalog, Catalog) else load_catalog(catalog)
    dists, mfu, price_usd_per_gpu_hour = _ranges(mfu, price_usd_per_gpu_hour)
    seed = check_seed(seed) or 0
    if samples is not None:
        check_samples(samples)
    gdtype = _pick(generator_dtype, ("bf16", "fp8"), "generator_dtype")
    sched = _pick(generator_scheduling, ("single-step", "multi-step"), "generator_scheduling")
    method = _pick(method, METHODS, "method")
    pools = _pick(pools, POOLS, "pools")
    arch = _arch(cat, model, "model")
    acc = cat.accelerator(gpu)
    G = int(number_input(gpus, "gpus", integer=True, upper=2**20))
    P = int(number_input(prompts, "prompts", integer=True, upper=2**24))
    K = int(number_input(samples_per_prompt if samples_per_prompt is not None else DEFAULT_SAMPLES[method],
                         "samples_per_prompt", integer=True, upper=4096))
    S = int(number_input(steps, "steps", integer=True, upper=1e7))
    I = float(number_input(prompt_tokens, "prompt_tokens", integer=True))
    epochs = int(number_input(ppo_epochs, "ppo_epochs", integer=True, upper=100))
    cap = int(number_input(max_output_tokens, "max_output_tokens", integer=True)) if max_output_tokens is not None \
        else int(max(arch.context_length - I, 1))
    if I + 1 > arch.context_length:
        raise InputError(f"{I:,.0f} prompt tokens leave no room in {arch.name}'s {arch.context_length:,}-token context",
                         field="prompt_tokens")
    L = lengths_sample(output_tokens, P * K, cap, seed)
    O = float(np.mean(L))
    Gg, Gt = _pool_sizes(pools, G, generator_gpus)
    chain = dict(gpu=acc.name, gpus=Gt, mfu=mfu, price_usd_per_gpu_hour=price_usd_per_gpu_hour, provider=provider,
                 price_kind=price_kind, date=date, catalog=cat)
    seq = I + O
    tokens = P * K * seq
    t = {p: 0.0 for p in PARTS}
    gen = {}
    if method != "dpo":
        r, slots = _generator(arch, acc, engine, Gg, I, O, cap, gdtype)
        cpu = SINGLE_STEP_CPU_S_PER_SEQUENCE if sched == "single-step" and r.profile.engine == "vllm" else 0.0
        t["generation"], gen = generation_step_s(r, slots, P, K, I, L, max(Gg // r.gpus, 1), cpu)
    lp_flop = _forward_flop(arch, tokens, seq) * ((method != "dpo") + _extra(reference_model))
    est = run_training(chain, training_flop=lp_flop * S, params=_n(arch), tokens=tokens * S)
    require_price(est)
    t["log_probs"] = float(est.wall_clock_s) / S
    if reward_model:
        ra = _arch(cat, reward_model, "reward_model")
        t["reward"] = float(run_training(chain, training_flop=_forward_flop(ra, tokens, seq) * S, params=_n(ra),
                                         tokens=tokens * S).wall_clock_s) / S
    if method == "ppo" and _extra(critic_model):
        ca = arch if critic_model in (None, "policy") else _arch(cat, critic_model, "critic_model")
        f = _forward_flop(ca, tokens, seq) * (1 + 3 * epochs)
        t["critic"] = float(run_training(chain, training_flop=f * S, params=_n(ca), tokens=tokens * S).wall_clock_s) / S
    ft = estimate_finetune(model=arch, method="full", tokens=tokens * epochs * S, gpu=acc.name, gpus=Gt,
                           seq_len=int(round(seq)), mfu=mfu, price_usd_per_gpu_hour=price_usd_per_gpu_hour,
                           provider=provider, price_kind=price_kind, date=date, catalog=cat)
    t["training"] = float(ft.wall_clock_hours) * SECONDS_PER_HOUR / S
    if method != "dpo":
        t["weight_sync"] = _sync_s(arch, acc, G, pools)
    res = _assemble(locals())
    return _monte_carlo(res, dists, mfu, samples, seed, overlap) if dists else res


def _pool_sizes(pools, G, generator_gpus) -> tuple[int, int]:
    """(generating, training) accelerators: all of them both ways when colocated."""
    if pools != "split":
        return G, G
    Gg = int(number_input(generator_gpus, "generator_gpus", integer=True)) if generator_gpus is not None else G // 2
    if not 1 <= Gg < G:
        raise InputError(f"got {Gg}; allowed: 1..{G - 1} of the {G} accelerators (the rest train)",
                         field="generator_gpus")
    return Gg, G - Gg


def _ranges(mfu, price):
    """(distributions of the ranges given, MFU point, price point): a range's point is its median; each
    end is checked as a single value would be (MFU in (0, 1], price > 0)."""
    from ..uncertainty import is_distribution, parse_dist

    dists = {k: parse_dist(v, k) for k, v in (("mfu", mfu), ("price_usd_per_gpu_hour", price)) if is_distribution(v)}
    for k, d in dists.items():
        for v in d.params[:1] if d.kind in ("normal", "fixed") else d.params:
            number_input(v, k, kind="plain", upper=1.0 if k == "mfu" else None)
    mfu = dists["mfu"].median if "mfu" in dists else mfu
    price = dists["price_usd_per_gpu_hour"].median if "price_usd_per_gpu_hour" in dists else price
    mfu = None if mfu is None else float(number_input(mfu, "mfu", kind="plain", upper=1.0))
    price = None if price is None else float(number_input(price, "price_usd_per_gpu_hour", kind="plain"))
    return dists, mfu, price


def _monte_carlo(res: PosttrainEstimate, dists: dict, mfu_point, samples, seed, overlap) -> PosttrainEstimate:
    """p5/p50/p95 of accelerator-hours, wall clock and dollars over ranges of ``mfu`` and the price.

    Exact, not re-run: at a given MFU every training-side part (log-probs, reward, critic, update) is
    FLOP / (accelerators × peak × MFU), so a draw ``m`` scales those parts by ``m_point / m``; generation
    and weight sync do not depend on it; dollars are accelerator-hours × the drawn price. Without a
    given MFU point (the fitted model's), a range needs one: the median of the range is the point.
    """
    import dataclasses

    from ..uncertainty import check_samples, check_seed, draw, sensitivity, summarize

    n = check_samples(samples)
    rng = np.random.default_rng(check_seed(seed))
    x = draw(dists, rng, n)
    m = x.get("mfu")
    scale = float(mfu_point) / m if m is not None else np.ones(n)
    t = res.step_s
    train = sum(t[p] for p in ("log_probs", "reward", "critic", "training"))
    with np.errstate(over="ignore", invalid="ignore"):
        if overlap and res.pools == "split":
            wall = np.maximum(t["generation"], train * scale) + t["weight_sync"]
        else:
            wall = t["generation"] + train * scale + t["weight_sync"]
        gh = wall * res.gpus * res.steps / SECONDS_PER_HOUR
        cost = gh * x.get("price_usd_per_gpu_hour", np.full(n, res.price_usd_per_gpu_hour))
        out = {"gpu_hours": summarize(gh), "wall_clock_days": summarize(wall * res.steps / 86400.0),
               "cost_usd": summarize(cost)}
    if not np.all(np.isfinite(cost)) or not all(math.isfinite(v) for s in out.values() for v in s.values()):
        raise NoAnswerError("a draw of the range gave a non-finite cost; narrow the range", field=next(iter(dists)))
    out.update(samples=n, seed=seed, drivers=sensitivity(x, cost))
    return dataclasses.replace(res, uncertainty=out)


def _assemble(v) -> PosttrainEstimate:
    """Wall clock, accelerator-hours and shares from the per-step part times ``t``."""
    t, S, G, Gg, Gt, pools = v["t"], v["S"], v["G"], v["Gg"], v["Gt"], v["pools"]
    train_side = t["log_probs"] + t["reward"] + t["critic"] + t["training"]
    gpu_s = {p: 0.0 for p in PARTS}
    if pools == "colocated":
        wall = t["generation"] + train_side + t["weight_sync"]
        gpu_s.update({p: t[p] * G for p in PARTS if p != "idle"})
    else:
        core = max(t["generation"], train_side) if v["overlap"] else t["generation"] + train_side
        wall = core + t["weight_sync"]
        gpu_s.update({"generation": t["generation"] * Gg, "weight_sync": t["weight_sync"] * G,
                      **{p: t[p] * Gt for p in ("log_probs", "reward", "critic", "training")}})
        gpu_s["idle"] = core * G - gpu_s["generation"] - sum(t[p] * Gt for p in ("log_probs", "reward", "critic",
                                                                                  "training"))
    total = wall * G
    parts = {p: gpu_s[p] * S / SECONDS_PER_HOUR for p in PARTS}
    price = float(v["est"].price_usd_per_gpu_hour)
    notes = ["the samples of one prompt share its prefix; prefix caching, which would prefill it once, is left out"
             ] if v["K"] > 1 else []
    if v["method"] == "dpo":
        notes = ["DPO is offline: preference pairs are given, nothing is generated"]
    gh = total * S / SECONDS_PER_HOUR
    return PosttrainEstimate(
        method=v["method"], model=v["arch"].name, gpu=v["acc"].name, gpus=G, pools=pools, steps=S, prompts=v["P"],
        samples_per_prompt=v["K"], gpu_hours=gh, wall_clock_days=wall * S / 86400.0, cost_usd=gh * price,
        price_usd_per_gpu_hour=price, price_source=v["est"].price_source,
        shares={p: parts[p] / gh for p in PARTS}, parts_gpu_hours=parts, step_s=dict(t), generation=v["gen"],
        training={"tokens_per_step": v["tokens"] * v["epochs"], "mfu": float(v["ft"].mfu),
                  "wall_clock_hours": float(v["ft"].wall_clock_hours), "gpus": Gt,
                  "generated_tokens_mean": v["O"], "max_output_tokens": v["cap"]},
        notes=tuple(notes))


def _sync_s(arch, acc, G, pools) -> float:
    """The policy's bf16 weights to the generator: bytes / link bandwidth + latency. [s]"""
    from costcurve.serving import replica_memory as mem
    from ..serving.engines import engine_profile
    from ..serving.step import Replica

    r = Replica(arch, acc, engine_profile("vllm"))
    group = min(G, 8) if pools == "colocated" else G
    bw, lat, _ = r.link(max(group, 2))
    return mem.weight_bytes(arch, "bf16") / bw + lat


def _n(arch) -> float:
    from ..architecture import count_params

    return count_params(arch, active=True)


def _extra(name) -> int:
    return 0 if name is None or str(name).strip().lower() == "none" else 1


def _pick(v, allowed, field_):
    s = str(v).strip().lower()
    if s not in allowed:
        raise InputError(f"got {str(v)[:30]!r}; allowed: {', '.join(allowed)}", field=field_)
    return s
