"""Lifecycle and RL post-training benchmarks: the small-team and ChatGPT-scale scenarios from cold (every
deploy search run) and warm (searches cached by value: only the monthly cash flows, the path search and the
2,000-draw Monte Carlo), and posttrain's DeepScaleR stage 1 (alone and with MFU and price ranges) and
DeepSeek-R1-Zero.

Run: python benchmarks/bench_lifecycle.py  (prints medians, seconds)
"""

from __future__ import annotations

import json
from pathlib import Path

from _timing import median_time

EXAMPLES = Path(__file__).parents[1] / "examples"


def main():
    from costcurve.decisions import lifecycle as lc
    from costcurve.decisions.posttrain import estimate_posttrain

    out = {}
    for name in ("small-team", "chatgpt-scale"):
        path = EXAMPLES / f"{name}.toml"

        def cold():
            lc._deploy_cached.cache_clear()
            lc.plan_lifecycle(path)

        out[f"lifecycle_{name}_cold_s"] = median_time(cold, repeat=3)
        out[f"lifecycle_{name}_warm_s"] = median_time(lambda: lc.plan_lifecycle(path), repeat=5)
    stage1 = dict(model="qwen2.5-1.5b", prompts=128, samples_per_prompt=8, prompt_tokens=256, output_tokens=4400,
                  max_output_tokens=8192, steps=1040, gpu="a100", gpus=8)
    out["posttrain_deepscaler_stage1_s"] = median_time(lambda: estimate_posttrain(**stage1), repeat=5)
    out["posttrain_stage1_mfu_price_ranges_10k_draws_s"] = median_time(lambda: estimate_posttrain(
        mfu="0.2..0.4", price_usd_per_gpu_hour="1.5..2.5", **stage1), repeat=5)
    out["posttrain_r1_zero_s"] = median_time(lambda: estimate_posttrain(
        model="deepseek-v3", prompts=512, samples_per_prompt=16, prompt_tokens=300, output_tokens=8000,
        max_output_tokens=32768, steps=650, gpu="h800", gpus=648, generator_dtype="fp8"), repeat=5)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
