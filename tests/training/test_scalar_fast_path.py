"""The scalar fast paths of estimate_training (Python floats, cached fits) answer exactly as the array path."""

import numpy as np
import pytest

from costcurve import estimate_training
from costcurve.errors import CostcurveError, InputError

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


def _random_cases(n, seed):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        yield dict(params=float(10 ** rng.uniform(9.5, 12)), tokens=float(10 ** rng.uniform(10, 13.3)),
                   gpu=str(rng.choice(["h100", "a100", "b200", "mi300x"])), gpus=float(rng.integers(8, 20000)),
                   mfu=float(rng.uniform(0.05, 0.7)), price_usd_per_gpu_hour=float(rng.uniform(0.5, 8)),
                   date="2025-03-01", recompute=str(rng.choice(["none", "full"])))


def test_given_mfu_scalar_path_is_bit_identical_to_the_array_path():
    """Over many random inputs the Python-float path gives the array path's numbers to the bit."""
    for case in _random_cases(200, 1):
        scalar = estimate_training(**case)
        arr = estimate_training(**dict(case, gpus=np.array([case["gpus"]])))
        for name in FIELDS + ("hardware_flop", "cost_acquisition_usd", "cost_energy_usd"):
            assert getattr(scalar, name) == getattr(arr, name)[0] if np.ndim(getattr(arr, name)) else \
                getattr(scalar, name) == getattr(arr, name), name


def test_default_path_scalar_equals_array_path_over_random_sizes():
    """The default MFU (planner through the shape rule, or the regression) and goodput: scalar = array."""
    rng = np.random.default_rng(2)
    for _ in range(12):
        case = dict(params=float(10 ** rng.uniform(9.5, 11.5)), tokens=float(10 ** rng.uniform(11, 13)), gpu="h100",
                    gpus=float(2 ** rng.integers(6, 12)), date="2025-03-01")
        scalar = estimate_training(**case)
        arr = estimate_training(**dict(case, gpus=np.array([case["gpus"]] * 2)))
        assert scalar.mfu_source == arr.mfu_source
        assert scalar.mfu == arr.mfu[0] and scalar.goodput == arr.goodput[0]
        np.testing.assert_allclose(arr.wall_clock_s, scalar.wall_clock_s, rtol=1e-15, atol=0)


def test_goodput_of_floats_is_bit_identical_to_numpy():
    from costcurve.training.planner.goodput import default_goodput

    rng = np.random.default_rng(3)
    n = rng.integers(1, 50000, 500).astype(float)
    params = 10 ** rng.uniform(8, 12.5, 500)
    run = 10 ** rng.uniform(2, 8, 500)
    arrays = default_goodput(n, params, run)
    assert [default_goodput(float(a), float(b), float(c)) for a, b, c in zip(n, params, run)] == arrays.tolist()
    with pytest.raises(InputError):
        default_goodput(0.5, 7e9, 1e6)


@pytest.mark.parametrize("kw", [dict(mfu=1e-300, goodput=1e-300), dict(days=1e-300, goodput=1e-300),
                                dict(days=1e-300, mfu=1e-300)])
def test_an_underflowing_rate_is_a_typed_error(kw):
    """tiny MFU × goodput (or a tiny target time) underflows to 0: a typed error naming an input, not a traceback"""
    base = dict(params=7e9, tokens=2e12, price_usd_per_gpu_hour=2.5)
    with pytest.raises(InputError) as e:
        estimate_training(**base, **({"gpus": 1024} if "days" not in kw else {}), **kw)
    assert e.value.field in kw


def test_result_has_every_field_and_equals_the_dataclass_constructor():
    import dataclasses

    from costcurve.training.estimate import TrainingEstimate

    r = estimate_training(**CASES[2])
    assert set(vars(r)) == {f.name for f in dataclasses.fields(TrainingEstimate)}
    assert dataclasses.replace(r) == r
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.mfu = 0.5


def test_cached_lookups_still_refuse_bad_input_every_time():
    """price choices and model names are looked up once per catalog; a bad value is still refused each call"""
    ok = dict(params=7e9, tokens=2e12, gpu="h100", gpus=1024, date="2024-06-01")
    estimate_training(**ok)
    for _ in range(2):
        with pytest.raises(InputError) as e:
            estimate_training(**dict(ok, price_kind="weekly"))
        assert e.value.field == "price_kind"
        with pytest.raises(InputError) as e:
            estimate_training(**dict(ok, date="1950-01-01"))
        assert e.value.field == "date"
        with pytest.raises(CostcurveError) as e:
            estimate_training(model="no-such-model", tokens=1e12, gpu="h100", gpus=8, mfu=0.4)
        assert e.value.field == "model"


WARM_CASES = [dict(params=p, tokens=2e12, gpu=g, gpus=n, date=d, **extra)
              for p, g, n, d, extra in ((1e9, "a100", 8, "2021-01-15", {}), (7e9, "h100", 1024, "2024-06-01", {}),
                                        (7e10, "b200", 16384, "2026-03", {}), (1e12, "h100", 64, "2030", {}),
                                        (7e9, "h100", 512, "2025-01-01", {"provider": "lambda"}),
                                        (7e9, "h100", 512, "2019-06-01", {"price_kind": "spot"}),
                                        (4e11, "h100", 2048, "2024-06-01", {"active_params": 2e10}))]


@pytest.mark.parametrize("case", WARM_CASES)
def test_warm_caches_answer_as_a_fresh_catalog(case):
    """issue 19: the value caches of the warm path (the catalog price and its note, the shape rule's facts)
    give what a catalog loaded afresh, with nothing cached on it, gives."""
    from costcurve.catalog import Catalog

    warm = [estimate_training(**case).to_dict() for _ in range(2)]
    fresh = estimate_training(**case, catalog=Catalog(())).to_dict()
    assert warm[0] == warm[1] == fresh
