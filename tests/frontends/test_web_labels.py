"""Every field of every web form reads as a person would name it, every form opens with an example that
computes (the page shows an answer on its first screen, not an empty form), and the API's page is
served from here."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("fastapi")


@pytest.fixture(scope="module")
def spec():
    from costcurve.web.app import spec as make

    return make()


def _label(labels, kind, name):
    return labels.get(f"{kind}.{name}") or labels.get(name)


def test_every_field_has_a_human_label(spec):
    from costcurve.web.labels import LABELS

    missing = [(k["name"], p["name"]) for k in spec["kinds"] for p in k["params"] if not _label(LABELS, k["name"], p["name"])]
    assert not missing, missing
    for k in spec["kinds"]:
        for p in k["params"]:
            text = _label(LABELS, k["name"], p["name"])
            assert not text.startswith("--") and "_" not in text, (k["name"], p["name"], text)
            assert text[0].isupper() or text.startswith("p95"), text


def test_kind_specific_labels_name_an_option_of_that_kind(spec):
    from costcurve.web.labels import EXAMPLES, LABELS

    kinds = {k["name"]: {p["name"] for p in k["params"]} for k in spec["kinds"]}
    for key in LABELS:
        if "." in key:
            kind, name = key.split(".", 1)
            assert name in kinds.get(kind, ()), key
    for kind, example in EXAMPLES.items():
        assert set(example) <= kinds[kind], (kind, set(example) - kinds[kind])


def test_every_form_opens_with_an_example_that_computes(spec):
    from costcurve.report.registry import run_kind
    from costcurve.web.labels import EXAMPLES

    for k in spec["kinds"]:
        assert k["name"] in EXAMPLES, k["name"]
        required = {p["name"] for p in k["params"] if p["required"]}
        assert required <= set(EXAMPLES[k["name"]]), k["name"]
    # the two that had no example before: their examples compute (the rest run in the browser tests)
    for name in ("lifecycle", "posttrain"):
        run = run_kind(name, dict(EXAMPLES[name]))
        assert run.data and "error" not in run.data


def test_page_help_names_no_command():
    from costcurve.web.labels import HELP

    for name, text in HELP.items():
        assert not re.search(r"costcurve [a-z]", text) and "--" not in text, (name, text)


def test_api_docs_page_is_served_here_and_lists_every_endpoint():
    from fastapi.testclient import TestClient

    from costcurve.web.app import create_app

    with TestClient(create_app()) as client:
        r = client.get("/api/docs")
        schema = client.get("/api/openapi.json").json()
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert not re.findall(r"(?:src|href)=\"https?://", r.text)  # no script, style or link from elsewhere
    for path, ops in schema["paths"].items():
        for method in ops:
            assert f"{method.upper()} {path}" in r.text, path
    assert "<code>price_usd_per_gpu_hour</code>" in r.text and "one of: on-demand, spot, 1-year, 3-year" in r.text
