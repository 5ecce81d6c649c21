"""The scalar fast paths of estimate_training (Python floats, cached fits) answer exactly as the array path."""

import numpy as np
import pytest

from costcurve import estimate_training
from costcurve.errors import InputError

CASES = [dict(params=7e9, tokens=2e12, gpu="h100", gpus=1024, mfu=0.4, price_usd_per_gpu_hour=2.5),
         dict(params=7e9, tokens=2e12, gpu="h100", gpus=1024, date="2024-06-01"),
         dict(model="llama3-70b", tokens=15e12, gpu="h100", gpus=4096, mfu=0.4, date="2024-06-01"),
         dict(params=70e9, tokens=15e12, gpu="a100", gpus=2048, recompute="full", date="2024-06-01")]
FIELDS = ("training_flop", "mfu", "goodput", "wall_clock_s", "gpu_hours", "cost_cloud_usd", "cost_amortized_usd",
          "energy_kwh", "co2_kg")


@pytest.mark.parametrize("case", CASES)
def test_scalar_equals_array_path(case):
    scalar = estimate_training(**case)
    arr = estimate_training(**dict(case, gpus=np.array([case["gpus"], case["gpus"]], dtype=float)))
    assert scalar.mfu_source == arr.mfu_source
    for name in FIELDS:
        # the scalar path uses math where the array path uses numpy: equal to the last bits or so
        np.testing.assert_allclose(getattr(arr, name), getattr(scalar, name), rtol=1e-14, atol=0, err_msg=name)


def test_repeated_call_is_identical():
    a, b = (estimate_training(**CASES[1]).to_dict() for _ in range(2))
    assert a == b


def test_bad_scalar_still_raises_typed_error():
    with pytest.raises(InputError) as e:
        estimate_training(params=7e9, tokens=2e12, gpus=1024, mfu=1.5)
    assert e.value.field == "mfu"
