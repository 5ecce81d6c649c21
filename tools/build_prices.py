#!/usr/bin/env python3
"""Build ``src/costcurve/data/prices_<DATA_VERSION>.csv`` (dated cloud rental prices per accelerator-hour).

Dev tool only: it reads the public reference data in ``../shared/reference-data`` (outside this
repository) and is never imported by the ``costcurve`` package. Re-running it reproduces the
bundled table exactly.

    python tools/build_prices.py                 # writes src/costcurve/data/prices_<DATA_VERSION>.csv
    python tools/build_prices.py --ref DIR --out FILE --check

Sources, in the order they are merged:

1. Full Stack Deep Learning cloud GPU table (MIT), every version 2022-08-04 .. 2025-03-07
   (``fsdl-cloud-gpu-prices/cloud-gpus_history_by_commit.csv``). The history has one row per
   instance per table edit; for each series (gpu, provider, kind, instance) we keep the snapshot
   where a price first appears or changes, plus the last snapshot of each unchanged run (its
   source says "price unchanged since ..."). ``date_observed`` is the snapshot (commit) date, i.e.
   when the table was edited, not the vendor's price-change date.
2. Epoch AI "Hardware prices" (CC BY 4.0), cloud rows 2017..2025 incl. 1-year / 3-year
   commitments, deduplicated the same way. Rows that Epoch itself copied from the FSDL table are
   skipped (already in 1),
   as are non-US regions, GPUs not in our catalog and blog cost assumptions.
3. DAWNBench entries (facts extracted per entry; costPerHour of the cloud instance used).
4. HAND_ROWS below: a short, separately cited list filling gaps (H100 launch price on AWS,
   Trainium, MI300X, B200, 2026 list prices).

Per-accelerator price = instance price / accelerators in the instance. Conventions that matter:
- K80 and M60 boards carry two GPUs; clouds (and CUDA) count each GK210 / GM204 as one GPU and our
  catalog rows ``k80`` / ``m60`` are per GPU, so cloud "per GPU" prices are used as they are.
  Epoch's 2017 GCP K80 figure of $1.40 is a per-board price ($0.70 per GPU) and is halved.
- GCP prices in the FSDL table include the host VM (e.g. n1-highmem-8); Epoch's GCP GPU rows are
  the GPU attachment alone (instance column says so).
- Form factor (SXM vs PCIe) is inferred from the instance where it is known (AWS p3/p4/p5 = SXM,
  Azure NC-series A100 v4 = A100 80GB PCIe, Azure NCv3 = V100 PCIe, ND-series = SXM). Where the
  provider does not say, the SXM/NVLink part (the catalog's default row for that short name) is
  assumed; see ``fsdl_gpu``.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
from collections import OrderedDict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from costcurve.catalog import DATA_FILES, OFFERS  # noqa: E402  (the table names and offer kinds the package reads)


def _default_ref() -> Path:
    """``$COSTCURVE_REFERENCE_DATA``, else the first existing of ``<repo>/../shared`` and ``/work/shared``."""
    if os.environ.get("COSTCURVE_REFERENCE_DATA"):
        return Path(os.environ["COSTCURVE_REFERENCE_DATA"])
    for base in (ROOT.parent / "shared", Path("/work/shared")):
        if (base / "reference-data").is_dir():
            return base / "reference-data"
    return ROOT.parent / "shared" / "reference-data"


DEFAULT_REF = _default_ref()
DEFAULT_OUT = ROOT / "src" / "costcurve" / "data" / DATA_FILES["prices"]
ACCELERATORS = ROOT / "src" / "costcurve" / "data" / DATA_FILES["accelerators"]

COLUMNS = ["gpu", "provider", "date_observed", "kind", "offer", "price_usd_per_gpu_hour", "instance", "source"]
KINDS = ("on-demand", "spot", "1-year", "3-year")

# Kind of offer behind a quote (the default price uses vm and bare_metal only):
#   vm          a virtual machine (or a TPU VM / a GPU attached to one) rented by the hour
#   bare_metal  a whole physical server (Oracle BM.* shapes; Latitude.sh sells bare-metal servers only)
#   serverless  a container or model deployment billed per second or minute, no machine of one's own
#               (Modal, Baseten model serving, Salad container engine)
#   large_host  an instance whose host has >= LARGE_HOST_VCPUS vCPUs per accelerator, 4x the median
#               instance of the FSDL table of 2025-03-07 (8 vCPUs per GPU): its price is mostly host
#               (AWS g4dn.16xlarge: 1 T4 with 64 vCPUs at $4.35/h, against $0.526/h for g4dn.xlarge)
SERVERLESS_PROVIDERS = {"modal", "baseten", "salad"}
BARE_METAL_PROVIDERS = {"latitude.sh"}
LARGE_HOST_VCPUS = 32


def offer_of(provider: str, instance: str, vcpus_per_gpu: float | None = None) -> str:
    """The kind of offer of one quote (see the table above)."""
    if provider in SERVERLESS_PROVIDERS or instance.lower().startswith("serverless"):
        return "serverless"
    if provider in BARE_METAL_PROVIDERS or instance.startswith("BM."):
        return "bare_metal"
    if vcpus_per_gpu is not None and vcpus_per_gpu >= LARGE_HOST_VCPUS:
        return "large_host"
    return "vm"

FSDL_CITE = "Full Stack Deep Learning cloud GPU table (MIT), snapshot {d}"
EPOCH_CITE = "Epoch AI hardware prices (CC BY 4.0), via {url}"
DAWN_CITE = "DAWNBench entry {f} (costPerHour, {d})"

# ----------------------------------------------------------------------------------------------
# Hand-entered rows (gaps in the shared data). Each carries its own source.
# (gpu, provider, date_observed, kind, price per accelerator-hour, instance, source)
# ----------------------------------------------------------------------------------------------
HAND_ROWS = [
    ("h100-sxm5", "aws", "2023-07-27", "on-demand", 98.32 / 8, "p5.48xlarge",
     "Next Platform, 'H100 GPU Instance Pricing On AWS: Grin And Bear It' (2023-07-27): p5.48xlarge $98.32/h for 8 H100"),
    ("a100-sxm4-40gb", "aws", "2026-06-25", "on-demand", 32.77 / 8, "p4d.24xlarge",
     "usage.ai 'AWS Trainium vs GPU Instances' (2026-06-25) quoting AWS on-demand p4d.24xlarge $32.77/h for 8 A100"),
    ("trainium1", "aws", "2026-06-25", "on-demand", 21.50 / 16, "trn1.32xlarge",
     "usage.ai 'AWS Trainium vs GPU Instances' (2026-06-25) quoting AWS on-demand trn1.32xlarge $21.50/h for 16 Trainium chips"),
    ("mi300x", "azure", "2026-05-18", "on-demand", 6.00, "ND MI300X v5",
     "Cliff Center research note 'AMD inference economics' (2026-05-18): MI300X listed at $6/GPU-h on Azure"),
    ("mi300x", "oracle", "2026-05-18", "on-demand", 6.00, "BM.GPU.MI300X.8",
     "Cliff Center research note 'AMD inference economics' (2026-05-18): MI300X listed at $6/GPU-h on Oracle"),
    ("mi300x", "tensorwave", "2026-05-18", "on-demand", 1.50, "",
     "Cliff Center research note 'AMD inference economics' (2026-05-18): MI300X $1.50/GPU-h at TensorWave"),
    ("mi300x", "vultr", "2026-05-18", "on-demand", 1.85, "",
     "Cliff Center research note 'AMD inference economics' (2026-05-18): MI300X $1.85/GPU-h at Vultr"),
    ("mi300x", "crusoe", "2026-05-18", "spot", 1.71, "",
     "Cliff Center research note 'AMD inference economics' (2026-05-18): MI300X $1.71/GPU-h on Crusoe spot"),
    ("b200", "spheron", "2026-03-19", "on-demand", 6.03, "",
     "Spheron blog 'NVIDIA B200 Guide' (2026-03-19): B200 $6.03/h on-demand"),
    ("b200", "spheron", "2026-03-19", "spot", 2.25, "",
     "Spheron blog 'NVIDIA B200 Guide' (2026-03-19): B200 $2.25/h spot"),
    ("h100-pcie", "lambda", "2026-05-07", "on-demand", 2.86, "1x H100 PCIe",
     "TechBytes 'Serverless GPU Pricing Matrix' (2026-05-07), prices verified from Lambda's pricing page"),
    ("h100-sxm5", "lambda", "2026-05-07", "on-demand", 3.78, "1x H100 SXM",
     "TechBytes 'Serverless GPU Pricing Matrix' (2026-05-07), prices verified from Lambda's pricing page"),
    ("a100-sxm4-40gb", "lambda", "2026-05-07", "on-demand", 1.48, "1x A100 40GB",
     "TechBytes 'Serverless GPU Pricing Matrix' (2026-05-07), prices verified from Lambda's pricing page"),
    ("h100-sxm5", "modal", "2026-05-07", "on-demand", 3.9492, "serverless H100",
     "TechBytes 'Serverless GPU Pricing Matrix' (2026-05-07): Modal $0.001097/s"),
    ("a100-sxm4-80gb", "modal", "2026-05-07", "on-demand", 2.4984, "serverless A100 80GB",
     "TechBytes 'Serverless GPU Pricing Matrix' (2026-05-07), Modal pricing page"),
    ("l40s", "modal", "2026-05-07", "on-demand", 1.9512, "serverless L40S",
     "TechBytes 'Serverless GPU Pricing Matrix' (2026-05-07), Modal pricing page"),
    ("l4", "modal", "2026-05-07", "on-demand", 0.7992, "serverless L4",
     "TechBytes 'Serverless GPU Pricing Matrix' (2026-05-07), Modal pricing page"),
    ("t4", "modal", "2026-05-07", "on-demand", 0.5904, "serverless T4",
     "TechBytes 'Serverless GPU Pricing Matrix' (2026-05-07), Modal pricing page"),
]

# ----------------------------------------------------------------------------------------------
# Provider names
# ----------------------------------------------------------------------------------------------
PROVIDERS = {
    "aws": "aws", "amazon web services": "aws",
    "gcp": "gcp", "google cloud": "gcp",
    "azure": "azure", "microsoft azure": "azure",
    "lambda": "lambda", "lambda labs": "lambda",
    "oracle cloud": "oracle",
    "runpod": "runpod", "runpod.io": "runpod",
    "paperspace": "paperspace", "jarvislabs": "jarvislabs", "datacrunch": "datacrunch",
    "exoscale": "exoscale", "ovhcloud": "ovhcloud", "oblivus cloud": "oblivus",
    "cudo compute": "cudo", "fluidstack": "fluidstack", "latitude.sh": "latitude.sh",
    "novonimbus": "novonimbus", "cr8dl": "cr8dl", "baseten": "baseten", "vast.ai": "vast.ai",
    "nebius": "nebius", "salad": "salad",
}

# FSDL providers left out: Dataoorts lists H100 at $0.69/h and A100 80GB at $0.55/h, far below
# every other listing in any snapshot and not corroborated elsewhere.
# RunPod.io rows (snapshots 2023-05-20/22 only) put the per-GPU price in "On-demand" and an
# availability count in "GPUs", so their "Per-GPU" column is wrong by that factor (A100 at $0.18/h).
FSDL_EXCLUDED_PROVIDERS = {"Dataoorts", "RunPod.io"}


def provider_id(name: str) -> str:
    key = name.strip().lower()
    if key not in PROVIDERS:
        raise KeyError(f"unknown provider {name!r}: add it to PROVIDERS")
    return PROVIDERS[key]


# ----------------------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------------------
def num(text):
    text = (text or "").strip().replace("$", "").replace(",", "")
    if not text:
        return None
    try:
        v = float(text)
    except ValueError:
        return None
    return v if v > 0 else None


def fmt_price(v: float) -> str:
    s = f"{v:.4f}".rstrip("0").rstrip(".")
    return s


def csv_field(v) -> str:
    s = "" if v is None else str(v)
    if any(c in s for c in ',;"\n'):
        s = '"' + s.replace('"', '""') + '"'
    return s


def row(gpu, provider, d, kind, price, instance, source, vcpus_per_gpu=None):
    assert kind in KINDS, kind
    date.fromisoformat(d)
    offer = offer_of(provider, instance.strip(), vcpus_per_gpu)
    assert offer in OFFERS, offer
    return {"gpu": gpu, "provider": provider, "date_observed": d, "kind": kind, "offer": offer,
            "price_usd_per_gpu_hour": fmt_price(price), "instance": instance.strip(), "source": source}


def keep_changes(observations, restated_note=None, restate_spot=True):
    """Deduplicate a series of dated observations.

    observations: list of (series_key, date, price, row). Keeps the first observation of each
    series, every observation whose price differs from the previous one, and the last observation
    of each unchanged run (so a price that held for years is dated at both ends, which matters for
    look-ups by date). ``restated_note`` (a format string with {since}) is appended to the source of
    such run-end rows when the source only restated the price (FSDL table edits); with
    ``restate_spot=False`` spot prices get no run-end row (a table that was not re-checked is no
    evidence that a market price stood still).
    """
    observations.sort(key=lambda o: (o[1], o[0]))
    runs = {}        # key -> [first_row_of_run, last_row_seen, price]
    kept = []

    def close(key):
        first, last_row, _p = runs[key]
        if last_row["kind"] == "spot" and not restate_spot:
            return
        if last_row is not first:
            if restated_note:
                last_row = dict(last_row)
                last_row["source"] += restated_note.format(since=first["date_observed"])
            kept.append(last_row)

    for key, _d, price, r in observations:
        p = round(price, 4)
        if key in runs and runs[key][2] == p:
            runs[key][1] = r
            continue
        if key in runs:
            close(key)
        runs[key] = [r, r, p]
        kept.append(r)
    for key in runs:
        close(key)
    return kept


# ----------------------------------------------------------------------------------------------
# 1. Full Stack Deep Learning history
# ----------------------------------------------------------------------------------------------
SXM_V100_16 = {"AWS", "GCP", "Lambda", "Datacrunch", "Paperspace"}  # PCIe elsewhere (Azure NCv3, Exoscale, OVH, Oblivus)


def fsdl_gpu(cloud: str, gtype: str, name: str, ngpu: int):
    t = gtype.strip()
    if t.startswith("A100 (80"):
        if cloud == "Azure" and name.startswith("NC"):
            return "a100-pcie-80gb"          # NC A100 v4 = A100 80GB PCIe
        return "a100-sxm4-80gb"
    if t.startswith("A100 (40"):
        return "a100-sxm4-40gb"
    if t.startswith("H100 PCIe"):
        return "h100-pcie"
    if t.startswith("H100"):
        if cloud == "OVHcloud" or (cloud == "Lambda" and ngpu == 1):
            return "h100-pcie"              # OVH h100-* and Lambda's 1x H100 are PCIe cards
        return "h100-sxm5"
    if t.startswith("V100 NVLink"):
        return "v100-sxm2-16gb"
    if t.startswith("V100 PCIe"):
        return "v100-pcie-16gb"
    if t.startswith("V100 (16"):
        return "v100-sxm2-16gb" if cloud in SXM_V100_16 else "v100-pcie-16gb"
    if t.startswith("V100 (32"):
        return "v100s-pcie-32gb" if cloud == "OVHcloud" else "v100-sxm2-32gb"
    table = [("T4", "t4"), ("K80", "k80"), ("P100", "p100-pcie"), ("P4 ", "p4"), ("A10G", "a10g"),
             ("A6000", "rtx-a6000"), ("RTX A6000", "rtx-a6000"), ("A5000", "rtx-a5000"),
             ("A4000", "rtx-a4000"), ("A40", "a40"), ("L40", "l40"), ("L4 ", "l4"),
             ("6000 Ada", "rtx-6000-ada"), ("4090", "rtx-4090"), ("GH200", "gh200")]
    for prefix, gpu in table:
        if t.startswith(prefix):
            return gpu
    if t in ("A10", "A10 (24 GB)"):
        return "a10"
    return None  # Quadro RTX 4000/5000/6000, 3080 Ti, header rows: not in the catalog


def load_fsdl(ref: Path):
    path = ref / "fsdl-cloud-gpu-prices" / "cloud-gpus_history_by_commit.csv"
    obs = []
    seen = set()
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            cloud = r["Cloud"].strip()
            if cloud == "Cloud" or cloud in FSDL_EXCLUDED_PROVIDERS:
                continue
            try:
                ngpu = int(float(r["GPUs"]))
            except ValueError:
                continue
            name = r["Name"].strip()
            gpu = fsdl_gpu(cloud, r["GPU Type"], name, ngpu)
            if gpu is None or ngpu <= 0:
                continue
            prov = provider_id(cloud)
            instance = name or f"{ngpu}x {r['GPU Type'].strip()}"
            d = r["snapshot_date"]
            src = FSDL_CITE.format(d=d)
            # per accelerator = instance price / GPUs. FSDL's own "Per-GPU" column sometimes
            # excludes the CPU/RAM share (Oblivus, Cudo), so it is not used when "On-demand" is
            # given; where "On-demand" is blank (Exoscale 2025 rows) "Per-GPU" holds the instance price.
            inst_price = num(r["On-demand"])
            if inst_price is None:
                inst_price = num(r["Per-GPU"])
            od = inst_price / ngpu if inst_price is not None else None
            spot = num(r["Spot"])
            vcpus = num(r["vCPUs"])
            per_gpu_vcpus = vcpus / ngpu if vcpus else None
            for kind, price in (("on-demand", od), ("spot", spot / ngpu if spot else None)):
                if price is None:
                    continue
                key = (gpu, prov, kind, instance)
                if (key, d) in seen:      # duplicate listing inside one snapshot: keep the first
                    continue
                seen.add((key, d))
                obs.append((key, d, price, row(gpu, prov, d, kind, price, instance, src, per_gpu_vcpus)))
    return keep_changes(obs, restated_note=" (price unchanged since {since})", restate_spot=False)


# ----------------------------------------------------------------------------------------------
# 2. Epoch AI hardware prices (cloud rows)
# ----------------------------------------------------------------------------------------------
EPOCH_GPU = {
    "NVIDIA Tesla K80": "k80",
    "NVIDIA P100": "p100-pcie",
    "NVIDIA Tesla V100 DGXS 16 GB": "v100-sxm2-16gb",    # AWS p3 (V100 SXM2 16GB)
    "NVIDIA Tesla V100 DGXS 32 GB": "v100-sxm2-32gb",    # AWS p3dn (V100 SXM2 32GB)
    "NVIDIA Tesla V100 SXM2 16 GB": "v100-sxm2-16gb",
    "NVIDIA Tesla V100 PCIe 16 GB": "v100-pcie-16gb",
    "NVIDIA V100": None,                                 # resolved in epoch_gpu()
    "NVIDIA A100": None,
    "NVIDIA A100 PCIe": None,
    "NVIDIA A100 SXM4 40 GB": "a100-sxm4-40gb",
    "NVIDIA A100 SXM4 80 GB": "a100-sxm4-80gb",
    "NVIDIA A40 PCIe": "a40",
    "NVIDIA B200": "b200",
    "NVIDIA H100 NVL": "h100-nvl",
    "NVIDIA H100 PCIe": None,
    "NVIDIA H100 SXM5 80GB": "h100-sxm5",
    "NVIDIA H200 SXM": "h200-sxm",
    "NVIDIA H800 SXM5": "h800-sxm5",
    "NVIDIA L4": "l4",
    "NVIDIA L40": "l40",
    "NVIDIA L40S": "l40s",
    "NVIDIA RTX 6000 Ada Generation": "rtx-6000-ada",
    "NVIDIA RTX A4000": "rtx-a4000",
    "NVIDIA RTX A5000": "rtx-a5000",
    "NVIDIA RTX A6000": "rtx-a6000",
    "NVIDIA GeForce RTX 3090": "rtx-3090",
    "NVIDIA GeForce RTX 4090": "rtx-4090",
    "Google TPU v2": "tpu-v2",
    "Google TPU v3": "tpu-v3",
    "Google TPU v4": "tpu-v4",
    "Google TPU v5e": "tpu-v5e",
    "Google TPU v5p": "tpu-v5p",
    "Google TPU v6e Trillium": "tpu-v6e",
}
EPOCH_SKIP_VENDORS = {"Databricks"}   # a blog's cost assumption, not a rental listing

AWS_INSTANCE = {"k80": "p2 (per GPU)", "v100-sxm2-16gb": "p3 (per GPU)", "v100-sxm2-32gb": "p3dn.24xlarge",
                "a100-sxm4-40gb": "p4d.24xlarge", "a100-sxm4-80gb": "p4de.24xlarge",
                "h100-sxm5": "p5.48xlarge", "h200-sxm": "p5e.48xlarge"}


def epoch_instance_text(r) -> str:
    for text in (r["Notes"], r["Cloud GPU description"]):
        t = " ".join((text or "").split())
        m = re.match(r"^instance\s+(.+?)(?:\s+(?:number of GPUs|have)\b.*)?$", t)
        if m:
            return m.group(1).strip()
        if re.match(r"^(NC|ND)\S*\s", t + " ") and len(t) < 40:
            return t
        if re.match(r"^[a-z0-9]+-[a-z0-9-]+$", t):      # e.g. a3-highgpu-1g
            return t
        if re.match(r"^p\d\w*\.\d*x?large$", t):          # e.g. p4d.24xlarge
            return t
    return ""


def epoch_gpu(model: str, vendor: str, inst: str, desc: str):
    if model not in EPOCH_GPU:
        return None
    gpu = EPOCH_GPU[model]
    if gpu is not None:
        if gpu.startswith("a100") and vendor == "Microsoft Azure" and inst.startswith("NC"):
            return "a100-pcie-80gb"                       # NC A100 v4 = A100 80GB PCIe
        return gpu
    if model == "NVIDIA V100":
        if vendor == "Microsoft Azure":
            return "v100-sxm2-32gb" if inst.startswith("ND40") else "v100-pcie-16gb"
        return "v100-sxm2-16gb"                           # GCP V100 = SXM2 16GB
    if model == "NVIDIA A100":
        if vendor == "Microsoft Azure" and inst.startswith("NC"):
            return "a100-pcie-80gb"
        return "a100-sxm4-40gb"                           # p4d.24xlarge, ND96asr A100 v4
    if model == "NVIDIA A100 PCIe":
        return "a100-pcie-40gb" if "40" in desc else "a100-pcie-80gb"
    if model == "NVIDIA H100 PCIe":
        return "h100-nvl" if "94" in desc else "h100-pcie"
    return None


def is_us(location: str) -> bool:
    loc = (location or "").strip()
    return not loc or "US" in loc or "us-" in loc or "Iowa" in loc or "Oregon" in loc


def load_epoch(ref: Path):
    path = ref / "epoch-training-cost-trends" / "hardware_prices_2025-11.csv"
    obs = []
    with open(path, newline="", encoding="utf-8-sig") as f:
        for r in csv.DictReader(f):
            cols = {"on-demand": num(r["Price per chip-hour (on-demand)"]),
                    "1-year": num(r["Price per chip-hour (1-year CUD)"]),
                    "3-year": num(r["Price per chip-hour (3-year CUD)"])}
            if not any(cols.values()):
                continue
            url = r["Price source"].strip()
            if "cloud-gpus.csv" in url or "the-full-stack" in url:
                continue                                  # Epoch's copy of the FSDL table
            vendor = r["Vendor"].strip()
            if vendor in EPOCH_SKIP_VENDORS or not is_us(r["Location"]):
                continue
            inst = epoch_instance_text(r)
            desc = r["Cloud GPU description"] or ""
            gpu = epoch_gpu(r["Hardware model"].strip(), vendor, inst, desc)
            if gpu is None:
                continue
            prov = provider_id(vendor)
            if prov == "aws" and not inst:
                inst = AWS_INSTANCE.get(gpu, "")
            if prov == "gcp" and not inst and not gpu.startswith("tpu"):
                inst = "GPU attachment (excl. VM)"
            d = r["Price date"].strip()
            note = ""
            factor = 1.0
            if gpu == "k80" and prov == "gcp" and abs(cols["on-demand"] - 1.40) < 1e-9:
                factor, note = 0.5, "; Epoch's $1.40 is per K80 board (2 GPUs), halved"
            src = EPOCH_CITE.format(url=url) + note
            for kind, price in cols.items():
                if price is None:
                    continue
                price *= factor
                key = (gpu, prov, kind, inst)
                obs.append((key, d, price, row(gpu, prov, d, kind, price, inst, src)))
    return keep_changes(obs)


# ----------------------------------------------------------------------------------------------
# 3. DAWNBench (facts extracted per entry)
# ----------------------------------------------------------------------------------------------
N1_STANDARD_2 = 0.095   # $/h, GCP n1-standard-2 (us-central1) host VM included in the Cloud TPU entries


def dawn_entry(hardware: str, cost: float):
    """Map one DAWNBench hardware string to (gpu, provider, instance, price per accelerator-hour)."""
    h = hardware
    if "p2.xlarge" in h and h.startswith("1 K80"):
        return ("k80", "aws", "p2.xlarge", cost)
    if h.strip() == "g3.4xlarge":
        return ("m60", "aws", "g3.4xlarge", cost)         # 1 M60 GPU (half board)
    if "p3.2xlarge" in h:
        return ("v100-sxm2-16gb", "aws", "p3.2xlarge", cost)
    if "p3.16xlarge" in h:                                # 8 V100 per machine, possibly several machines
        m = re.match(r"^(\d+) p3\.16xlarge", h) or re.search(r"(\d+) machines", h)
        machines = int(m.group(1)) if m else 1
        return ("v100-sxm2-16gb", "aws", "p3.16xlarge", cost / (8 * machines))
    if h.startswith("Paperspace Volta"):
        return ("v100-sxm2-16gb", "paperspace", "V100", cost)
    if h.startswith("GCP n1-standard-2, Cloud TPU"):
        # Cloud TPU v2 device = 4 chips; costPerHour includes the n1-standard-2 host
        return ("tpu-v2", "gcp", "v2-8 (per chip, excl. host VM)", (cost - N1_STANDARD_2) / 4)
    if h.startswith("1 ecs.gn6e-c12g1.24xlarge"):
        return ("v100-sxm2-32gb", "alibaba", "ecs.gn6e-c12g1.24xlarge", cost / 8)
    # Not used: 'p2.8xlarge' 4.56 and 'g3.16xlarge' 7.2 (the two DAWN entries carry each other's
    # list price: p2.8xlarge was $7.20/h, g3.16xlarge $4.56/h), multi-node and CPU entries,
    # GTX 1080 Ti (not in catalog), Baidu/Azure entries whose GPU variant or price kind is unclear.
    return None


def load_dawn(ref: Path):
    path = ref / "dawnbench-derived" / "dawnbench_training_derived.csv"
    PROVIDERS.setdefault("alibaba", "alibaba")
    best = OrderedDict()
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            cost = num(r["costPerHour_usd"])
            if cost is None:
                continue
            m = dawn_entry(r["hardware"], cost)
            if m is None:
                continue
            gpu, prov, inst, price = m
            d = r["timestamp"].strip()
            key = (gpu, prov, inst, round(price, 4))
            src = DAWN_CITE.format(f=r["json_file"].strip(), d=d)
            if key not in best or d < best[key]["date_observed"]:
                best[key] = row(gpu, prov, d, "on-demand", price, inst, src)
    return list(best.values())


# ----------------------------------------------------------------------------------------------
def build(ref: Path):
    rows = load_fsdl(ref) + load_epoch(ref) + load_dawn(ref)
    rows += [row(*h) for h in HAND_ROWS]
    out = OrderedDict()
    for r in rows:
        key = (r["gpu"], r["provider"], r["date_observed"], r["kind"], r["instance"])
        out.setdefault(key, r)                    # first source wins on exact duplicates
    rows = sorted(out.values(), key=lambda r: (r["gpu"], r["date_observed"], r["provider"], r["kind"], r["instance"]))
    return rows


def check(rows):
    with open(ACCELERATORS, newline="", encoding="utf-8") as f:
        names = {r["name"] for r in csv.DictReader(f)}
    bad = sorted({r["gpu"] for r in rows} - names)
    if bad:
        raise SystemExit(f"prices reference GPUs missing from {ACCELERATORS.name}: {bad}")
    for r in rows:
        assert float(r["price_usd_per_gpu_hour"]) > 0, r
        assert r["source"], r


def write(rows, out: Path):
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as f:
        f.write(",".join(COLUMNS) + "\n")
        for r in rows:
            f.write(",".join(csv_field(r[c]) for c in COLUMNS) + "\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ref", type=Path, default=DEFAULT_REF, help="shared/reference-data folder")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--check", action="store_true", help="validate against the bundled accelerators table")
    args = ap.parse_args(argv)
    if not args.ref.is_dir():
        raise SystemExit(f"reference data not found: {args.ref} (set --ref or COSTCURVE_REFERENCE_DATA)")
    rows = build(args.ref)
    if args.check or ACCELERATORS.exists():
        check(rows)
    write(rows, args.out)
    print(f"wrote {len(rows)} rows to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
