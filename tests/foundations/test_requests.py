"""Request objects (costcurve.requests): checked on construction, the same estimate as the keywords."""

from __future__ import annotations

import dataclasses

import pytest

from costcurve import estimate_training
from costcurve.errors import InputError
from costcurve.requests import Cluster, Pricing, Workload, estimate_training_request

DATE = "2025-06-01"


def test_the_objects_give_the_estimate_of_the_keywords():
    kw = dict(model="llama3-8b", tokens="1T", gpu="h100", gpus="64", mfu="0.4", price_usd_per_gpu_hour="2.5", date=DATE)
    by_keywords = estimate_training(**kw)
    by_objects = estimate_training_request(Workload(model="llama3-8b", tokens="1T"),
                                           Cluster(gpu="h100", gpus="64", mfu="0.4"),
                                           Pricing(price_usd_per_gpu_hour="2.5", date=DATE))
    assert by_objects.to_dict() == by_keywords.to_dict()


def test_text_is_parsed_once_and_ranges_kept_for_the_monte_carlo():
    w = Workload(params="7B", tokens="2T")
    assert (w.params, w.tokens) == (7e9, 2e12)
    c = Cluster(gpus="1,024", days="12h", mfu="0.3..0.5")
    assert c.gpus == 1024.0 and c.days == pytest.approx(0.5) and c.mfu == "0.3..0.5"
    assert Pricing(provider="AWS", price_usd_per_gpu_hour="$2.50").provider == "aws"
    u = estimate_training_request(Workload(model="llama3-8b"), dataclasses.replace(c, days=None), Pricing(price_usd_per_gpu_hour=2.5, date=DATE),
                                  samples=300, seed=1)
    assert u.n_samples == 300


@pytest.mark.parametrize("make,field", [
    (lambda: Cluster(gpus="-3"), "gpus"), (lambda: Cluster(gpus="2.5"), "gpus"), (lambda: Cluster(mfu="1.5"), "mfu"),
    (lambda: Cluster(mfu="0.5..0.3"), "mfu"), (lambda: Cluster(dtype="fp7"), "dtype"),
    (lambda: Cluster(recompute="some"), "recompute"), (lambda: Workload(tokens="many"), "tokens"),
    (lambda: Workload(seq_len="8.5"), "seq_len"), (lambda: Workload(model=" "), "model"),
    (lambda: Pricing(price_kind="weekly"), "price_kind"), (lambda: Pricing(date="yesterday"), "date"),
    (lambda: Pricing(price_usd_per_gpu_hour="two"), "price_usd_per_gpu_hour"),
])
def test_bad_values_are_refused_on_construction_naming_the_field(make, field):
    with pytest.raises(InputError) as e:
        make()
    assert e.value.field == field


def test_request_objects_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Cluster().gpus = 8
