"""Core benchmarks: one estimate_training call, a vectorized sweep, and `costcurve --help` wall time.

Run: python benchmarks/bench_core.py   (prints medians; figures go in the README)
Targets (issue 2): < 20 µs per call, > 2 million configurations/s, help < 0.3 s; (issue 10) a `train`
call whose default MFU comes from the planner (one layout search, then cached) < 1 s; (issue 19) one call at
least 10× faster than llm-analysis's training analysis in the same run (when llm-analysis is importable).
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
from _timing import median_time


def main():
    from costcurve import estimate_training, load_catalog

    load_catalog()
    scalar_params = lambda: estimate_training(params=7e9, tokens=2e12, gpu="h100", gpus=1024, mfu=0.4,  # noqa: E731
                                              price_usd_per_gpu_hour=2.5)
    scalar_default = lambda: estimate_training(params=7e9, tokens=2e12, gpu="h100", gpus=1024, date="2024-06-01")  # noqa: E731
    scalar_arch = lambda: estimate_training(model="llama3-70b", tokens=15e12, gpu="h100", gpus=4096, mfu=0.4,  # noqa: E731
                                            date="2024-06-01")
    for f in (scalar_params, scalar_default, scalar_arch):
        f()
    res = {
        "estimate_training_params_us": median_time(scalar_params, number=2000) * 1e6,
        "estimate_training_default_mfu_price_us": median_time(scalar_default, number=2000) * 1e6,
        "estimate_training_preset_us": median_time(scalar_arch, number=2000) * 1e6,
    }
    res.update(_llm_analysis(res))
    # the planner's default MFU (architecture + one count): one layout search per new run, cached after
    from costcurve.training import efficiency as mfu_module

    scalar_planner = lambda: estimate_training(model="llama3-70b", tokens=15e12, gpu="h100", gpus=4096,  # noqa: E731
                                               date="2024-06-01")
    scalar_planner()

    def cold():
        mfu_module._planned_mfu.cache_clear()
        scalar_planner()

    res["estimate_training_planner_default_warm_us"] = median_time(scalar_planner, number=200) * 1e6
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
        res[key] = median_time(lambda: subprocess.run([sys.executable, *args], capture_output=True, check=True))
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in res.items()}, indent=2))


def _llm_analysis(ours: dict) -> dict:
    """llm-analysis 0.2.2's training analysis (LLaMA-7B on 1,024 A100s at a given efficiency), timed in this
    run, and how many times slower it is than one ``estimate_training`` (given MFU; default price; preset).

    llm-analysis is not a dependency: ``pip install llm-analysis==0.2.2`` (or put its wheel, with fire,
    six and termcolor, on PYTHONPATH) to include it; without it the comparison is left out.
    """
    try:
        from llm_analysis.analysis import train
    except ImportError:
        return {"llm_analysis": "not installed (pip install llm-analysis==0.2.2)"}
    kw = dict(model_name="decapoda-research_llama-7b-hf", gpu_name="a100-sxm-80gb", dtype_name="w16a16e16",
              log_level="ERROR", seq_len=2048, total_num_tokens=1e12, total_num_gpus=1024, tp_size=1, pp_size=1,
              batch_size_per_gpu=4, global_batch_size=4096, flops_efficiency=0.5, activation_recomputation=1)
    train(**kw)
    t = median_time(lambda: train(**kw), number=100) * 1e6
    out = {"llm_analysis_training_us": t}
    for key in ("estimate_training_params_us", "estimate_training_default_mfu_price_us", "estimate_training_preset_us"):
        out["llm_analysis_over_" + key[:-3]] = t / ours[key]
    return out


if __name__ == "__main__":
    main()
