"""Architecture validation and value-keyed counts: every field checked, no stale cache through replace."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costcurve import count_params, load_catalog
from costcurve.architecture import SIZE_LIMITS, Architecture
from costcurve.errors import InputError
from costcurve.flop import forward_flop_per_token_breakdown, training_flop_breakdown

FIELDS = {f.name for f in dataclasses.fields(Architecture)}
CAT = load_catalog()


def test_replace_counts_the_new_shape():
    """count_params(replace(llama3-8b, n_layers=64)) gave the 32-layer count (a cache shared by replace)."""
    a = CAT.architecture("llama3-8b")
    n32 = count_params(a)
    deeper = dataclasses.replace(a, n_layers=64)
    per_layer = (n32 - count_params(dataclasses.replace(a, n_layers=31)))
    assert count_params(deeper) == pytest.approx(n32 + 32 * per_layer, rel=1e-12)
    assert count_params(a.replace(n_layers=64)) == count_params(deeper)
    fwd32 = training_flop_breakdown(a, 1.0, 4096)["mlp"]
    assert training_flop_breakdown(deeper, 1.0, 4096)["mlp"] == pytest.approx(2 * fwd32)


def test_published_presets_still_valid():
    for a in CAT.architectures.values():
        assert dataclasses.replace(a) == a


@pytest.mark.parametrize("field,value", [
    ("n_layers", 0), ("d_model", -1), ("n_heads", 2.5), ("n_kv_heads", 0), ("head_dim", -64), ("ffn_dim", -1),
    ("vocab_size", True), ("context_length", 10**30), ("train_seq_len", 0), ("n_shared_experts", 1),
    ("q_lora_rank", 8), ("sliding_window", 0), ("ffn_type", "relu"), ("tied_embeddings", "yes"), ("name", None),
    ("published_params_total", float("nan")), ("aliases", ["x"]),
])
def test_bad_field_is_named(field, value):
    base = CAT.architecture("llama3-8b")
    with pytest.raises(InputError) as e:
        dataclasses.replace(base, **{field: value})
    assert e.value.field == field
    assert len(str(e.value)) < 200


def test_numpy_integers_become_int():
    a = dataclasses.replace(CAT.architecture("llama3-8b"), n_layers=np.int64(16))
    assert type(a.n_layers) is int and a.n_layers == 16


SIZES = st.one_of(st.none(), st.integers(-3, 70), st.integers(-(10**20), 10**20), st.floats(allow_nan=True),
                  st.booleans(), st.text(max_size=3))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from(["llama3-8b", "mixtral-8x7b", "deepseek-v3", "gpt2-124m", "gemma2-9b"]),
       changes=st.dictionaries(st.sampled_from(sorted(SIZE_LIMITS)), SIZES, min_size=1, max_size=4))
def test_validator_accepts_only_shapes_with_non_negative_parts(base, changes):
    """Any change either yields a shape whose every part is finite and >= 0, or a typed error naming a field."""
    try:
        a = dataclasses.replace(CAT.architecture(base), **changes)
    except InputError as e:
        assert e.field in FIELDS
        return
    parts = list(a.params().values()) + list(forward_flop_per_token_breakdown(a, 2048).values())
    assert all(math.isfinite(v) and v >= 0 for v in parts)
    assert 0 < count_params(a, active=True) <= count_params(a)


def test_cached_hash_is_the_fields_hash_and_is_not_pickled():
    """Architecture caches its hash (it keys the FLOP, parameter and planner caches); equal values hash
    equal, a changed field is a new key, and a pickle carries no hash (str hashes differ by process)."""
    import dataclasses
    import pickle

    from costcurve import load_catalog

    a = load_catalog().architecture("llama3-70b")
    twin = dataclasses.replace(a)
    assert hash(a) == hash(twin) == hash(tuple(getattr(a, f.name) for f in dataclasses.fields(a)))
    wider = a.replace(d_model=a.d_model + 128)
    assert wider != a and hash(wider) == hash(tuple(getattr(wider, f.name) for f in dataclasses.fields(wider)))
    back = pickle.loads(pickle.dumps(a))
    assert back == a and "_hash" not in vars(back) and hash(back) == hash(a)
    assert dataclasses.asdict(a) == dataclasses.asdict(back) and "_hash" not in repr(a)
