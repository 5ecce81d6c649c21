"""Writing a bundled table: shared by the tools/build_*.py scripts (run as `python tools/build_x.py`)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from costcurve.catalog import data_file  # noqa: E402  (the file name the package reads)


def table_path(stem: str) -> Path:
    """``src/costcurve/data/<stem>_<DATA_VERSION>.csv``."""
    return ROOT / "src" / "costcurve" / "data" / data_file(stem)


def write_table(stem: str, columns, rows) -> None:
    """Write ``rows`` (dicts; missing columns blank) under ``columns`` to the bundled table ``stem``."""
    out = table_path(stem)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in columns})
    print(f"wrote {len(rows)} rows to {out.relative_to(ROOT)}")
