"""The bundled series: cost to reach a fixed capability, price-performance, frontier runs.

Every bundled series is built from the catalogs where it can be (models, accelerators, prices,
priced by :func:`costcurve.training.estimate_training` at the prices of each point's date);
only points no catalog holds (DAWNBench entries, GPT-2 reproductions) live in
``data/series_points_2026-11.csv``, each row with its source.
"""

from __future__ import annotations

import csv
import datetime as dt
import inspect
import math
from importlib import resources

import numpy as np

from ..errors import CatalogError, CostcurveError, InputError, UnknownNameError
from .series import Point, Series

GPT3_MMLU_5SHOT = 43.9  #: GPT-3 175B, MMLU 5-shot (Hendrycks et al. 2021, Table 1) [%]
#: catalog models that published a GPT-3-quality claim without an MMLU score (shown as reported costs)
GPT3_QUALITY_CLAIMS = ("mosaicml gpt-3-quality",)


# ---- pricing a run at the prices of its date -----------------------------------------------------
def era_default_gpu(date: dt.date) -> str:
    """Accelerator assumed when a model's hardware is not published: the common training GPU of its date."""
    if date < dt.date(2020, 7, 1):
        return "v100-sxm2-32gb"
    if date < dt.date(2023, 7, 1):
        return "a100-sxm4-80gb"
    return "h100-sxm5"


def price_run(cat, *, date, gpu=None, training_flop=None, gpu_hours=None, gpus=None, price_kind="on-demand"):
    """Cloud cost of a run at catalog prices of ``date`` through :func:`estimate_training`.

    Given ``gpu_hours``, the MFU is set so the estimator reproduces them
    (MFU = FLOP / (accelerator-hours × 3600 × peak)); otherwise the default MFU model applies.
    Returns (cost [USD], details dict); cost is NaN when the catalog has no price for the accelerator.
    """
    from ..training import estimate_training

    notes = []
    if gpu is None:
        gpu = era_default_gpu(date)
        notes.append(f"hardware not published: assumed {gpu}")
    acc = cat.accelerator(gpu)
    if training_flop is None:  # hardware and wall clock known: accelerator-hours × price
        peak = acc.peak_flop_per_s("16-bit")
        training_flop = gpu_hours * 3600.0 * peak * 0.4
        mfu = 0.4
    else:
        mfu = None
        if gpu_hours:
            implied = training_flop / (gpu_hours * 3600.0 * acc.peak_flop_per_s("16-bit"))
            if 0.01 <= implied <= 1.0:
                mfu = implied
            else:
                notes.append(f"published accelerator-hours imply MFU {implied:.3g}; default MFU used")
    est = estimate_training(training_flop=training_flop, gpu=acc.name, gpus=gpus, mfu=mfu, date=date, dtype=acc.half_dtype,
                            price_kind=price_kind, catalog=cat)
    details = {"gpu": acc.name, "gpu_hours": float(est.gpu_hours), "mfu": float(est.mfu),
               "price_usd_per_gpu_hour": float(est.price_usd_per_gpu_hour), "price_source": est.price_source}
    return float(est.cost_cloud_usd), details, notes


def _catalog(catalog):
    from ..catalog import Catalog, load_catalog

    return catalog if isinstance(catalog, Catalog) else load_catalog(catalog)


def _model_point(cat, rec, price_kind, label=None) -> Point | None:
    if not rec.get("training_flop"):
        return None
    cost, det, notes = price_run(cat, date=rec["publication_date"], gpu=rec.get("hardware"),
                                 training_flop=rec["training_flop"], gpu_hours=rec.get("gpu_hours"),
                                 gpus=rec.get("hardware_count"), price_kind=price_kind)
    if not math.isfinite(cost):
        return None
    extra = {"training_flop": rec["training_flop"], "reported_usd": rec.get("cost_usd_reported"),
             "mmlu_5shot": rec.get("mmlu_5shot"), **det}
    return Point(rec["publication_date"], cost, label or rec["name"], rec["source"], "; ".join(notes), extra)


# ---- bundled series -------------------------------------------------------------------------------
def gpt3_level(*, threshold: float = GPT3_MMLU_5SHOT, price_kind: str = "on-demand", catalog=None) -> Series:
    """Training cost of every catalog model with MMLU 5-shot >= ``threshold`` [%] (GPT-3 175B = 43.9).

    Each model is priced by the core estimator at the catalog's ``price_kind`` prices of its
    publication date; reported costs (GPT-3 ~$4.6M, Lambda 2020; MosaicML "GPT-3 quality for
    ~$450K", 2022) are kept as reference points. Fits use the records (cheapest so far) by default.
    """
    cat = _catalog(catalog)
    pts, skipped, ref = [], [], []
    for rec in cat.models.values():
        mmlu = rec.get("mmlu_5shot")
        if mmlu is not None and mmlu >= threshold:
            p = _model_point(cat, rec, price_kind)
            (pts.append(p) if p else skipped.append(rec["name"]))
        claim = rec["name"].lower().startswith(GPT3_QUALITY_CLAIMS)
        if rec.get("cost_usd_reported") and (claim or (mmlu is not None and mmlu >= threshold)):
            ref.append(Point(rec["publication_date"], rec["cost_usd_reported"], rec["name"], rec["source"],
                             rec.get("cost_note") or "reported"))
    notes = (f"qualifies: MMLU 5-shot >= {threshold:g} (GPT-3 175B: {GPT3_MMLU_5SHOT})",
             f"priced at catalog {price_kind} prices of each publication date (cloud method)")
    if skipped:
        notes += (f"not priced (no training FLOP or no price): {', '.join(sorted(skipped))}",)
    return Series("gpt3-level", f"Cost to train a model at GPT-3 level (MMLU 5-shot >= {threshold:g})", "USD",
                  tuple(pts), "lower", "records",
                  "Cloud cost of every catalog model that matches or beats GPT-3 175B on MMLU 5-shot.",
                  "costcurve models, accelerators and prices catalogs", tuple(ref), notes)


def _points_csv() -> list[dict]:
    text = resources.files("costcurve").joinpath("data", "series_points_2026-11.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def _table_series(name, title, description, cat=None, price_kind="on-demand", extra_points=()) -> Series:
    """Points of ``series_points_2026-11.csv``: priced at catalog prices when hardware and hours are given."""
    pts, path = list(extra_points), "costcurve/data/series_points_2026-11.csv"
    for i, r in enumerate(_points_csv(), start=2):
        if r["series"] != name:
            continue
        try:
            date = dt.date.fromisoformat(r["date"])
        except ValueError:
            raise CatalogError(path, i, "date", f"got {r['date']!r}; allowed: YYYY-MM-DD") from None
        reported = float(r["cost_usd_reported"]) if r["cost_usd_reported"] else None
        extra = {"reported_usd": reported}
        notes = [r["note"]] if r["note"] else []
        if r["hardware"] and r["hours"]:
            cat = cat or _catalog(None)
            n = float(r["hardware_count"] or 1)
            cost, det, more = price_run(cat, date=date, gpu=r["hardware"], gpu_hours=n * float(r["hours"]),
                                        gpus=n, price_kind=price_kind)
            extra.update(det)
            notes += more
            value = cost if math.isfinite(cost) else reported
        else:
            value = reported
        if value is None or not value > 0:
            raise CatalogError(path, i, "cost_usd_reported", "needs a cost, or hardware and hours to price")
        pts.append(Point(date, value, r["label"], r["source"], "; ".join(notes), extra))
    return Series(name, title, "USD", tuple(pts), "lower", "records", description,
                  "costcurve/data/series_points_2026-11.csv (sources per point)", (),
                  ("priced at catalog prices where hardware and hours are published, else the published cost",))


def resnet50_imagenet(*, catalog=None) -> Series:
    """DAWNBench: cloud cost to train ImageNet to 93 % top-5 (mostly ResNet-50), 2017-2020."""
    return _table_series("resnet50-imagenet", "Cost to train ImageNet to 93% top-5 (DAWNBench)",
                         "DAWNBench entries with a cost: hours to 93% top-5 x the entry's cloud price. 2017 "
                         "baselines are ResNet-152; most later entries ResNet-50.")


def cifar10(*, catalog=None, price_kind="on-demand") -> Series:
    """DAWNBench CIFAR-10 to 94 % top-1 (2017-2019) and airbench (2024)."""
    return _table_series("cifar10", "Cost to train CIFAR-10 to 94% accuracy",
                         "DAWNBench entries with a cost (2017-2019) and airbench94 (2024, 3.29 s on one A100).",
                         _catalog(catalog), price_kind)


def gpt2_level(*, catalog=None, price_kind="on-demand") -> Series:
    """GPT-2 (1.5B)-level training: OpenAI 2019 (models catalog), OpenGPT-2, llm.c, modded-nanogpt."""
    cat = _catalog(catalog)
    extra = []
    try:
        p = _model_point(cat, cat.model("GPT-2 (1.5B)"), price_kind, "OpenAI GPT-2 1.5B")
        extra = [p] if p else []
    except UnknownNameError:
        pass
    return _table_series("gpt2-level", "Cost to train a GPT-2 (1.5B)-level model",
                         "OpenAI's GPT-2 1.5B (2019, priced from the models catalog) and its reproductions.",
                         cat, price_kind, extra)


def gpt2_small_level(*, catalog=None, price_kind="on-demand") -> Series:
    """GPT-2 (124M)-level: nanoGPT (2023), llm.c (2024), modded-nanogpt speedrun records (8xH100)."""
    return _table_series("gpt2-small-level", "Cost to train a GPT-2 (124M)-level model (3.28 FineWeb val loss)",
                         "nanoGPT and llm.c reproductions and the modded-nanogpt speedrun records on 8xH100.",
                         _catalog(catalog), price_kind)


def gpu_price_performance(*, dtype: str = "16-bit", catalog=None) -> Series:
    """Peak FLOP/s per purchase dollar of each catalog accelerator with a price, at its release date."""
    cat = _catalog(catalog)
    pts = []
    for a in cat.accelerators.values():
        if a.price_usd:
            try:
                peak = a.peak_flop_per_s(dtype)
            except CostcurveError:  # no peak in this dtype (e.g. fp8 on older chips)
                continue
            pts.append(Point(a.release_date, peak / a.price_usd, a.name, a.source, f"{dtype} peak / launch price",
                             {"peak_flop_per_s": peak, "price_usd": a.price_usd}))
    return Series("gpu-price-performance", f"Accelerator price-performance ({dtype} peak FLOP/s per purchase USD)",
                  "FLOP/s per USD", tuple(pts), "higher", "all",
                  "Dense peak FLOP/s over launch price, one point per catalog accelerator with a price.",
                  "costcurve accelerators catalog")


def gpu_cloud_price_performance(*, dtype: str = "16-bit", price_kind: str = "on-demand", catalog=None) -> Series:
    """FLOP per rental dollar at peak: peak FLOP/s × 3600 / hourly price; median per accelerator and year."""
    cat = _catalog(catalog)
    groups: dict = {}
    for q in cat.prices:
        if q.kind == price_kind:
            groups.setdefault((q.gpu, q.date_observed.year), []).append(q)
    pts = []
    for (gpu, _year), qs in groups.items():
        acc = cat.accelerator(gpu)
        try:
            peak = acc.peak_flop_per_s(dtype)
        except CostcurveError:  # no peak in this dtype
            continue
        price = float(np.median([q.price_usd_per_gpu_hour for q in qs]))
        date = sorted(q.date_observed for q in qs)[len(qs) // 2]
        pts.append(Point(date, peak * 3600.0 / price, gpu, "; ".join(sorted({q.source for q in qs}))[:300],
                         f"median of {len(qs)} {price_kind} quote(s), ${price:.2f}/h",
                         {"peak_flop_per_s": peak, "price_usd_per_gpu_hour": price, "n_quotes": len(qs)}))
    return Series("gpu-cloud-price-performance", f"Cloud price-performance ({dtype} peak FLOP per rental USD)",
                  "FLOP per USD", tuple(pts), "higher", "all",
                  f"Peak FLOP bought by one dollar of {price_kind} rental; one point per accelerator and year.",
                  "costcurve accelerators and prices catalogs")


def frontier_training(*, within_oom: float = 1.0, quantity: str = "cost", price_kind: str = "on-demand",
                      catalog=None) -> Series:
    """Largest training runs: catalog models within ``within_oom`` orders of magnitude of the largest
    training FLOP published up to their date (the record-so-far).

    ``quantity``: ``cost`` (cloud cost at catalog prices of the date [USD]) or ``flop`` [FLOP].
    (Cottier et al. 2024 use "top 10 at release" on Epoch's ~1,000 models; the curated catalog is too
    sparse for a rank rule, so a distance to the record is used. ``--source epoch:PATH`` applies theirs.)
    """
    if quantity not in ("cost", "flop"):
        raise InputError(f"got {quantity!r}; allowed: cost, flop", field="quantity")
    if not (isinstance(within_oom, (int, float)) and within_oom >= 0):
        raise InputError(f"got {within_oom!r}; allowed: a number >= 0", field="within_oom")
    cat = _catalog(catalog)
    models = sorted((m for m in cat.models.values() if m.get("training_flop")), key=lambda m: m["publication_date"])
    pts, ref, record = [], [], 0.0
    for i, m in enumerate(models):
        record = max(record, m["training_flop"])
        if i == 0 or m["training_flop"] < record / 10.0 ** within_oom:  # the first has nothing to compare with
            continue
        if quantity == "flop":
            pts.append(Point(m["publication_date"], m["training_flop"], m["name"], m["source"]))
            continue
        p = _model_point(cat, m, price_kind)
        if p:
            pts.append(p)
        if m.get("cost_usd_reported"):
            ref.append(Point(m["publication_date"], m["cost_usd_reported"], m["name"], m["source"],
                             m.get("cost_note") or "reported"))
    unit = "USD" if quantity == "cost" else "FLOP"
    what = "cloud cost" if quantity == "cost" else "training FLOP"
    return Series("frontier-training" + ("" if quantity == "cost" else "-flop"),
                  f"Frontier training runs ({what}; within {within_oom:g} OOM of the largest so far)",
                  unit, tuple(pts), "higher", "all",
                  f"Catalog models whose training FLOP is within {within_oom:g} orders of magnitude of the largest "
                  "run published up to their date.", "costcurve models catalog", tuple(ref))


def frontier_training_flop(*, within_oom: float = 1.0, catalog=None) -> Series:
    """Training FLOP of the largest runs (same selection as :func:`frontier_training`). [FLOP]"""
    return frontier_training(within_oom=within_oom, quantity="flop", catalog=catalog)


SERIES = {
    "gpt3-level": (gpt3_level, "Cost to train a model at GPT-3 level (MMLU 5-shot >= 43.9), catalog prices of its date."),
    "resnet50-imagenet": (resnet50_imagenet, "DAWNBench: cost to train ImageNet to 93% top-5, 2017-2020."),
    "cifar10": (cifar10, "Cost to train CIFAR-10 to 94% (DAWNBench 2017-2019, airbench 2024)."),
    "gpt2-level": (gpt2_level, "Cost to train a GPT-2 (1.5B)-level model: OpenAI 2019, OpenGPT-2, llm.c, modded-nanogpt."),
    "gpt2-small-level": (gpt2_small_level, "Cost to train GPT-2 (124M) level: nanoGPT, llm.c, modded-nanogpt records."),
    "gpu-price-performance": (gpu_price_performance, "Peak FLOP/s per purchase dollar of each accelerator, by release date."),
    "gpu-cloud-price-performance": (gpu_cloud_price_performance, "Peak FLOP per rental dollar, per accelerator and year."),
    "frontier-training": (frontier_training, "Cloud cost of the largest runs (within 10x of the largest so far)."),
    "frontier-training-flop": (frontier_training_flop, "Training FLOP of the largest runs (same selection)."),
}


def list_series() -> list[tuple[str, str]]:
    """(name, one-line description) of every bundled series."""
    return [(k, v[1]) for k, v in SERIES.items()]


def get_series(name: str, *, catalog=None, **options) -> Series:
    """A bundled series by name. ``options`` go to its builder (e.g. ``threshold=60`` for gpt3-level)."""
    key = str(name).strip().lower()
    if key not in SERIES:
        raise UnknownNameError("series", name, SERIES)
    builder = SERIES[key][0]
    params = inspect.signature(builder).parameters
    for opt in options:
        if opt not in params:
            takes = [k for k, (b, _) in SERIES.items() if opt in inspect.signature(b).parameters]
            raise InputError(f"does not apply to {key}; it applies to: {', '.join(takes) or 'no series'}", field=opt)
    return builder(catalog=catalog, **options)
