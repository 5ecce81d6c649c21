"""Hostile files for --model (config.json) and --catalog / COSTCURVE_CATALOG, generated in tmp_path.

Command line: exit 2, one line ``error: ...`` naming the option, no traceback, nothing raw from the
file on the terminal. Library: a typed costcurve error with ``field`` the parameter name.
"""

from __future__ import annotations

import csv
import os

import pytest

from costcurve.catalog import Catalog, load_catalog
from costcurve.errors import CostcurveError
from costcurve.hfconfig import read_hf_config

LLAMA = ('{"model_type": "llama", "num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 4, '
         '"vocab_size": 100, "intermediate_size": 128%s}')
ACC = ("name,vendor,generation,release_date,peak_tflop_per_s_bf16,memory_gib,memory_bandwidth_gb_per_s,source\n"
       "my-chip,acme,x,2026-01-01,%s,96,4000,%s\n")


def _make(tmp_path, kind: str, spec):
    """Create the hostile thing ``spec`` ((bytes | special) to write) and return its path."""
    p = tmp_path / f"case_{kind}"
    if spec == "dir":
        p.mkdir()
    elif spec == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs on this platform")
        os.mkfifo(p)
    elif spec == "devzero":
        if not os.path.exists("/dev/zero"):
            pytest.skip("no /dev/zero")
        return "/dev/zero"
    elif spec == "missing":
        pass
    else:
        p.write_bytes(spec)
    return str(p)


SPECIAL = {"directory": "dir", "fifo": "fifo", "dev-zero": "devzero", "missing": "missing"}
CONFIGS = {
    **SPECIAL,
    "latin-1": (LLAMA % ', "name": "caf\xe9"').encode("latin-1"),
    "utf-16": (LLAMA % "").encode("utf-16"),
    "infinity": (LLAMA % ', "rope_theta": Infinity').encode(),
    "nan": (LLAMA % ', "rope_theta": NaN').encode(),
    "1e999": (LLAMA % ', "rope_theta": 1e999').encode(),
    "deep-200000": (LLAMA % (', "x": ' + "[" * 200_000 + "]" * 200_000)).encode(),
    "huge-int": (LLAMA % (', "x": 1' + "0" * 10_000)).encode(),
    "escape-in-key": (LLAMA % "").replace("model_type", "\x1b[2J").encode(),
    "not-an-object": b"[1, 2, 3]",
    "empty": b"",
    "truncated": (LLAMA % "")[:40].encode(),
    "over-4-MiB": b" " * (4 * 2**20 + 1) + b"{}",
    "negative-head-dim": (LLAMA % ', "head_dim": -8').encode(),
    "zero-kv-heads": (LLAMA % ', "num_key_value_heads": 0').encode(),
}
CATALOGS = {
    **SPECIAL,
    "latin-1": (ACC % ("500", "caf\xe9")).encode("latin-1"),
    "utf-16": (ACC % ("500", "src")).encode("utf-16"),
    "utf-16-no-bom": (ACC % ("500", "src")).encode("utf-16-le"),
    "huge-cell": (ACC % ("500", "x" * (csv.field_size_limit() + 1))).encode(),
    "terminal-escape": (ACC % ("500", "\x1b]0;owned\x07")).encode(),
    "bidi-override": (ACC % ("500", "\u202etxt.exe")).encode(),
    "infinity": (ACC % ("inf", "src")).encode(),
    "nan": (ACC % ("nan", "src")).encode(),
    "1e999": (ACC % ("1e999", "src")).encode(),
    "empty": b"",
    "unknown-header": b"foo,bar\n1,2\n",
}


def _one_line_exit_2(r, option):
    text = r.err + r.out
    assert r.code == 2, (r.code, text[:300])
    assert "Traceback" not in text and "\x1b" not in text and "\u202e" not in text
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and option in lines[0], lines


@pytest.mark.parametrize("case", sorted(CONFIGS))
def test_model_file_cli(tmp_path, run_cli, case):
    path = _make(tmp_path, case, CONFIGS[case])
    if case == "directory":  # a folder is read as <folder>/config.json, absent here
        assert not os.path.exists(os.path.join(path, "config.json"))
    r = run_cli("train", "--model", path, "--tokens", "1T", "--gpu", "h100", "--gpus", "8", "--mfu", "0.4")
    _one_line_exit_2(r, "model")


@pytest.mark.parametrize("case", sorted(CONFIGS))
def test_model_file_library(tmp_path, case):
    path = _make(tmp_path, case, CONFIGS[case])
    with pytest.raises(CostcurveError) as e:
        read_hf_config(path)
    assert e.value.field == "model"


@pytest.mark.parametrize("case", sorted(CATALOGS))
def test_catalog_file_cli(tmp_path, run_cli, case):
    path = _make(tmp_path, case, CATALOGS[case])
    _one_line_exit_2(run_cli("catalog", "gpus", "--catalog", path), "catalog")


@pytest.mark.parametrize("case", ["fifo", "dev-zero", "utf-16", "terminal-escape", "huge-cell"])
def test_catalog_env_cli(tmp_path, run_cli, monkeypatch, case):
    path = _make(tmp_path, case, CATALOGS[case])
    monkeypatch.setenv("COSTCURVE_CATALOG", path)
    r = run_cli("train", "--params", "7B", "--tokens", "1T", "--gpu", "h100", "--gpus", "8", "--mfu", "0.4")
    assert r.code == 2 and "Traceback" not in r.err and "\x1b" not in r.err and len(r.err.strip().splitlines()) == 1


@pytest.mark.parametrize("case", sorted(CATALOGS))
def test_catalog_file_library(tmp_path, case):
    path = _make(tmp_path, case, CATALOGS[case])
    for load in (lambda: Catalog((path,)), lambda: load_catalog(path)):
        with pytest.raises(CostcurveError) as e:
            load()
        assert "\x1b" not in str(e.value) and "\u202e" not in str(e.value)
        assert e.value.field in ("catalog", None)  # None: a row error (CatalogError names file, row and column)


def test_utf8_bom_is_accepted(tmp_path):
    p = tmp_path / "config.json"
    p.write_bytes(b"\xef\xbb\xbf" + (LLAMA % "").encode())
    assert read_hf_config(p).n_layers == 2
    c = tmp_path / "mine.csv"
    c.write_bytes(b"\xef\xbb\xbf" + (ACC % ("500", "my data sheet")).encode())
    assert Catalog((str(c),)).accelerator("my-chip").memory_bytes == 96 * 2**30
