"""A layout that does not fit: the smallest realistic change (issue 10, item 4's exit-2 message)."""

from __future__ import annotations

import re

import pytest

from costcurve.catalog import load_catalog
from costcurve.errors import DoesNotFitError
from costcurve.interconnect import interconnect
from costcurve.training.planner import plan_training

CAT = load_catalog()
NAIVE = dict(tp=1, pp=1, cp=1, microbatch=1, zero=0, recompute="none")
KEYS = ("tp", "pp", "vpp", "cp", "ep", "dp", "microbatch", "zero", "recompute", "sequence_parallel")


def _suggest(gpus, model="llama3-70b"):
    with pytest.raises(DoesNotFitError) as e:
        plan_training(model=model, tokens=15e12, gpu="h100", gpus=gpus, dp=gpus, **NAIVE)
    return str(e.value), e.value.suggestion


@pytest.mark.parametrize("gpus", [64, 512])
def test_suggested_change_fits_and_keeps_tensor_parallelism_in_the_scale_up_domain(gpus):
    """Llama 3 70B, pure data parallelism on 512 H100s used to get "--tp 64 (dp 8)": tensor parallelism over
    InfiniBand, which no team runs. The tp of a suggestion stays within the 8-GPU NVLink domain."""
    msg, fix = _suggest(gpus)
    domain = interconnect(CAT.accelerator("h100")).scale_up_domain
    assert domain == 8
    assert fix is not None and fix["tp"] <= domain
    tp = re.search(r"`tp` (\d+)", msg)  # the library names fields; the CLI shows --tp (test_trust3_fields.py)
    assert tp is None or int(tp.group(1)) <= domain
    assert "smallest change that fits" in msg
    best = plan_training(model="llama3-70b", tokens=15e12, gpu="h100", gpus=gpus, **{k: fix[k] for k in KEYS}).best
    assert best.fits and best.memory_per_gpu_bytes["total"] <= best.memory_capacity_bytes
    # every option the message names differs from the given layout; at most two of them
    named = re.findall(r"`([a-z_]+)` ", msg.split("smallest change that fits: ")[1] + " ")
    assert 1 <= len(named) <= 2


def test_no_small_change_fits_says_so():
    # 70B on 8 H100s: even ZeRO-3 with full recomputation needs 70e9 x 18 B / 8 = 158 GB per GPU
    msg, fix = _suggest(8)
    assert fix is None and "`gpus`" in msg and "`gpu`)" in msg
