"""Shared test helpers: run the CLI in-process and capture exit code, stdout and stderr."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests: no per-example deadline (these machines are shared and noisy; speed is checked by
# benchmarks/, not by tests), and on CI a derandomized run so a submission is judged on the examples
# it was tested with here.
settings.register_profile("costcurve", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "costcurve")

def _shared_root() -> Path:
    """../shared/reference-data: $COSTCURVE_SHARED, else beside the repository, else /work/shared (worktrees)."""
    for root in (os.environ.get("COSTCURVE_SHARED"), Path(__file__).resolve().parents[2] / "shared", "/work/shared"):
        if root and (Path(root) / "reference-data").is_dir():
            return Path(root) / "reference-data"
    return Path(__file__).resolve().parents[2] / "shared" / "reference-data"


SHARED = _shared_root()


class CliResult:
    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def run_cli(capsys, monkeypatch, tmp_path):
    """``run_cli("train", "--model", "gpt3-175b")`` → CliResult(code, out, err)."""
    from costcurve.cli import main

    monkeypatch.delenv("COSTCURVE_CATALOG", raising=False)

    def _run(*args):
        code = 0
        try:
            main(list(args))
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        cap = capsys.readouterr()
        return CliResult(code, cap.out, cap.err)

    return _run


def shared_file(*parts) -> Path:
    """A file of ../shared/reference-data, or skip the test when it is absent."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"reference data not present: {p}")
    return p
