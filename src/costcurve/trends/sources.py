"""Series from outside data: a user's CSV (``date,value[,label][,cumulative]``) and Epoch AI's exports.

Epoch AI's public CSV exports are turned into costcurve records and series.

Supported exports (https://epoch.ai/data, CC BY — credit "Epoch AI"):

* "Notable AI Models", "Large-Scale AI Models" and "All ML Systems": one row per model with
  ``Model``, ``Publication date``, ``Training compute (FLOP)``, ``Training compute cost (2023 USD)``
  (text such as ``$6770000.00``), hardware columns and, in the Notable export, ``Frontier model``.
* "ML Hardware": one row per accelerator with ``Hardware name``, ``Release date``,
  ``Release price (USD)`` and peak FLOP/s per precision.

Frontier models follow Cottier et al. 2024 (arXiv:2405.21015): the export's ``Frontier model`` flag
where present, else "in the top 10 by training compute among models published up to its date".
Fitting log(cost) of frontier models since 2016 gives about 2.4x a year (90 % CI 2.0-2.9x).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

from ..errors import CatalogError, InputError
from ..files import decode_text, parse_csv, printable, read_bytes
from ..units import parse_date
from .series import Point, Series

MODEL_COLUMNS = ("Model", "Publication date")
HARDWARE_COLUMNS = ("Hardware name", "Release date")
COST_COLUMN = "Training compute cost (2023 USD)"
HARDWARE_FLOP_COLUMNS = {  # dtype -> export column [FLOP/s]
    "bf16": "Tensor-FP16/BF16 performance (FLOP/s)", "fp16": "FP16 (half precision) performance (FLOP/s)",
    "fp32": "FP32 (single precision) performance (FLOP/s)", "tf32": "TF32 (TensorFloat-32) performance (FLOP/s)",
    "fp8": "FP8 performance (FLOP/s)",
}
SOURCE = "Epoch AI (CC BY 4.0), {file}"
MAX_FILE_BYTES = 256 * 2**20  #: largest outside file read [bytes]; Epoch's biggest export is ~10 MB


def _csv_rows(path, field: str = "source") -> tuple[list[str], list[dict]]:
    """Header and rows of a user's CSV: a regular UTF-8 file read by :func:`costcurve.files.read_bytes`
    (FileInputError with ``field`` otherwise). Control characters inside cells (Epoch's Notable AI Models
    export has one) are kept as visible escapes such as ``\\x14``, so none reaches the terminal raw."""
    data = read_bytes(path, field=field, max_bytes=MAX_FILE_BYTES)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        decode_text(data, field=field, source=str(path))  # raises the precise FileInputError
        raise
    t = parse_csv(printable(text), field=field, source=str(path))
    return t.header, t.rows


def detect_export(path) -> str:
    """``models`` or ``hardware``, from the header of an Epoch export."""
    header, _ = _csv_rows(path)
    if all(c in header for c in MODEL_COLUMNS):
        return "models"
    if all(c in header for c in HARDWARE_COLUMNS):
        return "hardware"
    raise CatalogError(path, 1, None, "not an Epoch AI export: expected the columns 'Model' and 'Publication date' "
                                      "(models) or 'Hardware name' and 'Release date' (ML Hardware)")


def _number(text, path, row, col, allow_empty=True):
    s = (text or "").strip().replace("$", "").replace(",", "")
    if not s:
        if allow_empty:
            return None
        raise CatalogError(path, row, col, "is empty; a value is required")
    try:
        v = float(s)
    except ValueError:
        raise CatalogError(path, row, col, f"got {text!r}; allowed: a number (e.g. $6770000.00)") from None
    if not math.isfinite(v) or v < 0:
        raise CatalogError(path, row, col, f"got {text!r}; allowed: a finite number >= 0")
    return v


def _date(text, path, row, col):
    s = (text or "").strip()[:10]
    if not s:
        return None
    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        raise CatalogError(path, row, col, f"got {text!r}; allowed: a date YYYY-MM-DD") from None


def read_epoch_models(path) -> list[dict]:
    """Rows of a models export in base units: name, organization, publication_date, domain, params,
    training_flop [FLOP], cost_usd_2023 [USD of 2023], hardware, hardware_count, training_hours [h],
    frontier (True/False, or None when the export has no flag). Rows without a date are skipped."""
    header, rows = _csv_rows(path)
    missing = [c for c in MODEL_COLUMNS if c not in header]
    if missing:
        raise CatalogError(path, 1, None, f"missing column(s) {', '.join(missing)} of an Epoch models export")
    has_flag = "Frontier model" in header
    out = []
    for i, r in enumerate(rows, start=2):
        d = _date(r.get("Publication date"), path, i, "Publication date")
        if d is None:
            continue
        flag = (r.get("Frontier model") or "").strip().lower() in ("true", "1", "yes") if has_flag else None
        out.append({
            "name": (r.get("Model") or "").strip(), "organization": (r.get("Organization") or "").strip(),
            "publication_date": d, "domain": (r.get("Domain") or "").strip(),
            "params": _number(r.get("Parameters"), path, i, "Parameters"),
            "training_flop": _number(r.get("Training compute (FLOP)"), path, i, "Training compute (FLOP)"),
            "cost_usd_2023": _number(r.get(COST_COLUMN), path, i, COST_COLUMN),
            "hardware": (r.get("Training hardware") or "").strip(),
            "hardware_count": _number(r.get("Hardware quantity"), path, i, "Hardware quantity"),
            "training_hours": _number(r.get("Training time (hours)"), path, i, "Training time (hours)"),
            "frontier": flag, "_row": i,
        })
    return out


def frontier_by_rank(models: list[dict], top_n: int = 10) -> set[str]:
    """Names of models in the top ``top_n`` by training compute among models published up to their date."""
    ranked = sorted((m for m in models if m["training_flop"]), key=lambda m: m["publication_date"])
    out, seen = set(), []
    for m in ranked:
        seen.append(m["training_flop"])
        if m["training_flop"] >= sorted(seen, reverse=True)[min(top_n, len(seen)) - 1]:
            out.add(m["name"])
    return out


def read_epoch_hardware(path) -> list[dict]:
    """Rows of an ML Hardware export: name, manufacturer, type, release_date, price_usd [USD],
    and ``peak_flop_per_s_<dtype>`` for bf16, fp16, fp32, tf32, fp8 [FLOP/s] (None when blank)."""
    header, rows = _csv_rows(path)
    missing = [c for c in HARDWARE_COLUMNS if c not in header]
    if missing:
        raise CatalogError(path, 1, None, f"missing column(s) {', '.join(missing)} of an Epoch ML Hardware export")
    out = []
    for i, r in enumerate(rows, start=2):
        rec = {"name": (r.get("Hardware name") or "").strip(), "manufacturer": (r.get("Manufacturer") or "").strip(),
               "type": (r.get("Type") or "").strip(),
               "release_date": _date(r.get("Release date"), path, i, "Release date"),
               "price_usd": _number(r.get("Release price (USD)"), path, i, "Release price (USD)"), "_row": i}
        for dtype, col in HARDWARE_FLOP_COLUMNS.items():
            rec[f"peak_flop_per_s_{dtype}"] = _number(r.get(col), path, i, col) if col in header else None
        out.append(rec)
    return out


def epoch_series(path, *, frontier_only: bool = True, top_n: int = 10, quantity: str = "cost",
                 dtype: str = "bf16") -> Series:
    """A series from an Epoch export (kind detected from the header).

    Models export: training compute cost [2023 USD] (``quantity="cost"``) or training compute
    [FLOP] (``"flop"``) of frontier models (or all models with ``frontier_only=False``).
    ML Hardware export: peak FLOP/s of ``dtype`` per release-price dollar [FLOP/s per USD].
    """
    kind = detect_export(path)
    src = SOURCE.format(file=Path(path).name)
    if kind == "hardware":
        col = f"peak_flop_per_s_{dtype}"
        if dtype not in HARDWARE_FLOP_COLUMNS:
            raise InputError(f"got {dtype!r}; allowed: {', '.join(HARDWARE_FLOP_COLUMNS)}", field="dtype")
        pts = [Point(h["release_date"], h[col] / h["price_usd"], h["name"], src, f"{dtype} peak / release price",
                     {"peak_flop_per_s": h[col], "price_usd": h["price_usd"]})
               for h in read_epoch_hardware(path) if h["release_date"] and h["price_usd"] and h[col]]
        return Series("epoch-hardware-price-performance", f"Epoch ML Hardware: {dtype} FLOP/s per release-price USD",
                      "FLOP/s per USD", tuple(pts), "higher", "all", f"Epoch AI ML Hardware export {Path(path).name}", src)
    if quantity not in ("cost", "flop"):
        raise InputError(f"got {quantity!r}; allowed: cost, flop", field="quantity")
    models = read_epoch_models(path)
    if frontier_only:
        flagged = any(m["frontier"] is not None for m in models)
        names = {m["name"] for m in models if m["frontier"]} if flagged else frontier_by_rank(models, top_n)
        rule = "export's 'Frontier model' flag" if flagged else f"top {top_n} by training compute at release"
        models = [m for m in models if m["name"] in names]
    else:
        rule = "all models"
    key = "cost_usd_2023" if quantity == "cost" else "training_flop"
    pts = [Point(m["publication_date"], m[key], m["name"], src, m["organization"],
                 {"training_flop": m["training_flop"], "hardware": m["hardware"]})
           for m in models if m[key]]
    unit = "USD" if quantity == "cost" else "FLOP"
    title = f"Epoch AI: training {'compute cost (2023 USD)' if quantity == 'cost' else 'compute'} of " + \
            ("frontier models" if frontier_only else "models")
    return Series(f"epoch-{'frontier-' if frontier_only else ''}{quantity}", title, unit, tuple(pts), "higher", "all",
                  f"{Path(path).name}; frontier rule: {rule}", src,
                  notes=(f"frontier rule: {rule}", "costs are Epoch's estimates in 2023 US dollars"))


# ---- outside data ----------------------------------------------------------------------------------
def read_csv_series(path, *, name: str | None = None, unit: str = "USD", better: str = "lower",
                    field: str = "csv") -> Series:
    """A user's series from a CSV with columns ``date,value`` and optional ``label``, ``cumulative``.

    Dates: YYYY-MM-DD, YYYY-MM, YYYY or a decimal year. ``cumulative`` (cumulative production, for
    Wright's law) is kept in each point's ``extra``. Raises CatalogError naming row and column.
    """
    p = Path(path)
    fieldnames, rows = _csv_rows(path, field)
    header = [h.strip().lower() for h in fieldnames]
    missing = [c for c in ("date", "value") if c not in header]
    if missing:
        raise CatalogError(path, 1, None, f"missing column(s) {', '.join(missing)}; expected date,value[,label][,cumulative]")
    pts = []
    for i, raw in enumerate(rows, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        try:
            d = parse_date(row["date"])
        except InputError as e:
            raise CatalogError(path, i, "date", str(e).split(": ", 1)[-1]) from None
        extra = {}
        for col in ("value", "cumulative"):
            if col == "cumulative" and not row.get(col):
                continue
            try:
                v = float(row[col].replace(",", "").replace("$", ""))
            except ValueError:
                raise CatalogError(path, i, col, f"got {row[col]!r}; allowed: a number > 0") from None
            if not (math.isfinite(v) and v > 0):
                raise CatalogError(path, i, col, f"got {row[col]!r}; allowed: a number > 0")
            extra[col] = v
        value = extra.pop("value")
        pts.append(Point(d, value, row.get("label", ""), str(path), "", extra))
    if not pts:
        raise CatalogError(path, None, None, "has no data rows")
    if better not in ("lower", "higher"):
        raise InputError(f"got {better!r}; allowed: lower, higher", field="better")
    return Series(name or p.stem, f"{p.name}", unit, tuple(pts), better, "all", f"user series from {p}", str(path))


def load_source(spec: str, **options) -> Series:
    """A series from outside data: ``epoch:PATH`` (Epoch AI export) or ``csv:PATH`` / a ``.csv`` path."""
    s = str(spec)
    if s.startswith("epoch:"):
        return epoch_series(s[len("epoch:"):], **options)
    s = s.removeprefix("csv:")
    if s.lower().endswith(".csv"):
        return read_csv_series(s, field="source", **options)
    raise InputError(f"got {spec!r}; allowed: epoch:PATH or a .csv path", field="source")


def load_series(name=None, *, csv=None, source=None, since=None, until=None, catalog=None, **options) -> Series:
    """The one series that ``name`` (bundled), ``csv`` (a user's CSV path) or ``source`` (``epoch:PATH``)
    names, cut to years [since, until). ``options`` go to the bundled series' builder."""
    from .bundled import get_series

    given = [x for x in (name, csv, source) if x]
    if len(given) != 1:
        raise InputError("give one of: a series name (see the series command), `csv` PATH or `source` epoch:PATH",
                         field="series")
    for what, v in (("since", since), ("until", until)):
        if v is not None and not (isinstance(v, (int, float)) and math.isfinite(v)):
            raise InputError(f"got {v!r}; allowed: a year such as 2016", field=what)
    if since is not None and until is not None and not since < until:
        raise InputError(f"got {until:g} with since {since:g}; allowed: a year after since (points are kept from "
                         "since up to, not including, until)", field="until")
    if name:
        s = get_series(name, catalog=catalog, **{k: v for k, v in options.items() if v is not None})
    elif csv:
        s = read_csv_series(csv)
    else:
        s = load_source(source)
    return s.between(since, until)


EPOCH_PRICE_COLUMNS = ("Model Name", "Release Date", "USD per 1M Tokens")
EPOCH_PRICE_BENCH = {"MMLU": "mmlu", "GPQA Diamond": "gpqa_diamond", "MATH-500": "math_500", "MATH 5": "math_l5",
                     "HumanEval": "humaneval", "LMSys Chatbot Arena ELO": "arena_elo"}
#: models Epoch leaves out of per-token comparisons (reasoning models), as in its notebook
EPOCH_REASONING = ("DeepSeek-R1", "o1", "o1-mini", "o1-preview", "o3-mini")


def read_epoch_prices(path, *, field: str = "source") -> list:
    """Rows of Epoch AI's LLM API price export (github.com/epoch-research/llm-benchmark-efficiency, data/*.csv)
    as :class:`costcurve.trends.api_prices.ApiPrice` (blended price only; dates YYYY-MM read as the 1st)."""
    from .api_prices import BENCHMARKS, ApiPrice

    header, rows = _csv_rows(path, field)
    missing = [c for c in EPOCH_PRICE_COLUMNS if c not in header]
    if missing:
        raise CatalogError(path, 1, None, f"missing column(s) {', '.join(missing)} of Epoch AI's LLM price data")
    out = []
    for i, r in enumerate(rows, start=2):
        d = (r.get("Release Date") or "").strip()
        try:
            date = dt.date.fromisoformat(d if len(d) > 7 else d + "-01")
        except ValueError:
            raise CatalogError(path, i, "Release Date", f"got {d!r}; allowed: YYYY-MM-DD or YYYY-MM") from None
        price = _number(r.get("USD per 1M Tokens"), path, i, "USD per 1M Tokens", allow_empty=False)
        if not price > 0:
            raise CatalogError(path, i, "USD per 1M Tokens", f"got {price!r}; allowed: a price > 0")
        scores = {}
        for col, key in EPOCH_PRICE_BENCH.items():
            v = _number(r.get(col), path, i, col)
            if v is not None:
                _, lo, hi = BENCHMARKS[key]
                if not lo <= v <= hi:
                    raise CatalogError(path, i, col, f"got {v:g}; allowed: {lo:g}..{hi:g}")
                scores[key] = v
        name = (r.get("Model Name") or "").strip()
        out.append(ApiPrice(name, date, "Epoch AI export", "median of providers", False, price, scores=scores,
                            reasoning=name in EPOCH_REASONING, source=SOURCE.format(file=Path(path).name)))
    return out
