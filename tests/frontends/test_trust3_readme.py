"""Every `costcurve …` example of README.md's and docs/examples.md's console blocks runs as written (exit 0).

Each line is split as a shell would (its trailing comment dropped) and run in-process in a scratch folder
that holds what the examples name: ``examples/`` (the shipped config.json) and, for ``--source epoch:…``,
Epoch AI's notable-models export (from ../shared/reference-data; skipped when absent). ``costcurve web``
serves until stopped, so it is only started with ``--help``.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from conftest import SHARED

ROOT = Path(__file__).resolve().parents[2]


def _examples() -> list[str]:
    text = "".join((ROOT / name).read_text(encoding="utf-8") for name in ("README.md", "docs/examples.md"))
    lines = []
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        lines += [ln[2:].strip() for ln in block.splitlines() if ln.startswith("$ costcurve ")]
    return lines


EXAMPLES = _examples()


def test_readme_has_examples():
    assert len(EXAMPLES) >= 15


@pytest.mark.parametrize("line", EXAMPLES, ids=[ln[:60] for ln in EXAMPLES])
def test_readme_example_runs(run_cli, tmp_path, monkeypatch, line):
    argv = shlex.split(line, comments=True)[1:]
    if argv[:1] == ["web"]:
        argv = ["web", "--help"]
    for a in argv:
        if a.startswith("epoch:"):
            src = SHARED / "epoch-notable-models" / "notable_ai_models_2025-05.csv"
            if not src.exists():
                pytest.skip("Epoch AI's export is not here (../shared/reference-data)")
            shutil.copy(src, tmp_path / a.split(":", 1)[1])
        if a.endswith(".png"):
            pytest.importorskip("matplotlib")
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    r = run_cli(*argv)
    assert r.code == 0, f"{line}\n{r.err[-2000:]}"
    assert "Traceback" not in r.err


def test_config_example_is_real():
    import json

    cfg = json.loads((ROOT / "examples" / "mistral-7b" / "config.json").read_text(encoding="utf-8"))
    assert cfg["architectures"] == ["MistralForCausalLM"] and cfg["hidden_size"] == 4096
    assert "huggingface.co/mistralai/Mistral-7B-v0.1" in (ROOT / "examples" / "mistral-7b" / "SOURCE.md").read_text()


def _python_blocks() -> list[tuple[str, str]]:
    blocks = []
    for name in ("README.md", "docs/examples.md"):
        text = (ROOT / name).read_text(encoding="utf-8")
        blocks += [(name, b) for b in re.findall(r"```python\n(.*?)```", text, re.S)]
    return blocks


PYTHON_BLOCKS = _python_blocks()


@pytest.mark.parametrize("name,code", PYTHON_BLOCKS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(PYTHON_BLOCKS)])
def test_readme_python_block_runs(name, code):
    """Each library example runs as written; its training estimate is Llama 3 70B's published scale
    (Meta: 15T tokens, ~6.3e24 FLOP for 6·N·D with N = 70.6B), not a copy of another costcurve output."""
    scope: dict = {}
    exec(compile(code, name, "exec"), scope)  # noqa: S102 - the repository's own documentation
    est = scope["est"]
    assert float(est.training_flop) == pytest.approx(6 * 70.6e9 * 15e12, rel=0.10)
    assert 0 < float(est.cost_usd["cloud"]) < float(est.cost_usd["acquisition"])


def test_python_blocks_found():
    assert {n for n, _ in PYTHON_BLOCKS} == {"README.md", "docs/examples.md"}
