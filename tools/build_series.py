"""Build src/costcurve/data/series_points_2026-11.csv: the trend points that no other catalog holds.

Run from the repository root (a development step, not a run-time one; the package never reads
../shared):

    .venv/bin/python tools/build_series.py [--shared ../shared/reference-data]

Two kinds of rows:

* DAWNBench entries (ImageNet to 93 % top-5, CIFAR-10 to 94 % top-1), 2017-2020, read from
  ``dawnbench-derived/dawnbench_training_derived.csv`` (facts extracted per entry from
  github.com/stanford-futuredata/dawn-bench-entries @ fb27b82): date, team, model, hardware,
  hours to the threshold and DAWNBench's cost (hours × the entry's stated cloud price per hour).
  Only entries with a cost are kept.
* Hand-entered reproductions (GPT-2 1.5B- and 124M-level, CIFAR-10 airbench) from their primary
  sources, listed in ``MANUAL_ROWS`` below with the URL of each figure.

Columns: series, date, label, hardware (catalog accelerator name, or blank), hardware_count,
hours (wall clock), cost_usd_reported (the source's own figure, or blank), note, source.
Where hardware and hours are given, costcurve prices the run at catalog prices of its date;
the reported cost is shown next to it.
"""

from __future__ import annotations

import argparse
import csv
import re
from pathlib import Path

from _table import table_path, write_table  # tools/_table.py

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ["series", "date", "label", "hardware", "hardware_count", "hours", "cost_usd_reported", "note", "source"]
DAWN_SOURCE = ("DAWNBench entries, github.com/stanford-futuredata/dawn-bench-entries @ fb27b82 ({file}); "
               "cost = hours to threshold x the entry's costPerHour")

LLMC_124M = "https://github.com/karpathy/llm.c/discussions/481"
LLMC_1558M = "https://github.com/karpathy/llm.c/discussions/677"
MODDED = "https://github.com/KellerJordan/modded-nanogpt (README, world record history)"
MANUAL_ROWS = [
    # --- GPT-2 (1.5B) level ------------------------------------------------------------------
    dict(series="gpt2-level", date="2019-08-22", label="OpenGPT-2 1.5B (Brown Univ.)", cost_usd_reported="50000",
         note="'The cost of training the model from scratch using our code is about $50k' (cloud TPU)",
         source="Gokaslan & Cohen 2019, OpenGPT-2: We Replicated GPT-2 Because You Can Too, "
                "https://medium.com/@vanya_cohen/opengpt-2-we-replicated-gpt-2-because-you-can-too-45e34e6d36dc"),
    dict(series="gpt2-level", date="2024-07-11", label="llm.c GPT-2 1.5B", hardware="h100-sxm5", hardware_count="8",
         hours="24", cost_usd_reported="672", note="one 8xH100 node for 24 h on Lambda; 32B FineWeb-Edu tokens",
         source=f"Karpathy 2024, Reproducing GPT-2 (1.5B) in llm.c in 24 hours for $672, {LLMC_1558M}"),
    dict(series="gpt2-level", date="2024-10-20", label="modded-nanogpt 1.5B scale-up", cost_usd_reported="233",
         note="GPT-2 1.5B-level HellaSwag for $233 (vs $576 for the llm.c baseline), 8xH100",
         source=f"{MODDED}; records/102024_ScaleUp1B"),
    # --- GPT-2 (124M) level: 3.28 FineWeb validation loss or the nanoGPT/llm.c reproductions ------
    dict(series="gpt2-small-level", date="2023-01-11", label="nanoGPT 124M", hardware="a100-sxm4-40gb",
         hardware_count="8", hours="96", note="'about 4 days' on one 8XA100 40GB node, OpenWebText (date approximate)",
         source="karpathy/nanoGPT README, https://github.com/karpathy/nanoGPT"),
    dict(series="gpt2-small-level", date="2024-05-28", label="llm.c 124M (8xA100)", hardware="a100-sxm4-80gb",
         hardware_count="8", hours="1.5", cost_usd_reported="20",
         note="~90 min on one 8X A100 80GB SXM node at ~$14/h (Lambda); 10B FineWeb tokens",
         source=f"Karpathy 2024, Reproducing GPT-2 (124M) in llm.c in 90 minutes for $20, {LLMC_124M}"),
]
_RECORDS = [  # modded-nanogpt: 8xH100 to 3.28 FineWeb val loss, (date, minutes, description)
    ("2024-05-28", 45.0, "llm.c baseline on 8xH100"), ("2024-06-06", 31.4, "arch. modernizations"),
    ("2024-10-04", 24.9, "Muon optimizer"), ("2024-10-11", 22.3, "Muon improvements"),
    ("2024-10-14", 15.2, "pad embeddings & arch."), ("2024-10-18", 12.0, "PyTorch 2.5"),
    ("2024-11-03", 10.8, "untied embed/head"), ("2024-11-06", 8.2, "shortcuts & tweaks"),
    ("2024-11-08", 7.8, "bf16 activations"), ("2024-11-10", 7.2, "U-net & 2x lr"),
    ("2024-11-19", 5.03, "FlexAttention"), ("2024-11-24", 4.66, "window warmup"),
    ("2024-12-04", 4.41, "value embeddings"), ("2024-12-08", 3.95, "U-net value embeds"),
    ("2024-12-10", 3.80, "MFU tweaks"), ("2024-12-17", 3.57, "sparsify value embeds"),
    ("2025-01-04", 3.4, "logit softcap 15"),
]
for _d, _m, _what in _RECORDS:
    MANUAL_ROWS.append(dict(series="gpt2-small-level", date=_d, label=f"modded-nanogpt {_m:g} min", hardware="h100-sxm5",
                            hardware_count="8", hours=f"{_m / 60:.6g}", note=f"speedrun record: {_what}",
                            source=MODDED))
MANUAL_ROWS.append(dict(
    series="cifar10", date="2024-04-01", label="airbench94 (1xA100, 3.29 s)", hardware="a100-sxm4-40gb", hardware_count="1",
    hours=f"{3.29 / 3600:.6g}", note="94.01% mean accuracy in 3.29 s on one A100 (0.36 PFLOP)",
    source="Jordan 2024, 94% on CIFAR-10 in 3.29 Seconds on a Single GPU, arXiv:2404.00498; "
           "https://github.com/KellerJordan/cifar10-airbench"))


def _short_team(author: str) -> str:
    a = re.split(r"[,(:]", author)[0].strip()
    a = a.replace(" + students team", "").replace("Apsara AI Acceleration", "Alibaba AIACC")
    return a[:28]


def _short_hw(hw: str) -> str:
    m = re.search(r"\[([^\]]+)\]", hw)
    hw = re.sub(r"\s*/.*?(\(|$)", r" \1", hw).strip()
    if m:
        hw = re.sub(r"\(.*", "", hw).strip() + f" ({m.group(1)})"
    return hw.replace("  ", " ")[:44]


def dawnbench_rows(path: Path) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if not r["cost_to_threshold_usd"]:
                continue
            series = {"ImageNet": "resnet50-imagenet", "CIFAR10": "cifar10"}[r["task"]]
            rows.append(dict(
                series=series, date=r["timestamp"], label=f"{_short_team(r['author'])}: {r['model']}, {_short_hw(r['hardware'])}",
                hardware="", hardware_count="", hours=f"{float(r['time_to_threshold_hours']):.6g}",
                cost_usd_reported=f"{float(r['cost_to_threshold_usd']):.6g}",
                note=f"{r['threshold']} at epoch {r['epoch_reached']}; ${float(r['costPerHour_usd']):g}/h",
                source=DAWN_SOURCE.format(file=r["json_file"])))
    return rows


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shared", default=str(ROOT.parent / "shared" / "reference-data"))
    a = p.parse_args(argv)
    rows = dawnbench_rows(Path(a.shared) / "dawnbench-derived" / "dawnbench_training_derived.csv") + MANUAL_ROWS
    rows.sort(key=lambda r: (r["series"], r["date"], r["label"]))
    write_table("series_points", COLUMNS, rows)


if __name__ == "__main__":
    main()
