"""Library errors name Python fields, never command-line flags; the CLI shows the flag the user typed.

The library writes a field it refers to in backticks (```global_batch```); the CLI turns each into the
option of the running command that sets it (``--global-batch``), the web API keeps the JSON key.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from costcurve.errors import InputError

SRC = Path(__file__).resolve().parents[2] / "src" / "costcurve"
#: the layers that speak to a user of the command line, and may name flags
FRONT = ("cli", "report", "web", "commands")  # commands: the option specs the front ends are generated from
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def _strings(tree):
    """(line, text) of every string constant that is not a docstring: messages, notes, suggestion tables."""
    docs = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and body \
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            docs.add(id(body[0].value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            yield node.lineno, node.value


#: text that may name a flag: an installer's own (pip's --index-url), and the one-line descriptions of the
#: bundled series, which are help text of the `trend` command's --capability
ALLOWED = ("pip install", "--capability")


def test_no_flag_in_library_messages():
    found = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        if rel.parts[0] in FRONT:
            continue
        for line, text in _strings(ast.parse(path.read_text(encoding="utf-8"))):
            if any(a in text for a in ALLOWED):
                continue
            for flag in FLAG.findall(text):
                found.append(f"{rel}:{line}: {flag} in {text[:60]!r}")
    assert not found, "\n".join(found)  # was 30 on 0.2: "change --gpus or --global-batch", "give --price", "--tp"


def test_planner_message_names_fields():
    from costcurve.training.planner import plan_training

    from costcurve.errors import CostcurveError

    with pytest.raises(CostcurveError) as e:
        plan_training(model="llama3-70b", tokens=1e12, gpu="h100", gpus=7, global_batch=3)
    assert "`gpus`" in str(e.value) and "--" not in str(e.value)


def test_cli_shows_the_flags(run_cli):
    r = run_cli("plan", "--model", "llama3-70b", "--gpu", "h100", "--gpus", "7", "--tokens", "1T", "--global-batch", "3")
    assert r.code == 2 and "`" not in r.err
    assert "--gpus" in r.err and ("--global-batch" in r.err or "memory" in r.err)
    r = run_cli("plan", "--model", "llama3-70b", "--tokens", "15T", "--gpu", "h100", "--gpus", "8")
    assert r.code == 2 and "(--gpus)" in r.err and "(--gpu)" in r.err and "`" not in r.err
    r = run_cli("infer", "--model", "llama3-8b", "--gpu", "t4", "--dtype", "bf16")
    assert r.err.strip() == "error: --dtype: t4 has no bf16; use --dtype fp16"
    r = run_cli("train", "--params", "7B", "--tokens", "1T", "--gpus", "8", "--seed", "1")
    assert r.code == 2 and "--uncertainty" in r.err and "`" not in r.err


def test_with_options_maps_only_known_fields():
    from costcurve.cli import cli, with_options

    cmd = cli.get_command(None, "train")
    assert with_options("give `price_usd_per_gpu_hour` [USD/h]", cmd) == "give --price [USD/h]"
    assert with_options("change `no_such_field`", cmd) == "change no_such_field"
    assert with_options("no backticks --here", cmd) == "no backticks --here"


def test_cli_notes_and_tables_show_flags(run_cli):
    r = run_cli("budget", "--usd", "200M", "--gpus", "16384", "--price", "2")
    assert r.code == 0, r.err
    assert "`" not in r.out
