"""The command definitions (costcurve.commands) and what is generated from them."""

from __future__ import annotations

import inspect

import click
import pytest
from hypothesis import given
from hypothesis import strategies as st

from costcurve import commands
from costcurve.commands.spec import Option, coerce, number_text
from costcurve.errors import InputError


@pytest.mark.parametrize("name", commands.names())
def test_each_definition_generates_its_click_command(name):
    from costcurve.cli import cli

    cmd = commands.get(name)
    assert cmd.name == name and "\n" not in cmd.summary
    ctx = click.Context(cli)
    generated = cli.get_command(ctx, name)
    params = {p.name: p for p in generated.params}
    assert list(params) == [o.name for o in cmd.options]  # the same options, in the same order
    for o in cmd.options:
        p = params[o.name]
        if o.flags:
            assert o.flag in p.opts + p.secondary_opts and (p.help or None) == (o.help or None)
            if o.kind not in ("flag",) and o.default is not None:
                assert p.default == o.default
        assert p.required == o.required


LIBRARY = {  # command -> (library function, options that reach it under another name or not at all)
    "train": ("costcurve.training.estimate:estimate_training",
              {"pue", "electricity_usd_per_kwh", "grid_kg_co2_per_kwh", "depreciation_per_year", "server_overhead"}),
    "infer": ("costcurve.serving.estimate:estimate_inference", set()),
    "plan": ("costcurve.training.planner:plan_training", {"no_flash_attention", "allow_thin_prices", *("deadline_days", "budget_usd", "max_gpus",
                                                                        "gpus_options", "gpu_options")}),
    "deploy": ("costcurve.serving.deploy:plan_deployment", {"compare_api"}),
    "budget": ("costcurve.decisions.budget:plan_budget", set()),
    "finetune": ("costcurve.decisions.finetune:estimate_finetune", set()),
    "rent-vs-buy": ("costcurve.decisions.rent_vs_buy:rent_vs_buy", set()),
    "wait": ("costcurve.decisions.wait:decide_wait", set()),
}


@pytest.mark.parametrize("name", sorted(LIBRARY))
def test_option_names_are_the_library_parameter_names(name):
    """So a library error's ``field`` is the option's name, and the CLI maps it to the flag with no table."""
    import importlib

    ref, elsewhere = LIBRARY[name]
    module, fn = ref.split(":")
    params = set(inspect.signature(getattr(importlib.import_module(module), fn)).parameters)
    names = {o.name for o in commands.get(name).inputs()}
    assert names - elsewhere <= params, sorted(names - elsewhere - params)


def test_bind_refuses_unknown_names_and_fills_defaults():
    cmd = commands.get("train")
    options, given_ = cmd.bind({"model": "llama3-8b", "gpus": 64})
    assert options["gpus"] == "64" and options["gpu"] == "h100" and options["uncertainty"] is False
    assert given_ == {"model", "gpus"}
    with pytest.raises(InputError) as e:
        cmd.bind({"nonsense": 1})
    assert e.value.field == "nonsense"
    with pytest.raises(InputError) as e:
        commands.get("infer").bind({})
    assert e.value.field == "model"  # a required option


@pytest.mark.parametrize("option,value", [
    (Option("gpus", ("--gpus",), "count"), [8]), (Option("gpus", ("--gpus",), "count"), {"a": 1}),
    (Option("gpus", ("--gpus",), "count"), True), (Option("x", ("--x",), "flag"), "yes"),
    (Option("seed", ("--seed",), "integer", parse="int"), 1.5), (Option("seed", ("--seed",), "integer", parse="int"), "x"),
    (Option("d", ("--d",), "choice", choices=("a", "b")), "c"), (Option("level", ("--level",), "number", parse="float"), "hi"),
])
def test_coerce_refuses_wrong_types_naming_the_option(option, value):
    with pytest.raises(InputError) as e:
        coerce(option, value)
    assert e.value.field == option.name


@given(st.floats(allow_nan=False, allow_infinity=False) | st.integers(min_value=-10**18, max_value=10**18))
def test_a_json_number_as_text_reads_back_as_the_same_number(v):
    from costcurve.units import parse_quantity

    assert parse_quantity(number_text(v), "x") == float(v)  # exact: repr round-trips a float


def test_an_unknown_command_lists_the_known_ones():
    from costcurve.errors import UnknownNameError

    with pytest.raises(UnknownNameError) as e:
        commands.get("trian")
    assert "train" in str(e.value)
