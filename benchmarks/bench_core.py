"""Core benchmarks: one estimate_training call, a vectorized sweep, and `costcurve --help` wall time.

Run: python benchmarks/bench_core.py   (prints medians; figures go in the README)
The three calls and llm-analysis are timed in turn, repeat by repeat (a shared machine's load moves
within a minute). Targets (issue 2): < 20 µs per call, > 2 million configurations/s, help < 0.3 s; (issue 10) a `train`
call whose default MFU comes from the planner (one layout search, then cached) < 1 s; (issue 19) one call at
least 10× faster than llm-analysis's training analysis in the same run (when llm-analysis is importable).
"""

from __future__ import annotations

import json
import statistics
import sys

import numpy as np
from _timing import command_time, median_time, run_times


def main():
    from costcurve import estimate_training, load_catalog

    load_catalog()
    scalar_params = lambda: estimate_training(params=7e9, tokens=2e12, gpu="h100", gpus=1024, mfu=0.4,  # noqa: E731
                                              price_usd_per_gpu_hour=2.5)
    scalar_default = lambda: estimate_training(params=7e9, tokens=2e12, gpu="h100", gpus=1024, date="2024-06-01")  # noqa: E731
    scalar_arch = lambda: estimate_training(model="llama3-70b", tokens=15e12, gpu="h100", gpus=4096, mfu=0.4,  # noqa: E731
                                            date="2024-06-01")
    # the planner's default MFU (architecture + one count): one layout search per new run, cached after
    scalar_planner = lambda: estimate_training(model="llama3-70b", tokens=15e12, gpu="h100", gpus=4096,  # noqa: E731
                                               date="2024-06-01")
    for f in (scalar_params, scalar_default, scalar_arch, scalar_planner):
        f()
    ours = {"estimate_training_params_us": scalar_params, "estimate_training_default_mfu_price_us": scalar_default,
            "estimate_training_preset_us": scalar_arch, "estimate_training_planner_default_warm_us": scalar_planner}
    res = _interleaved(ours, _llm_analysis_call())
    from costcurve.training import efficiency as mfu_module

    def cold():
        mfu_module._planned_mfu.cache_clear()
        scalar_planner()

    res["estimate_training_planner_default_cold_s"] = median_time(cold, repeat=5)
    # a model given by size, cold: the catalog's fits, the shape rule's architecture and the layout search
    # made again (the warm figure above, estimate_training_default_mfu_price_us, finds them cached by value)
    from costcurve.training import shape_rule

    def cold_by_size():
        load_catalog()._derived.clear()
        shape_rule._synthesize.cache_clear()
        mfu_module._planned_mfu.cache_clear()
        scalar_default()

    res["estimate_training_default_mfu_price_cold_s"] = median_time(cold_by_size, repeat=5)
    n = 1_000_000
    rng = np.random.default_rng(0)
    params = rng.uniform(1e8, 1e12, n)
    tokens = rng.uniform(1e10, 2e13, n)
    gpus = rng.integers(8, 20000, n).astype(float)
    mfu = rng.uniform(0.2, 0.6, n)
    price = rng.uniform(1, 5, n)
    sweep = lambda: estimate_training(params=params, tokens=tokens, gpu="h100", gpus=gpus, mfu=mfu,  # noqa: E731
                                      price_usd_per_gpu_hour=price)
    sweep_default = lambda: estimate_training(params=params, tokens=tokens, gpu="h100", gpus=gpus,  # noqa: E731
                                              price_usd_per_gpu_hour=price)
    t = median_time(sweep, repeat=5)
    res["sweep_1e6_s"] = t
    res["configs_per_s"] = n / t
    t = median_time(sweep_default, repeat=5)
    res["configs_per_s_default_mfu"] = n / t
    train = ["-m", "costcurve", "train", "--gpus", "4096", "--tokens", "15T", "--date", "2024-06-01", "--json"]
    for key, args in (("help_wall_s", ["-m", "costcurve", "--help"]), ("import_wall_s", ["-c", "import costcurve"]),
                      ("python_startup_s", ["-c", "pass"]),
                      ("train_cli_planner_llama3_70b_wall_s", [*train, "--model", "llama3-70b"]),
                      ("train_cli_planner_deepseek_v3_wall_s", [*train, "--model", "deepseek-v3"]),
                      ("train_cli_regression_wall_s", [*train, "--params", "70B"])):
        res[key] = command_time([sys.executable, *args])
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in res.items()}, indent=2))


def _llm_analysis_call():
    """llm-analysis 0.2.2's training analysis (LLaMA-7B on 1,024 A100s at a given efficiency) as a call, or None.

    llm-analysis is not a dependency: ``pip install llm-analysis==0.2.2`` (or put its wheel, with fire,
    six and termcolor, on PYTHONPATH) to include it; without it the comparison is left out.
    """
    try:
        from llm_analysis.analysis import train
    except ImportError:
        return None
    kw = dict(model_name="decapoda-research_llama-7b-hf", gpu_name="a100-sxm-80gb", dtype_name="w16a16e16",
              log_level="ERROR", seq_len=2048, total_num_tokens=1e12, total_num_gpus=1024, tp_size=1, pp_size=1,
              batch_size_per_gpu=4, global_batch_size=4096, flops_efficiency=0.5, activation_recomputation=1)
    train(**kw)
    return lambda: train(**kw)


def _interleaved(ours: dict, theirs, repeat: int = 9) -> dict:
    """Median µs per call of each of ``ours`` (2,000 calls a repeat) and of llm-analysis (100), the repeats
    taken in turn so that both see the same load on a shared machine; with llm-analysis, how many times
    slower it is than each of ours."""
    calls = dict(ours) if theirs is None else dict(ours, llm_analysis_training_us=theirs)
    times = {k: [] for k in calls}
    for _ in range(repeat):
        for key, fn in calls.items():
            times[key] += run_times(fn, repeat=1, number=100 if fn is theirs else 2000)
    out = {k: statistics.median(v) * 1e6 for k, v in times.items()}
    if theirs is None:
        out["llm_analysis"] = "not installed (pip install llm-analysis==0.2.2)"
        return out
    for key in ours:
        out["llm_analysis_over_" + key[:-3]] = out["llm_analysis_training_us"] / out[key]
    return out


if __name__ == "__main__":
    main()
