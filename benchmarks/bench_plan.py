"""Planner benchmarks: every legal layout of Llama 3.1 405B on 16,384 H100s, a Pareto search over all
catalog accelerators and counts, one `costcurve plan` command's wall time, the layout searches one
`train` runs, and `costcurve train` (planner default) against `costcurve --help` in the same run.

Run: python benchmarks/bench_plan.py   (prints medians; figures go in the README)
"""

from __future__ import annotations

import json
import sys

from _timing import command_time, median_time


def main():
    from costcurve.catalog import load_catalog
    from costcurve.training.planner import enumerate_layouts, pareto_plans, plan_training

    cat = load_catalog()
    arch = cat.architecture("llama3.1-405b")
    n_layouts = len(enumerate_layouts(arch, 16384, 2048, 8192)["tp"])
    search = lambda: plan_training(model="llama3.1-405b", tokens=15.6e12, gpu="h100", gpus=16384, catalog=cat)  # noqa: E731
    search()
    t_search = median_time(search, repeat=5)
    gpus_options = [8, 64, 512, 4096, 16384]
    pareto = lambda: pareto_plans(model="llama3-70b", tokens=15e12, gpu_options=list(cat.accelerators),  # noqa: E731
                                  gpus_options=gpus_options, catalog=cat)
    res = pareto()
    t_pareto = median_time(pareto, repeat=3)
    cmd = [sys.executable, "-m", "costcurve", "plan", "--model", "llama3-70b", "--tokens", "15T", "--gpu", "h100",
           "--gpus", "1024", "--json"]
    t_cli = command_time(cmd, repeat=5)
    train = [sys.executable, "-m", "costcurve", "train", "--model", "llama3-70b", "--gpu", "h100", "--gpus", "2048",
             "--json"]
    t_train = command_time(train, repeat=5)
    t_help = command_time([sys.executable, "-m", "costcurve", "--help"], repeat=5)
    print(json.dumps({
        "layout_searches_per_train": _searches_per_train(),
        "train_command_wall_s": round(t_train, 3), "help_command_wall_s": round(t_help, 3),
        "train_over_help": round(t_train / t_help, 2),
        "llama3.1_405b_16384_h100_layouts": n_layouts,
        "llama3.1_405b_16384_h100_search_s": round(t_search, 3),
        "layouts_per_s": round(n_layouts / t_search),
        "pareto_all_accelerators_x_5_counts_s": round(t_pareto, 2),
        "pareto_accelerators": len(cat.accelerators), "pareto_points": len(res["points"]),
        "pareto_front_size": len(res["pareto"]), "pareto_skipped": len(res["skipped"]),
        "plan_command_wall_s": round(t_cli, 3),
    }, indent=2))


def _searches_per_train() -> int:
    """Layout searches one cold `train --model llama3-70b --gpu h100 --gpus 2048` runs."""
    from costcurve.training import efficiency as mfu
    from costcurve.training.planner import plan as plan_module
    from costcurve.training.estimate import estimate_training

    mfu._planned_mfu.cache_clear()
    calls, real = [], plan_module.search_layouts
    plan_module.search_layouts = lambda *a, **k: calls.append(1) or real(*a, **k)
    try:
        estimate_training(model="llama3-70b", gpu="h100", gpus=2048)
    finally:
        plan_module.search_layouts = real
    return len(calls)


if __name__ == "__main__":
    main()
