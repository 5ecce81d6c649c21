"""Every third-party repository the bundled API-price rows are taken from is credited with its terms."""

from __future__ import annotations

import csv
import re
from importlib import resources
from pathlib import Path

from costcurve.catalog import data_file

CREDITS = Path(__file__).resolve().parents[2] / "CREDITS.md"


def test_api_price_repositories_are_credited():
    text = resources.files("costcurve").joinpath("data", data_file("api_prices")).read_text(encoding="utf-8")
    repos = {m[1] for r in csv.DictReader(text.splitlines()) if (m := re.match(r"([\w.-]+/[\w.-]+) \S", r["source"]))}
    assert {"pydantic/genai-prices", "simonw/llm-prices"} <= repos  # the rows this test is about exist
    credits = CREDITS.read_text(encoding="utf-8")
    for repo in repos:
        line = next((ln for ln in credits.splitlines() if ln.startswith("|") and repo in ln), None)
        assert line is not None, f"{repo} has no row in CREDITS.md"
        assert line.count("|") >= 5 and ("MIT" in line or "licence" in line), line  # terms stated
