"""The shape rule (costcurve.training.shape_rule): fitted on the architectures table, checked on its rows."""

import math

import numpy as np
import pytest

from costcurve.architecture import count_params
from costcurve.catalog import load_catalog
from costcurve.errors import InputError
from costcurve.training.shape_rule import fit_shape_rule, synthesize_architecture

CAT = load_catalog()


def test_rule_is_fitted_on_the_table_and_states_its_scatter():
    rule = fit_shape_rule(CAT)
    assert rule.n_rows >= 20 and 0.3 < rule.width_slope < 0.5  # d ∝ N^0.39 (12·L·d² = N with L ∝ d^0.56)
    assert rule.width_residual_sd_log < 0.25
    assert (rule.head_dim, rule.kv_heads) == (128, 8)


@pytest.mark.parametrize("preset", ["llama3-8b", "llama3-70b", "llama3.1-405b", "qwen2.5-72b", "mistral-7b"])
def test_rule_reproduces_the_shapes_of_grouped_query_models(preset):
    a = CAT.architecture(preset)
    s = synthesize_architecture(count_params(a), catalog=CAT)
    assert count_params(s) == pytest.approx(count_params(a), rel=0.05)
    assert abs(math.log(s.d_model / a.d_model)) < 0.3
    assert s.n_heads % s.kv_heads == 0 and s.d_model == s.n_heads * s.head_size


def test_moe_rule_holds_both_counts():
    s = synthesize_architecture(671e9, 37e9, catalog=CAT)
    assert s.is_moe and s.n_experts % 8 == 0
    assert count_params(s, active=True) == pytest.approx(37e9, rel=0.05)
    assert count_params(s) == pytest.approx(671e9, rel=0.10)


def test_out_of_range_is_refused_with_the_field():
    for n, na in ((1e3, None), (1e15, None), (7e9, 8e9), (np.nan, None), (1e9, None)):
        with pytest.raises(InputError) as e:
            synthesize_architecture(n, na, catalog=CAT)
        assert e.value.field == "params"
