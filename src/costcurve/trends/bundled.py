"""The bundled series: cost to reach a fixed capability, price-performance, frontier runs.

Every bundled series is built from the catalogs where it can be (models, accelerators, prices,
priced by :func:`costcurve.training.estimate.estimate_training` at the prices of each point's date);
only points no catalog holds (DAWNBench entries, GPT-2 reproductions) live in
``data/series_points_<DATA_VERSION>.csv``, each row with its source.
"""

from __future__ import annotations

import csv
import datetime as dt
import inspect
import math
from importlib import resources

import numpy as np

from ..catalog import DTYPES, HALF, PRICE_KINDS, data_file
from ..errors import CatalogError, CostcurveError, InputError, UnknownNameError
from ..files import csv_number, printable
from ..units import parse_date
from .series import Point, Series

POINTS_FILE = data_file("series_points")

GPT3_MMLU_5SHOT = 43.9  #: GPT-3 175B, MMLU 5-shot (Hendrycks et al. 2021, Table 1) [%]
#: catalog models that published a GPT-3-quality claim without an MMLU score (shown as reported costs)
GPT3_QUALITY_CLAIMS = ("mosaicml gpt-3-quality",)


# ---- pricing a run at the prices of its date -----------------------------------------------------
def era_default_gpu(date: dt.date) -> str:
    """Accelerator assumed when a model's hardware is not published: the common training GPU of its date."""
    date = date if isinstance(date, dt.date) else parse_date(date)
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
    from costcurve.training.estimate import estimate_training

    notes = []
    if training_flop is None and gpu_hours is None:
        raise InputError("needed: training_flop or gpu_hours of the run", field="training_flop")
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
def _training_at(cap, price_kind, catalog) -> tuple:
    """Points (priced runs), skipped names and reported costs of catalog models with MMLU >= the level."""
    cat = _catalog(catalog)
    pts, skipped, ref = [], [], []
    for rec in cat.models.values():
        mmlu = rec.get("mmlu_5shot")
        if mmlu is not None and mmlu >= cap.threshold:
            p = _model_point(cat, rec, price_kind)
            (pts.append(p) if p else skipped.append(rec["name"]))
        claim = rec["name"].lower().startswith(GPT3_QUALITY_CLAIMS) and cap.threshold <= GPT3_MMLU_5SHOT
        if rec.get("cost_usd_reported") and (claim or (mmlu is not None and mmlu >= cap.threshold)):
            ref.append(Point(rec["publication_date"], rec["cost_usd_reported"], rec["name"], rec["source"],
                             rec.get("cost_note") or "reported"))
    return pts, skipped, ref


def training_cost(*, capability="gpt-3", threshold: float | None = None, price_kind: str = "on-demand",
                  catalog=None, name: str = "training-cost") -> Series:
    """Training cost of every catalog model at or above a capability level (``mmlu>=X`` or a preset).

    Each model is priced by the core estimator at the catalog's ``price_kind`` prices of its
    publication date; reported costs (GPT-3 ~$4.6M, Lambda 2020; MosaicML "GPT-3 quality for
    ~$450K", 2022) are kept as reference points. Fits use the records (cheapest so far) by default.
    The models catalog holds MMLU 5-shot only, so other benchmarks are refused.
    ``threshold`` (MMLU [%]) is the older spelling of ``capability="mmlu>=X"``.
    """
    from .capability import parse_capability

    if threshold is not None:
        if not (isinstance(threshold, (int, float)) and math.isfinite(threshold) and 0 <= threshold <= 100):
            raise InputError(f"got {threshold!r}; allowed: an MMLU score 0..100", field="threshold")
        capability = f"mmlu>={threshold:g}"
    cap = parse_capability(capability)
    if cap.bench != "mmlu":
        raise InputError(f"got {cap.spec}; the training series know MMLU 5-shot only (the models catalog's "
                         "mmlu_5shot): use mmlu>=X or the presets gpt-3, gpt-3.5, gpt-4", field="capability")
    pts, skipped, ref = _training_at(cap, price_kind, catalog)
    notes = (f"qualifies: MMLU 5-shot >= {cap.threshold:g} (GPT-3 175B: {GPT3_MMLU_5SHOT})",
             f"priced at catalog {price_kind} prices of each publication date (cloud method)")
    if skipped:
        notes += (f"not priced (no training FLOP or no price): {', '.join(sorted(skipped))}",)
    level = "GPT-3 level (MMLU 5-shot >= 43.9)" if cap.threshold == GPT3_MMLU_5SHOT else \
        f"MMLU 5-shot >= {cap.threshold:g}"
    return Series(name, f"Cost to train a model at {level}", "USD", tuple(pts), "lower", "records",
                  f"Cloud cost of every catalog model that matches or beats {level} on MMLU 5-shot.",
                  "costcurve models, accelerators and prices catalogs", tuple(ref), notes)


def gpt3_level(*, threshold: float | None = None, capability="gpt-3", price_kind: str = "on-demand",
               catalog=None) -> Series:
    """Training cost at GPT-3 level: :func:`training_cost` with the preset ``gpt-3`` (MMLU 5-shot >= 43.9)."""
    return training_cost(capability=capability, threshold=threshold, price_kind=price_kind, catalog=catalog,
                         name="gpt3-level")


def inference_price(*, capability="gpt-3.5", include_reasoning: bool = False, catalog=None, rows=None) -> Series:
    """API price [USD per 1M tokens, Epoch's 3:1 blend] of every model at or above a capability level.

    Points: :func:`costcurve.trends.api_prices.price_points` with a score >= the level (open models at
    the median across providers); fits use the records (cheapest so far), as Epoch AI does.
    ``rows``: other :class:`~costcurve.trends.api_prices.ApiPrice` rows (e.g. from
    :func:`costcurve.trends.sources.read_epoch_prices`) instead of the bundled table.
    """
    from .api_prices import SOURCE, price_points
    from .capability import parse_capability

    cap = parse_capability(capability)
    pts = []
    for r in price_points(rows, include_reasoning=include_reasoning):
        score = r.scores.get(cap.bench)
        if score is None or score < cap.threshold:
            continue
        pts.append(Point(r.date, r.usd_per_m_blended, r.model, r.source, r.provider,
                         {"score": score, "provider": r.provider, "price_basis": r.price_basis,
                          "open_weights": r.open_weights, "params": r.params, "active_params": r.active_params,
                          "usd_per_m_input": r.usd_per_m_input, "usd_per_m_output": r.usd_per_m_output,
                          "n_providers": r.n_providers, "architecture": r.architecture or None}))
    notes = (f"qualifies: {cap.title}" + (f"; level model: {cap.note}" if cap.note else ""),
             "price: 3 x input + output over 4 [USD per 1M tokens]; open models at the median across providers",
             "reasoning models left out (their price per token is not their price per answer)" if not include_reasoning
             else "reasoning models included")
    return Series("inference-price", f"API price at {cap.title} (USD per 1M tokens, 3:1 blend)", "USD per 1M tokens",
                  tuple(pts), "lower", "records",
                  f"Cheapest API price of a model with {cap.title}; Epoch AI's method (Cottier et al. 2025).",
                  SOURCE, notes=notes)


POINT_COLUMNS = ("series", "date", "label", "hardware", "hardware_count", "hours", "cost_usd_reported", "note", "source")


def _points_csv() -> list[dict]:
    text = resources.files("costcurve").joinpath("data", POINTS_FILE).read_text(encoding="utf-8")
    return parse_points(text)


def parse_points(text: str, path: str = f"costcurve/data/{POINTS_FILE}") -> list[dict]:
    """Rows of the series-points table, checked: every column present, numbers positive, a source on every row."""
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in POINT_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise CatalogError(path, 1, None, f"missing column(s) {', '.join(missing)}")
    rows = []
    for i, r in enumerate(reader, start=2):
        for col in ("series", "date", "label", "source"):
            if not (r.get(col) or "").strip():
                raise CatalogError(path, i, col, "is empty; a value is required")
        for col in ("hardware_count", "hours", "cost_usd_reported"):
            r[col] = csv_number(r, col, path, i, positive=True)
        rows.append(r)
    return rows


def _table_series(name, title, description, cat=None, price_kind="on-demand", extra_points=()) -> Series:
    """Points of ``series_points_<DATA_VERSION>.csv``: priced at catalog prices when hardware and hours are given."""
    pts, path = list(extra_points), f"costcurve/data/{POINTS_FILE}"
    for i, r in enumerate(_points_csv(), start=2):
        if r["series"] != name:
            continue
        try:
            date = dt.date.fromisoformat(r["date"])
        except ValueError:
            raise CatalogError(path, i, "date", f"got {r['date']!r}; allowed: YYYY-MM-DD") from None
        reported = r["cost_usd_reported"]
        extra = {"reported_usd": reported}
        notes = [r["note"]] if r["note"] else []
        if r["hardware"] and r["hours"]:
            cat = cat or _catalog(None)
            n = r["hardware_count"] or 1.0
            cost, det, more = price_run(cat, date=date, gpu=r["hardware"], gpu_hours=n * r["hours"],
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
                  f"costcurve/data/{POINTS_FILE} (sources per point)", (),
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


def _check_dtype(dtype):
    if dtype not in (HALF, *DTYPES):
        raise InputError(f"got {printable(str(dtype))!r}; allowed: {', '.join((HALF, *DTYPES))}", field="dtype")


def gpu_price_performance(*, dtype: str = "16-bit", catalog=None) -> Series:
    """Peak FLOP/s per purchase dollar of each catalog accelerator with a price, at its release date."""
    _check_dtype(dtype)
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
    _check_dtype(dtype)
    if price_kind not in PRICE_KINDS:
        raise InputError(f"got {printable(str(price_kind))!r}; allowed: {', '.join(PRICE_KINDS)}", field="price_kind")
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
    "training-cost": (training_cost, "Cost to train a model at --capability mmlu>=X (default: the gpt-3 preset)."),
    "inference-price": (inference_price, "API price (USD per 1M tokens, 3:1 blend) of the cheapest model at "
                        "--capability (default gpt-3.5: MMLU >= 68)."),
    "resnet50-imagenet": (resnet50_imagenet, "DAWNBench: cost to train ImageNet to 93% top-5, 2017-2020."),
    "cifar10": (cifar10, "Cost to train CIFAR-10 to 94% (DAWNBench 2017-2019, airbench 2024)."),
    "gpt2-level": (gpt2_level, "Cost to train a GPT-2 (1.5B)-level model: OpenAI 2019, OpenGPT-2, llm.c, modded-nanogpt."),
    "gpt2-small-level": (gpt2_small_level, "Cost to train GPT-2 (124M) level: nanoGPT, llm.c, modded-nanogpt records."),
    "gpu-price-performance": (gpu_price_performance, "Peak FLOP/s per purchase dollar of each accelerator, by release date."),
    "gpu-cloud-price-performance": (gpu_cloud_price_performance, "Peak FLOP per rental dollar, per accelerator and year."),
    "frontier-training": (frontier_training, "Cloud cost of the largest runs (within 10x of the largest so far)."),
    "frontier-training-flop": (frontier_training_flop, "Training FLOP of the largest runs (same selection)."),
}


#: series that repeat another at their default options (left out of "every series" backtests)
SAME_AS = {"training-cost": "gpt3-level"}


def list_series() -> list[tuple[str, str]]:
    """(name, one-line description) of every bundled series."""
    return [(k, v[1]) for k, v in SERIES.items()]


def series_listing(*, catalog=None) -> list[dict]:
    """One dict per bundled series: name, description, title, unit, n_points, start, end (ISO dates),
    fit_points (the default point selection) and source."""
    cat = _catalog(catalog)
    out = []
    for n, desc in list_series():
        s = get_series(n, catalog=cat)
        out.append({"name": n, "description": desc, "title": s.title, "unit": s.unit, "n_points": len(s),
                    "start": s.points[0].date.isoformat() if s.points else None,
                    "end": s.points[-1].date.isoformat() if s.points else None,
                    "fit_points": s.default_points, "source": s.source})
    return out


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
