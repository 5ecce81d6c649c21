"""The web calculator's JSON API, in-process (FastAPI's TestClient); skipped without the web extra."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

import warnings  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient  # noqa: E402

DATE = "2025-06-01"
HF = Path(__file__).parents[1] / "data" / "hf"


@pytest.fixture(scope="module")
def client():
    from costcurve.web.app import create_app

    return TestClient(create_app())


@pytest.mark.parametrize("kind,body,args", [
    ("train", {"model": "llama3-8b", "gpus": "64", "date": DATE},
     ["--model", "llama3-8b", "--gpus", "64", "--date", DATE]),
    ("train", {"params": "7B", "tokens": "2T", "gpu": "a100", "days": "30", "date": DATE},
     ["--params", "7B", "--tokens", "2T", "--gpu", "a100", "--days", "30", "--date", DATE]),
    ("infer", {"model": "llama3-70b", "gpus": "4", "dtype": "fp8", "date": DATE},
     ["--model", "llama3-70b", "--gpus", "4", "--dtype", "fp8", "--date", DATE]),
    ("forecast", {"name": "gpt3-level", "year": "2030"}, ["gpt3-level", "--year", "2030"]),
    ("trend", {"name": "resnet50-imagenet", "points": "all"}, ["resnet50-imagenet", "--points", "all"]),
    ("claims", {"ids": ["gpt3_cost_2020"]}, ["--id", "gpt3_cost_2020"]),
])
def test_api_returns_the_cli_json(client, run_cli, kind, body, args):
    r = client.post(f"/api/{kind}", json=body)
    assert r.status_code == 200, r.text
    assert r.json() == run_cli(kind, *args, "--json").json()


def test_api_monte_carlo_with_seed_equals_cli(client, run_cli):
    body = {"model": "llama3-8b", "gpus": "64", "mfu": "0.3..0.5", "seed": 7, "samples": "3000", "date": DATE}
    r = client.post("/api/train", json=body)
    cli = run_cli("train", "--model", "llama3-8b", "--gpus", "64", "--mfu", "0.3..0.5", "--seed", "7",
                  "--samples", "3000", "--date", DATE, "--json").json()
    assert r.json() == cli and cli["sensitivity"]["inputs"][0]["input"] == "mfu"


@pytest.mark.parametrize("body,field", [
    ({"model": "llama3-8b", "gpus": "-3"}, "gpus"),
    ({"model": "llama3-8b", "gpus": "many"}, "gpus"),
    ({"model": "no-such-model", "gpus": "8"}, "model"),
    ({"model": "llama3-8b", "gpu": "no-such-gpu"}, "gpu"),
    ({"model": "llama3-8b", "dtype": "fp7"}, "dtype"),
    ({"model": "llama3-8b", "mfu": "1.5"}, "mfu"),
    ({"model": "llama3-8b", "surprise": "1"}, "surprise"),
    ({"model": "../../etc/passwd"}, "model"),
    ({"model": "config.json"}, "model"),
    ({"model": "llama3-8b", "mfu": "0.3..0.5", "samples": "100000"}, "samples"),
    ({"model": "llama3-8b", "seed": "x"}, "seed"),
])
def test_bad_inputs_are_422_with_the_field(client, body, field):
    r = client.post("/api/train", json=body)
    assert r.status_code == 422, r.text
    d = r.json()
    assert d["field"] == field and d["error"] and "Traceback" not in r.text
    assert d["detail"][0]["loc"][-1] == field


def test_sample_cap_message_is_clear(client):
    r = client.post("/api/infer", json={"model": "llama3-8b", "uncertainty": True, "samples": "50000"})
    assert r.status_code == 422 and "at most 20,000 samples" in r.json()["error"]


def test_body_size_limit(client):
    r = client.post("/api/train", content=b"{" + b" " * 2_100_000 + b"}", headers={"content-type": "application/json"})
    assert r.status_code == 413
    big = "x" * 600_000
    r = client.post("/api/train", json={"config_json": big})
    assert r.status_code == 422 and r.json()["field"] == "config_json"


def test_uploaded_config_json_is_used_and_no_path_leaks(client, run_cli):
    text = (HF / "llama3-8b.json").read_text()
    r = client.post("/api/train", json={"config_json": text, "tokens": "1T", "gpus": "64", "date": DATE})
    assert r.status_code == 200, r.text
    cli = run_cli("train", "--model", str(HF / "llama3-8b.json"), "--tokens", "1T", "--gpus", "64", "--date", DATE,
                  "--json").json()
    assert r.json()["training_flop"] == cli["training_flop"]
    r = client.post("/api/train", json={"config_json": "{not json", "tokens": "1T"})
    assert r.status_code == 422 and r.json()["field"] == "config_json"
    assert "/tmp" not in r.text and "costcurve-web" not in r.text
    r = client.post("/api/train", json={"config_json": text, "model": "llama3-8b"})
    assert r.status_code == 422


def test_uploaded_catalog_csv(client):
    """A user's accelerator row, uploaded as content: a bundled row under a new name."""
    import csv
    import io
    from importlib import resources

    name = next(n for n in resources.files("costcurve").joinpath("data").iterdir() if n.name.startswith("accelerators_"))
    rows = list(csv.DictReader(io.StringIO(name.read_text(encoding="utf-8"))))
    row = dict(next(r for r in rows if r["name"] == "h100-sxm5"), name="mychip", aliases="")
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerow(row)
    body = {"model": "llama3-8b", "gpu": "mychip", "gpus": "64", "price_usd_per_gpu_hour": "2", "date": DATE}
    mine = client.post("/api/train", json={**body, "catalog": [buf.getvalue()]})
    assert mine.status_code == 200, mine.text
    h100 = client.post("/api/train", json={**body, "gpu": "h100-sxm5"}).json()
    assert mine.json()["peak_flop_per_s"] == h100["peak_flop_per_s"]
    assert mine.json()["gpu"] == "mychip"
    bad = client.post("/api/train", json={"model": "llama3-8b", "catalog": ["name,nonsense\n1,2\n"]})
    assert bad.status_code == 422 and bad.json()["field"] == "catalog" and "costcurve-web" not in bad.text


def test_view_report_and_get_links(client):
    r = client.post("/api/train/view", json={"model": "llama3-8b", "gpus": "64", "date": DATE})
    d = r.json()
    assert 'data-key="cost_cloud_usd"' in d["html"] and d["command"].startswith("costcurve train --model llama3-8b")
    assert d["units"]["cost_cloud_usd"] == "USD" and d["units"]["training_flop"] == "FLOP"
    g = client.get(f"/api/train?model=llama3-8b&gpus=64&date={DATE}")
    assert g.json() == d["data"]
    rep = client.get(f"/report/train?model=llama3-8b&gpus=64&date={DATE}")
    assert rep.status_code == 200 and rep.text.startswith("<!doctype html>")
    assert client.get("/report/train?model=llama3-8b&gpus=-1").status_code == 422
    assert client.get("/api/claims?ids=gpt3_cost_2020&ids=gpt3_cost_2022").json()[1]["id"] == "gpt3_cost_2022"


def test_spec_has_every_cli_option_with_its_default(client):
    from costcurve.cli.infer import infer

    spec = client.get("/api/kinds").json()
    kinds = {k["name"]: k for k in spec["kinds"]}
    assert {"train", "infer", "forecast", "trend", "claims"} <= set(kinds)
    params = {p["name"]: p for p in kinds["infer"]["params"]}
    for opt in infer.params:
        if {"--json", "--plot"} & set(opt.opts):
            continue
        assert opt.name in params
        if isinstance(opt.default, (str, int, float)) and not isinstance(opt.default, bool):
            assert params[opt.name]["default"] == opt.default
    assert "h100-sxm5" in params["gpu"]["suggest"]
    assert [p["id"] for p in spec["pages"]][:2] == ["training", "serving"]


def test_openapi_schema_and_pages(client):
    schema = client.get("/api/openapi.json").json()
    assert {"/api/train", "/api/infer", "/api/forecast", "/api/claims"} <= set(schema["paths"])
    body = schema["paths"]["/api/train"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    ref = body["$ref"].split("/")[-1]
    props = schema["components"]["schemas"][ref]["properties"]
    assert "gpus" in props and "config_json" in props and "plot" not in props and "plot_path" not in props
    for path in ("/", "/training", "/serving", "/trends", "/claims"):
        r = client.get(path)
        assert r.status_code == 200 and "/static/app.js" in r.text
    assert "fetch(" in client.get("/static/app.js").text
    assert client.get("/static/../../etc/passwd").status_code == 404
    assert client.get("/static/nothing.js").status_code == 404
    assert "http://" not in client.get("/").text and "https://" not in client.get("/").text  # no CDN


def test_cli_web_warns_off_loopback(run_cli, monkeypatch):
    import uvicorn

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port, log_level: seen.update(host=host, port=port))
    r = run_cli("web", "--host", "0.0.0.0", "--port", "8123")
    assert r.code == 0 and "warning" in r.err and seen == {"host": "0.0.0.0", "port": 8123}
    r = run_cli("web")
    assert "warning" not in r.err and seen["host"] == "127.0.0.1"


def test_a_new_command_definition_gets_a_cli_command_an_endpoint_and_a_report(run_cli, tmp_path):
    """One definition (here: train's, under a new name and with the generic renderers) is enough for a
    command line, a web endpoint with its schema, a form, a view and a report."""
    import dataclasses

    from costcurve import commands
    from costcurve.report.registry import refresh
    from costcurve.web.app import create_app

    name = "stand-in"
    commands.register(dataclasses.replace(commands.get("train"), name=name, title="Stand-in", sections=None,
                                          terminal="costcurve.cli.build:show_generic"))
    try:
        c = TestClient(create_app(processes=0))
        body = {"model": "llama3-8b", "gpus": "64", "date": DATE}
        api = c.post(f"/api/{name}", json=body).json()
        assert api == c.post("/api/train", json=body).json()
        view = c.post(f"/api/{name}/view", json=body).json()
        assert 'data-key="cost_usd.cloud"' in view["html"] and view["command"].startswith(f"costcurve {name} ")
        assert f"/api/{name}" in c.get("/api/openapi.json").json()["paths"]
        assert name in {k["name"] for k in c.get("/api/kinds").json()["kinds"]}
        cli = run_cli(name, "--model", "llama3-8b", "--gpus", "64", "--date", DATE, "--json")
        assert cli.code == 0 and cli.json() == api
        table = run_cli(name, "--model", "llama3-8b", "--gpus", "64", "--date", DATE)
        assert table.code == 0 and "cost cloud" in table.out.replace("_", " ")
        assert name in run_cli("--help").out
        r = run_cli("report", name, "--model", "llama3-8b", "--gpus", "64", "--date", DATE, "--out",
                    str(tmp_path / "x.html"))
        assert r.code == 0 and 'class="answer"' in (tmp_path / "x.html").read_text()
    finally:
        commands.unregister(name)
        refresh()


@pytest.mark.parametrize("kind,body,args", [
    ("plan", {"model": "llama3-8b", "tokens": "1T", "gpus": "64", "date": DATE},
     ["--model", "llama3-8b", "--tokens", "1T", "--gpus", "64", "--date", DATE]),
    ("deploy", {"model": "llama3.1-8b", "queries_per_day": "100M", "date": DATE},
     ["--model", "llama3.1-8b", "--queries-per-day", "100M", "--date", DATE]),
    ("budget", {"usd": "2M", "gpu": "h100", "gpus": "256", "date": DATE},
     ["--usd", "2M", "--gpu", "h100", "--gpus", "256", "--date", DATE]),
    ("rent-vs-buy", {"gpu": "h100", "gpus": "512", "utilization": "0.7", "date": DATE},
     ["--gpu", "h100", "--gpus", "512", "--utilization", "0.7", "--date", DATE]),
    ("wait", {"training_flop": "3e25", "gpu": "h100", "gpus": "2048", "date": DATE},
     ["--flop", "3e25", "--gpu", "h100", "--gpus", "2048", "--date", DATE]),
])
def test_landed_commands_mirror_their_cli(client, run_cli, kind, body, args):
    """A command or option that goes missing fails here (it used to be skipped)."""
    from costcurve.report.registry import get_kind, parameters

    names = {p.name for p in parameters(get_kind(kind), web=True)}
    assert set(body) <= names, f"{kind}'s options changed: {sorted(set(body) - names)}"
    cli = run_cli(kind, *args, "--json")
    assert cli.code == 0, cli.err
    r = client.post(f"/api/{kind}", json=body)
    assert r.status_code == 200, r.text
    assert r.json() == cli.json()
    view = client.post(f"/api/{kind}/view", json=body).json()
    assert 'class="answer"' in view["html"] and view["command"].startswith(f"costcurve {kind} ")
    assert client.post(f"/api/{kind}", json={**body, "gpus": "-1"}).status_code == 422


def test_json_numbers_are_the_cli_text(client):
    """A number may be a JSON number or the command line's text; the answer is the same."""
    text = client.post("/api/train", json={"model": "llama3-8b", "gpus": "64", "mfu": "0.4", "date": DATE}).json()
    num = client.post("/api/train", json={"model": "llama3-8b", "gpus": 64, "mfu": 0.4, "date": DATE}).json()
    assert num == text
    r = client.post("/api/train", json={"model": "llama3-8b", "gpus": 64.0, "mfu": 0.4, "date": DATE})
    assert r.status_code == 200 and r.json()["cost_usd"] == text["cost_usd"]
    mc = {"model": "llama3-8b", "gpus": 64, "mfu": "0.3..0.5", "samples": 500, "date": DATE}
    assert client.post("/api/train", json={**mc, "seed": 3}).json() == \
        client.post("/api/train", json={**mc, "samples": "500", "seed": "3"}).json()
    f = client.post("/api/forecast", json={"name": "gpt3-level", "year": 2030, "level": 0.8})
    assert f.status_code == 200 and f.json()["level"] == 0.8


@pytest.mark.parametrize("value", [None, {"n": 8}, [8], True])
def test_a_null_object_list_or_bool_where_a_number_goes_is_422_naming_it(client, value):
    r = client.post("/api/train", json={"model": "llama3-8b", "gpus": value})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "gpus" and r.json()["detail"][0]["loc"] == ["body", "gpus"]
    r = client.post("/api/infer", json={"model": "llama3-8b", "batch": value})
    assert r.status_code == 422 and r.json()["field"] == "batch"


@pytest.mark.parametrize("body,field", [({"model": "llama3-8b", "uncertainty": "yes"}, "uncertainty"),
                                        ({"model": "llama3-8b", "seed": 1.5}, "seed"),
                                        ({"model": "llama3-8b", "dtype": 16}, "dtype"),
                                        ({"model": "llama3-8b", "catalog": "not a list"}, "catalog")])
def test_wrong_json_types_are_422_naming_the_field(client, body, field):
    r = client.post("/api/train", json=body)
    assert r.status_code == 422 and r.json()["field"] == field, r.text


def test_a_full_worker_pool_answers_429_at_once():
    """Searches beyond the pool's bound are refused at once, not queued without end."""
    from costcurve.web.workers import Workers

    pool = Workers(0, max_in_flight=1)
    assert pool._slots.acquire(blocking=False)  # a search in flight
    try:
        c = TestClient(create_app_with(pool))
        r = c.post("/api/plan", json={"model": "llama3-8b", "tokens": "1T", "gpus": "64", "date": DATE})
        assert r.status_code == 429 and "try again" in r.json()["error"] and r.headers["retry-after"]
        cheap = c.post("/api/train", json={"model": "llama3-8b", "gpus": "64", "mfu": "0.4", "date": DATE})
        assert cheap.status_code == 200  # cheap kinds do not wait for a worker
    finally:
        pool._slots.release()


def test_a_search_in_a_worker_process_equals_the_cli(run_cli):
    """The heavy kinds run in a spawned worker process and answer what the command line prints."""
    from costcurve.web.workers import Workers

    pool = Workers(1)
    try:
        c = TestClient(create_app_with(pool))
        body = {"model": "llama3-8b", "tokens": "1T", "gpu_options": "h100,a100", "max_gpus": "64", "date": DATE}
        r = c.post("/api/plan", json=body)
        cli = run_cli("plan", "--model", "llama3-8b", "--tokens", "1T", "--gpu-options", "h100,a100", "--max-gpus", "64",
                      "--date", DATE, "--json")
        assert r.status_code == 200 and r.json() == cli.json()
        bad = c.post("/api/plan", json={**body, "max_gpus": "-1"})
        assert bad.status_code == 422 and bad.json()["field"] == "max_gpus"
    finally:
        pool.close()


def create_app_with(pool):
    from costcurve.web.app import create_app

    return create_app(workers=pool)
