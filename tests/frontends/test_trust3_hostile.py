"""Hostile input to every option of `plan`, `deploy`, `budget`, `finetune`, `rent-vs-buy`, `wait` and `report`,
and to every field of the web API.

The bad values are generated per option from the command's own click parameters (not hand-listed): every
option that takes a value meets values no option accepts (exit 2, one line naming the option, no traceback)
and edge values that some options accept (then the JSON answer must hold only finite numbers and no null
dollars). Choice options meet a name outside their choices. The web API meets, for every scalar field,
JSON numbers, null, nested objects, arrays and booleans: never a 5xx, a 4xx names the field.
"""

from __future__ import annotations

import json
import math

import click
import pytest

# a hostile number is refused by name; numpy's overflow warnings must not leak out on the way
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

#: a working command line of each command; each option below is added to (or replaces its value in) it
BASE = {
    "plan": ["plan", "--model", "llama3-8b", "--tokens", "1T", "--gpu", "h100", "--gpus", "64"],
    "deploy": ["deploy", "--model", "llama3.1-8b", "--queries-per-day", "1B", "--gpu-options", "h100"],
    "budget": ["budget", "--usd", "1M", "--gpus", "64", "--price", "2"],
    "finetune": ["finetune", "--model", "llama3-8b", "--tokens", "100M", "--price", "2"],
    "rent-vs-buy": ["rent-vs-buy", "--gpu", "h100", "--gpus", "64"],
    "wait": ["wait", "--flop", "3e24", "--gpu", "h100", "--gpus", "256"],
}
#: no option takes these: not a number, not finite, a suffix no kind has, a decimal comma, hex
NEVER = ["nan", "inf", "-inf", "abc", "1e999", "7X", "1,5", "0x10"]
#: some options take these; an answer must then be finite
EDGE = ["-1", "0", "1e308", "1e-320", "40"]
#: options whose values are names or lists, not numbers: only the NEVER values that are not names
NAMES = {"--model", "--gpu", "--provider", "--gpu-options", "--dtype-options", "--target-modules"}
#: a provider is unused (and, as in `train`, not checked) when a price is given
UNUSED = {("budget", "--provider"), ("finetune", "--provider")}
#: options that take comma-separated lists of numbers ("1,5" is two counts there)
LISTS = {"--gpus-options"}


def _options(command: str):
    from costcurve.cli import cli

    cmd = cli.get_command(None, command)
    for p in cmd.params:
        if not isinstance(p, click.Option) or p.is_flag or isinstance(p.type, click.Path):
            continue
        yield max(p.opts, key=len), p


def _with(base, opt, value):
    out, skip = [], False
    for i, a in enumerate(base):
        if skip:
            skip = False
            continue
        if a == opt:
            skip = True
            continue
        out.append(a)
    return out + [opt, value]


def _cases(commands, values_for):
    cases = []
    for command in commands:
        for opt, p in _options(command):
            for v, must_fail in values_for(opt, p):
                must_fail = must_fail and (command, opt) not in UNUSED
                cases.append(pytest.param(_with(BASE[command], opt, v), opt, must_fail, id=f"{command} {opt} {v!r}"))
    return cases


def _values(opt, p):
    if isinstance(p.type, click.Choice):
        return [("not-a-choice", True)]
    if opt in NAMES:
        return [(v, True) for v in ("abc", "nan", "1e999")] + [("", False)]
    return [(v, True) for v in NEVER if not (opt in LISTS and "," in v)] + [(v, False) for v in EDGE]


CLI_CASES = _cases(BASE, _values)


#: dollar figures that are null by design when an input is absent (infer's cost per day needs a demand)
OPTIONAL_USD = {"usd_per_day"}


def _finite(obj, path="") -> list[str]:
    """Paths of non-finite numbers, and of null figures in dollars, in a JSON answer."""
    bad = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if v is None and (str(k).endswith("_usd") or str(k).startswith("usd_")) and not path \
                    and k not in OPTIONAL_USD:
                bad.append(f"{k}=null")
            bad += _finite(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            bad += _finite(v, f"{path}[{i}]")
    elif isinstance(obj, float) and not math.isfinite(obj):
        bad.append(path)
    return bad


def _loads(text):
    def refuse(c):
        raise ValueError(f"non-finite number {c} in the JSON")

    return json.loads(text, parse_constant=refuse)


def _check(r, opt, must_fail):
    assert "Traceback" not in r.err and "Traceback" not in r.out, r.err[-2000:]
    assert r.code in (0, 2), (r.code, r.err)
    if r.code == 2:
        lines = r.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), r.err
        assert "--" in lines[0], lines[0]  # names an option (the one given, or the one it clashes with)
    else:
        assert not must_fail, f"{opt}: accepted a value no option takes"
        assert not _finite(_loads(r.out)), _finite(_loads(r.out))


@pytest.mark.parametrize("argv,opt,must_fail", CLI_CASES)
def test_hostile_option(run_cli, argv, opt, must_fail):
    _check(run_cli(*argv, "--json"), opt, must_fail)


REPORT_CASES = _cases(("budget", "finetune", "rent-vs-buy", "wait"),
                      lambda opt, p: [(v, True) for v in ("nan", "abc", "1e999")] if not isinstance(p.type, click.Choice)
                      else [("not-a-choice", True)])


@pytest.mark.parametrize("argv,opt,must_fail", REPORT_CASES)
def test_hostile_report_option(run_cli, tmp_path, argv, opt, must_fail):
    r = run_cli("report", *argv, "--out", str(tmp_path / "r.html"))
    assert "Traceback" not in r.err and r.code in ((2,) if must_fail else (0, 2)), (r.code, r.err)
    if r.code == 0:
        return
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "--" in lines[0], r.err


def test_suites_are_big_enough():
    """The generated suites cover every option; their sizes are reported (README's hostile-input figures)."""
    n_opts = sum(1 for c in BASE for _ in _options(c))
    assert n_opts >= 90 and len(CLI_CASES) >= 900 and len(REPORT_CASES) >= 150


# ---- the web API -------------------------------------------------------------------------------------------------
WEB_BASE = {
    "train": {"model": "llama3-8b", "tokens": "1T", "gpu": "h100", "gpus": 64},
    "infer": {"model": "llama3-8b", "gpu": "h100", "gpus": 1},
    "plan": {"model": "llama3-8b", "tokens": "1T", "gpu": "h100", "gpus": 64},
    "budget": {"usd": 1e6, "gpus": 64, "price_usd_per_gpu_hour": 2},
    "finetune": {"model": "llama3-8b", "tokens": 1e8, "price_usd_per_gpu_hour": 2},
    "rent-vs-buy": {"gpu": "h100", "gpus": 64},
    "wait": {"training_flop": 3e24, "gpu": "h100", "gpus": 256},
    "deploy": {"model": "llama3.1-8b", "queries_per_day": 1e9, "gpu_options": "h100"},
}
#: where a scalar goes: objects, arrays, booleans, strings that are not numbers, and numbers at the edges
WEB_VALUES = [{"a": 1}, [1], [], True, "abc", "1e999", -1, 0, 1.5, 1e308, 10**400]


@pytest.fixture(scope="module")
def client():
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from costcurve.web.app import create_app

    return TestClient(create_app())


def _web_fields(kind):
    from costcurve.report.registry import get_kind, parameters

    return [p.name for p in parameters(get_kind(kind), web=True) if p.type in ("text", "int", "integer", "float", "number")]


WEB_CASES = [pytest.param(kind, f, v, id=f"{kind} {f} {json.dumps(v)[:20]}")
             for kind in WEB_BASE for f in _web_fields(kind) for v in WEB_VALUES]


@pytest.mark.parametrize("kind,field,value", WEB_CASES)
def test_hostile_web_field(client, kind, field, value):
    body = {**WEB_BASE[kind], field: value}
    r = client.post(f"/api/{kind}", content=json.dumps(body), headers={"content-type": "application/json"})
    assert r.status_code < 500, r.text[:500]
    if r.status_code == 200:
        assert not isinstance(value, (dict, list, bool)), f"{field}: accepted {value!r}"
        assert not _finite(_loads(r.text)), _finite(_loads(r.text))
    else:
        d = r.json()
        assert r.status_code in (400, 413, 422) and d.get("error")
        if isinstance(value, (dict, list, bool)):
            assert d.get("field") == field, d


def test_web_takes_json_numbers(client):
    """The issue's request: a JSON number for gpus was a 422 ("Input should be a valid string")."""
    r = client.post("/api/train", json={"model": "llama3-8b", "tokens": "15T", "gpu": "h100", "gpus": 1024})
    assert r.status_code == 200, r.text
    as_text = client.post("/api/train", json={"model": "llama3-8b", "tokens": "15T", "gpu": "h100", "gpus": "1024"})
    assert r.json()["cost_cloud_usd"] == pytest.approx(as_text.json()["cost_cloud_usd"], rel=1e-12)
    r = client.post("/api/train", json={"model": "llama3-8b", "tokens": 15e12, "gpu": "h100", "gpus": 1024.0,
                                        "mfu": 0.4})
    assert r.status_code == 200 and r.json()["mfu"] == pytest.approx(0.4)
    r = client.post("/api/train", json={"model": "llama3-8b", "tokens": "15T", "gpu": "h100", "mfu": "0.3..0.5",
                                        "samples": 200, "seed": 1})
    assert r.status_code == 200, r.text


def test_openapi_documents_numbers(client):
    spec = client.get("/api/openapi.json").json()
    props = spec["components"]["schemas"]["TrainRequest"]["properties"]
    types = json.dumps(props["gpus"])
    assert '"number"' in types or '"integer"' in types
    assert '"string"' in types and "JSON number" in props["gpus"].get("description", "")
