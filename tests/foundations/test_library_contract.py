"""The Python API holds the command line's contract: every bad argument raises a costcurve error
(a subclass of CostcurveError) whose ``field`` names the parameter; nothing bad is accepted.
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import numpy as np
import pytest

from costcurve.calibration import calibrated_mfu, load_profile
from costcurve.costs import DEFAULT_ASSUMPTIONS, CostAssumptions
from costcurve.errors import CostcurveError
from costcurve.serving.estimate import estimate_inference
from costcurve.training.estimate import estimate_training
from costcurve.uncertainty import check_samples, parse_dist
from costcurve.units import number_input, parse_date, parse_quantity

HF = Path(__file__).parents[1] / "data" / "hf"
T_OK = dict(params=7e9, tokens=1e12, gpu="h100", gpus=8, mfu=0.4, price_usd_per_gpu_hour=2.0)
I_OK = dict(model="llama3-8b", gpu="h100", gpus=1, price_usd_per_gpu_hour=2.0)


def T(**kw):
    return lambda: estimate_training(**{**T_OK, **kw})


def T_only(**kw):
    return lambda: estimate_training(**kw)


def I(**kw):  # noqa: E743
    return lambda: estimate_inference(**{**I_OK, **kw})


def C(**kw):
    return lambda: dataclasses.replace(DEFAULT_ASSUMPTIONS, **kw)


BAD = [
    # estimate_training: numbers
    ("T params=0", T(params=0), "params"),
    ("T params=-1", T(params=-1), "params"),
    ("T params=nan", T(params=float("nan")), "params"),
    ("T params=inf", T(params=float("inf")), "params"),
    ("T params='7X'", T(params="7X"), "params"),
    ("T params=[]", T(params=[]), "params"),
    ("T params={}", T(params={}), "params"),
    ("T params=object", T(params=object()), "params"),
    ("T params=True", T(params=True), "params"),
    ("T params=10**400", T(params=10**400), "params"),
    ("T tokens='1,5T'", T(tokens="1,5T"), "tokens"),
    ("T tokens=0.5", T(tokens=0.5), "tokens"),
    ("T tokens=1e308", T(tokens=1e308), "tokens"),
    ("T tokens=array with nan", T(tokens=np.array([1e12, np.nan])), "tokens"),
    ("T active_params > params", T(active_params=7e10), "active_params"),
    ("T gpus=1.5", T(gpus=1.5), "gpus"),
    ("T gpus=0", T(gpus=0), "gpus"),
    ("T gpus='8 gpus'", T(gpus="8 gpus"), "gpus"),
    ("T gpus=1e308", T(gpus=1e308), "gpus"),
    ("T gpus and days", T(days=30), "gpus"),
    ("T days=1e308", T(gpus=None, days=1e308), "days"),
    ("T days=1e-320", T(gpus=None, days=1e-320), "days"),
    ("T days='30m'", T(gpus=None, days="30m"), "days"),
    ("T mfu=0", T(mfu=0), "mfu"),
    ("T mfu=1.2", T(mfu=1.2), "mfu"),
    ("T mfu=1e-320", T(mfu=1e-320), "mfu"),
    ("T mfu='40%'", T(mfu="40%"), "mfu"),
    ("T mfu='0.4B'", T(mfu="0.4B"), "mfu"),
    ("T goodput=0", T(goodput=0), "goodput"),
    ("T goodput=2", T(goodput=2), "goodput"),
    ("T seq_len=100.5", T(model="llama3-8b", params=None, seq_len=100.5), "seq_len"),
    ("T seq_len=0", T(model="llama3-8b", params=None, seq_len=0), "seq_len"),
    ("T price=-2", T(price_usd_per_gpu_hour=-2), "price_usd_per_gpu_hour"),
    ("T price='2,50'", T(price_usd_per_gpu_hour="2,50"), "price_usd_per_gpu_hour"),
    ("T price='3K'", T(price_usd_per_gpu_hour="3K"), "price_usd_per_gpu_hour"),
    ("T chip_price=0", T(chip_price_usd=0), "chip_price_usd"),
    ("T chip_price='30K'", T(chip_price_usd="30K"), "chip_price_usd"),
    ("T training_flop=0", T(training_flop=0), "training_flop"),
    # estimate_training: names and choices
    ("T dtype='fp4'", T(dtype="fp4"), "dtype"),
    ("T dtype=16", T(dtype=16), "dtype"),
    ("T recompute='bogus' (6ND)", T(recompute="bogus"), "recompute"),
    ("T recompute=None", T(recompute=None), "recompute"),
    ("T gpu='h1000'", T(gpu="h1000"), "gpu"),
    ("T gpu=None", T(gpu=None), "gpu"),
    ("T gpu=100", T(gpu=100), "gpu"),
    ("T model='llama9'", T_only(model="llama9", tokens=1e12, gpus=8), "model"),
    ("T model=42", T_only(model=42, tokens=1e12, gpus=8), "model"),
    ("T model='' ", T_only(model="", tokens=1e12, gpus=8), "model"),
    ("T model + params", T(model="llama3-8b"), "params"),
    ("T arch without tokens", T_only(model=str(HF / "gpt2.json"), gpus=8), "tokens"),
    ("T nothing", T_only(gpus=8), "model"),
    ("T price_kind='cheap'", T(price_usd_per_gpu_hour=None, price_kind="cheap"), "price_kind"),
    ("T provider=5", T(price_usd_per_gpu_hour=None, provider=5), "provider"),
    ("T provider unknown", T(price_usd_per_gpu_hour=None, provider="nosuchcloud"), "provider"),
    ("T date='2024-02-30'", T(date="2024-02-30"), "date"),
    ("T date='1800'", T(date="1800"), "date"),
    ("T date=[]", T(date=[]), "date"),
    ("T assumptions=dict", T(assumptions={"pue": 1.2}), "assumptions"),
    ("T mfu + calibration", T(calibration={"format": "x"}), "calibration"),
    ("T samples without range", T(samples=100), "samples"),
    ("T seed without range", T(seed=1), "seed"),
    ("T samples=1", T(mfu="0.3..0.5", samples=1), "samples"),
    ("T samples=2.5", T(mfu="0.3..0.5", samples=2.5), "samples"),
    ("T samples='many'", T(mfu="0.3..0.5", samples="many"), "samples"),
    ("T seed=-1", T(mfu="0.3..0.5", seed=-1), "seed"),
    ("T seed='x'", T(mfu="0.3..0.5", seed="x"), "seed"),
    ("T seed=1.5", T(mfu="0.3..0.5", seed=1.5), "seed"),
    ("T uncertainty='yes'", T(uncertainty="yes"), "uncertainty"),
    ("T mfu range out of bounds", T(mfu="1.5..2"), "mfu"),
    ("T range reversed", T(tokens="2T..1T"), "tokens"),
    ("T range bad number", T(tokens="1T..2X"), "tokens"),
    ("T range 3 parts", T(tokens="1T..2T..3T"), "tokens"),
    ("T normal sd<0", T(mfu="normal(0.4,-1)"), "mfu"),
    ("T triangular order", T(tokens="triangular(3,2,1)"), "tokens"),
    ("T lognormal arity", T(tokens="lognormal(1)"), "tokens"),
    # CostAssumptions
    ("C pue=-1", C(pue=-1), "pue"),
    ("C pue=0.5", C(pue=0.5), "pue"),
    ("C pue=nan", C(pue=float("nan")), "pue"),
    ("C pue='1,1'", C(pue="1,1"), "pue"),
    ("C server_overhead=0.5", C(server_overhead=0.5), "server_overhead"),
    ("C depreciation=-0.1", C(depreciation_per_year=-0.1), "depreciation_per_year"),
    ("C depreciation=inf", C(depreciation_per_year=float("inf")), "depreciation_per_year"),
    ("C power_utilization=1.5", C(power_utilization=1.5), "power_utilization"),
    ("C electricity=-1", C(electricity_usd_per_kwh=-1), "electricity_usd_per_kwh"),
    ("C grid='x'", C(grid_kg_co2_per_kwh="x"), "grid_kg_co2_per_kwh"),
    ("C grid=None", C(grid_kg_co2_per_kwh=None), "grid_kg_co2_per_kwh"),
    ("C server_power_overhead range", C(server_power_overhead="2..1"), "server_power_overhead"),
    ("CostAssumptions() bad", lambda: CostAssumptions(1.0, 0.3, 1.5, 0.7, -1.0, 0.1, 0.4), "pue"),
    # estimate_inference
    ("I gpus=1.5", I(gpus=1.5), "gpus"),
    ("I gpus=0", I(gpus=0), "gpus"),
    ("I batch=0", I(batch=0), "batch"),
    ("I batch=2.5", I(batch=2.5), "batch"),
    ("I batch too big", I(batch=100_000), "batch"),
    ("I input_tokens=0", I(input_tokens=0), "input_tokens"),
    ("I output_tokens=-5", I(output_tokens=-5), "output_tokens"),
    ("I dtype='fp4'", I(dtype="fp4"), "dtype"),
    ("I kv_dtype='fp64'", I(kv_dtype="fp64"), "kv_dtype"),
    ("I group_size with bf16", I(group_size=64), "group_size"),
    ("I group_size=0 int4", I(dtype="int4", group_size=0), "group_size"),
    ("I group_size=1.5 int4", I(dtype="int4", group_size=1.5), "group_size"),
    ("I latency '50m'", I(max_time_per_output_token_s="50m"), "max_time_per_output_token_s"),
    ("I latency 0", I(max_time_per_output_token_s=0), "max_time_per_output_token_s"),
    ("I ttft '1e999'", I(max_time_to_first_token_s="1e999"), "max_time_to_first_token_s"),
    ("I utilization=0", I(utilization=0), "utilization"),
    ("I flop_efficiency=1.5", I(flop_efficiency=1.5), "flop_efficiency"),
    ("I bandwidth_efficiency=-1", I(bandwidth_efficiency=-1), "bandwidth_efficiency"),
    ("I memory_utilization=0", I(memory_utilization=0), "memory_utilization"),
    ("I allreduce_latency_s=-1", I(allreduce_latency_s=-1), "allreduce_latency_s"),
    ("I max_batch=0", I(max_batch=0), "max_batch"),
    ("I queries_per_day=-1", I(queries_per_day=-1), "queries_per_day"),
    ("I queries_per_day=1e999", I(queries_per_day="1e999"), "queries_per_day"),
    ("I price='2,50'", I(price_usd_per_gpu_hour="2,50"), "price_usd_per_gpu_hour"),
    ("I model unknown", I(model="llama9"), "model"),
    ("I model None", I(model=None), "model"),
    ("I gpu unknown", I(gpu="h1000"), "gpu"),
    ("I does not fit", I(model="llama3-70b", gpus=1), "gpus"),
    ("I seed without range", I(seed=3), "seed"),
    ("I samples without range", I(samples=100), "samples"),
    ("I calibration + both efficiencies", I(calibration={}, flop_efficiency=0.5, bandwidth_efficiency=0.5), "calibration"),
    ("I price_kind bad", I(price_usd_per_gpu_hour=None, price_kind="free"), "price_kind"),
    # parsers, calibration, units
    ("parse_dist 'abc'", lambda: parse_dist("abc", "mfu"), "mfu"),
    ("parse_dist '..'", lambda: parse_dist("..", "tokens"), "tokens"),
    ("parse_dist uniform(2,1)", lambda: parse_dist("uniform(2,1)", "tokens"), "tokens"),
    ("parse_dist lognormal(0,1)", lambda: parse_dist("lognormal(0,1)", "tokens"), "tokens"),
    ("parse_dist 'inf..inf'", lambda: parse_dist("1..1e999", "tokens"), "tokens"),
    ("check_samples('x')", lambda: check_samples("x"), "samples"),
    ("check_samples(1e9)", lambda: check_samples(1e9), "samples"),
    ("load_profile(dict)", lambda: load_profile({"format": "nope"}), "calibration"),
    ("load_profile(list)", lambda: load_profile([1, 2]), "calibration"),
    ("load_profile(missing)", lambda: load_profile("/nonexistent/profile.json"), "calibration"),
    ("calibrated_mfu bad", lambda: calibrated_mfu({"format": "costcurve-calibration"}, None, "bf16", 7e9), "calibration"),
    ("parse_quantity kind", lambda: parse_quantity("1", "x", "length"), "kind"),
    ("parse_quantity list", lambda: parse_quantity([1], "tokens"), "tokens"),
    ("number_input dict", lambda: number_input({}, "gpus"), "gpus"),
    ("parse_date 'yesterday'", lambda: parse_date("yesterday"), "date"),
    ("parse_date 1e308", lambda: parse_date(1e308), "date"),
]


@pytest.mark.parametrize("call,field", [(c, f) for _, c, f in BAD], ids=[n for n, _, _ in BAD])
def test_bad_library_call_raises_typed_error_with_field(call, field):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy warnings must not leak either
        with pytest.raises(CostcurveError) as e:
            call()
    assert e.value.field == field, str(e.value)
    assert "\n" not in str(e.value) and len(str(e.value)) < 400


def test_table_is_large_enough():
    assert len(BAD) >= 70


def test_recompute_bogus_was_accepted_on_the_6nd_path_before():
    """Pin: ``recompute='bogus'`` used to pass silently when no architecture was given."""
    with pytest.raises(CostcurveError, match="none, selective, full"):
        estimate_training(**T_OK, recompute="bogus")
    assert estimate_training(**T_OK, recompute="full").hardware_flop == pytest.approx(6 * 7e9 * 1e12 * 4 / 3)
