"""Bundled catalogs (accelerators, cloud prices, trained models, architecture presets).

Each table is a dated CSV in ``costcurve/data`` with units in its column names and a ``source``
on every row. Tables are validated on load: a bad cell raises :class:`CatalogError` naming the
file, row, column and what is allowed. Units are converted once, here, to base units (FLOP/s,
bytes, bytes/s, W, USD).

A user adds or overrides rows with CSV files of the same columns, passed as ``catalog=`` paths or
through the ``COSTCURVE_CATALOG`` environment variable (several paths separated by ``os.pathsep``).
The table a user file extends is recognised from its header; a row whose name matches a bundled
row replaces it.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import math
import os
from dataclasses import dataclass
from importlib import resources

from .architecture import Architecture, hash_fields_once, state_without_hash
from .errors import CatalogError, CostcurveError, UnknownNameError
from .files import decode_text, parse_csv, printable, read_csv, read_text

DATA_VERSION = "2026-11"  #: month the bundled tables were last rebuilt; part of every bundled file name


def data_file(stem: str) -> str:
    """File name of a bundled table in ``costcurve/data``: ``<stem>_<DATA_VERSION>.csv``."""
    return f"{stem}_{DATA_VERSION}.csv"


DATA_FILES = {t: data_file(t) for t in ("accelerators", "prices", "models", "architectures", "mfu_runs")}
PRICE_KINDS = ("on-demand", "spot", "1-year", "3-year")
#: kind of offer behind a price quote; the default price uses vm and bare_metal (see costcurve.prices)
OFFERS = ("vm", "bare_metal", "serverless", "large_host")
DTYPES = ("fp32", "tf32", "bf16", "fp16", "fp8")
HALF = "16-bit"  #: pseudo-dtype of Accelerator.peak_flop_per_s: the chip's own 16-bit format (see half_dtype)


# ---- column specifications ---------------------------------------------------------------------
@dataclass(frozen=True)
class Col:
    """One catalog column: its type, whether it is required, its allowed range, its scale to base units."""

    name: str
    kind: str = "float"  # str | float | int | date | bool | enum | list
    required: bool = False
    low: float | None = None
    high: float | None = None
    scale: float = 1.0
    choices: tuple = ()


def number_col(name, low=0.0, high=None, scale=1.0, required=False) -> Col:
    """A numeric column: allowed range ``low..high`` in the file's unit, times ``scale`` to base units."""
    return Col(name, "float", required, low, high, scale)


def int_col(name, low=0, high=None, required=False) -> Col:
    """A whole-number column in ``low..high``."""
    return Col(name, "int", required, low, high)


_f, _i = number_col, int_col


SCHEMAS: dict[str, tuple[Col, ...]] = {
    "accelerators": (
        Col("name", "str", True), Col("aliases", "list"), Col("vendor", "str", True), Col("generation", "str", True),
        Col("release_date", "date", True),
        _f("peak_tflop_per_s_fp32", 0.1, 1e3, 1e12), _f("peak_tflop_per_s_tf32", 1, 1e4, 1e12),
        _f("peak_tflop_per_s_fp16", 0.01, 2e4, 1e12), _f("peak_tflop_per_s_bf16", 1, 2e4, 1e12),
        _f("peak_tflop_per_s_fp8", 1, 4e4, 1e12),
        _f("memory_gib", 1, 1e4, 2.0**30, True), _f("memory_bandwidth_gb_per_s", 10, 1e5, 1e9, True),
        _f("interconnect_gb_per_s", 1, 1e5, 1e9), _f("tdp_w", 10, 1e4, 1.0), _f("price_usd", 50, 1e7),
        Col("unknown", "str"), Col("source", "str", True),
    ),
    "prices": (
        Col("gpu", "str", True), Col("provider", "str", True), Col("date_observed", "date", True),
        Col("kind", "enum", True, choices=PRICE_KINDS), Col("offer", "enum", choices=OFFERS),
        _f("price_usd_per_gpu_hour", 0.01, 200, 1.0, True),
        Col("instance", "str"), Col("source", "str", True),
    ),
    "models": (
        Col("name", "str", True), Col("organization", "str"), Col("publication_date", "date", True), Col("domain", "str"),
        _f("params_total", 1e3, 1e14), _f("params_active", 1e3, 1e14), _f("training_tokens", 1e3, 1e16),
        _f("training_flop", 1e12, 1e28), Col("hardware", "str"), _i("hardware_count", 1, 1e7),
        _f("training_hours", 1e-3, 1e5), _f("gpu_hours", 1e-3, 1e9), _f("mfu_reported", 0.001, 1.0),
        _f("cost_usd_reported", 1e-3, 1e11), Col("cost_note", "str"), _f("mmlu_5shot", 0.0, 100.0),
        Col("preset", "str"), Col("source", "str", True),
    ),
    "architectures": (
        Col("name", "str", True), Col("aliases", "list"), Col("family", "str"),
        _i("n_layers", 1, 10_000, True), _i("d_model", 1, 1e6, True), _i("n_heads", 1, 10_000, True),
        _i("n_kv_heads", 1, 10_000), _i("head_dim", 1, 10_000), _i("ffn_dim", 0, 1e7),
        Col("ffn_type", "enum", True, choices=("gelu", "gated")), _i("vocab_size", 1, 1e7, True),
        _i("context_length", 1, 1e8, True), _i("train_seq_len", 1, 1e8), Col("tied_embeddings", "bool"),
        Col("position", "enum", choices=("learned", "rope", "alibi", "relative", "none")),
        Col("norm", "enum", choices=("layernorm", "rmsnorm")), Col("bias", "enum", choices=("false", "true", "qkv")),
        _i("n_experts", 0, 1e5), _i("n_experts_active", 0, 1e5), _i("n_shared_experts", 0, 1e5), _i("moe_ffn_dim", 0, 1e7),
        _i("n_dense_layers", 0, 1e4), _i("q_lora_rank", 0, 1e6), _i("kv_lora_rank", 0, 1e6), _i("qk_nope_head_dim", 0, 1e5),
        _i("qk_rope_head_dim", 0, 1e5), _i("v_head_dim", 0, 1e5), _i("sliding_window", 1, 1e8),
        Col("sliding_window_layers", "enum", choices=("all", "alternate", "three_of_four")),
        _i("moe_layer_step", 1, 1e4), Col("mlp_only_layers", "list"),
        _f("published_params_total", 1e3, 1e14), _f("published_params_active", 1e3, 1e14), Col("source", "str", True),
    ),
    "mfu_runs": (
        Col("run", "str", True), Col("publication_date", "date", True), Col("accelerator", "str", True),
        Col("dtype", "enum", True, choices=DTYPES), _i("n_accelerators", 1, 1e7), _f("params", 1e6, 1e14, 1.0, True),
        _f("mfu", 0.01, 1.0, 1.0, True), Col("note", "str"), Col("source", "str", True),
    ),
}
RENAMED = {"accelerators": {"memory_gb": "memory_gib"}}  # table -> {old column: new column}
RENAMED_WHY = {"memory_gib": "accelerator memory is binary; an '80 GB' H100 has 80 GiB = 85.9e9 bytes, so give GiB"}
KEY = {"accelerators": "name", "prices": None, "models": "name", "architectures": "name", "mfu_runs": "run"}
_SIGNATURE = {  # a column that identifies which table a user CSV extends
    "accelerators": "peak_tflop_per_s_bf16", "prices": "price_usd_per_gpu_hour",
    "architectures": "n_layers", "mfu_runs": "mfu", "models": "publication_date",
}


def _parse_cell(col: Col, raw: str, path, row: int):
    s = raw.strip()
    if s == "":
        if col.required:
            raise CatalogError(path, row, col.name, "is empty; a value is required")
        return () if col.kind == "list" else None
    if col.kind == "str":
        if "\n" in s or "\r" in s:
            raise CatalogError(path, row, col.name, "has a line break inside the cell; allowed: one line of text")
        return s
    if col.kind == "list":
        return tuple(x.strip().lower() for x in s.split(";") if x.strip())
    if col.kind == "enum":
        v = s.lower()
        if v not in col.choices:
            raise CatalogError(path, row, col.name, f"got {s!r}; allowed: {', '.join(col.choices)}")
        return v
    if col.kind == "bool":
        v = s.lower()
        if v not in ("true", "false", "1", "0", "yes", "no"):
            raise CatalogError(path, row, col.name, f"got {s!r}; allowed: true, false")
        return v in ("true", "1", "yes")
    if col.kind == "date":
        try:
            d = dt.date.fromisoformat(s)
        except ValueError:
            raise CatalogError(path, row, col.name, f"got {s!r}; allowed: a date YYYY-MM-DD") from None
        if not dt.date(1940, 1, 1) <= d <= dt.date(2035, 12, 31):
            raise CatalogError(path, row, col.name, f"got {s}; allowed: 1940-01-01..2035-12-31")
        return d
    try:
        v = float(s.replace(",", "").replace("_", ""))
    except ValueError:
        raise CatalogError(path, row, col.name, f"got {s!r}; allowed: a number") from None
    if not math.isfinite(v) or (col.low is not None and v < col.low) or (col.high is not None and v > col.high):
        rng = f"{col.low:g}..{col.high:g}" if col.high is not None else f">= {col.low:g}"
        raise CatalogError(path, row, col.name, f"got {s}; allowed: {rng}")
    if col.kind == "int":
        if v != int(v):
            raise CatalogError(path, row, col.name, f"got {s}; allowed: a whole number")
        return int(v)
    return v * col.scale


def read_table(table: str, path, text: str | None = None) -> list[dict]:
    """Read and validate one catalog CSV into a list of dicts (base units). Raises CatalogError.

    ``text``: the file's content when it is already read (the bundled tables); otherwise ``path`` is
    read through :func:`costcurve.files.read_text` (a regular UTF-8 file without control characters).
    """
    return _table_rows(table, path, _parse_csv_file(path, text))


def _table_rows(table: str, path, parsed) -> list[dict]:
    return validate_rows(SCHEMAS[table], path, parsed, key=KEY[table], lower_key=table in ("accelerators", "architectures"),
                         what=f"the {table} table", renamed=RENAMED.get(table))


def validate_rows(columns, path, parsed, *, key: str | None = None, lower_key: bool = False, what: str = "this table",
                  renamed: dict | None = None) -> list[dict]:
    """Validate parsed CSV rows (a :class:`costcurve.files.CsvTable`) against ``columns`` (:class:`Col`).

    Returns one dict per row in base units (each column's ``scale`` applied) plus ``_row`` and
    ``_path``; raises CatalogError naming file, row, column and what is allowed. ``key``: a column
    whose values must be unique (case-insensitive); ``renamed``: {old column: new column}.
    """
    path = printable(path)
    header = parsed.header
    missing = [c.name for c in columns if c.required and c.name not in header]
    for old, new in (renamed or {}).items():
        if old in header and new in missing:
            raise CatalogError(path, 1, old, f"renamed {new}: {RENAMED_WHY.get(new, 'see the docs')}")
    if missing:
        raise CatalogError(path, None, None, f"missing column(s) {', '.join(missing)} for {what}")
    rows, seen = [], set()
    for i, raw in zip(parsed.lines, parsed.rows):
        if None in raw:
            raise CatalogError(path, i, None, f"has {len(header) + len(raw[None])} fields; the header has {len(header)}")
        rec = {c.name: _parse_cell(c, raw.get(c.name) or "", path, i) for c in columns}
        if key:
            if lower_key:
                rec[key] = rec[key].lower()
            k = rec[key].lower()
            if k in seen:
                raise CatalogError(path, i, key, f"duplicate {key} {rec[key]!r}")
            seen.add(k)
        rec["_row"] = i
        rec["_path"] = str(path)
        rows.append(rec)
    return rows


def validate_table(columns, path, text: str | None = None, *, key: str | None = None, field: str = "catalog",
                   what: str = "this table") -> list[dict]:
    """Read a CSV (``path`` through :mod:`costcurve.files`, or its ``text``) and validate it against ``columns``.

    The one schema check of every table: the catalogs, and any other module's bundled or user table
    (declare its columns with :class:`Col`, :func:`number_col`, :func:`int_col`). ``field`` names the
    parameter the path came from in file-level errors (FileInputError); row errors are CatalogError.
    """
    return validate_rows(columns, path, _parse_csv_file(path, text, field), key=key, what=what)


def bundled_table(stem: str, columns, *, key: str | None = None) -> list[dict]:
    """The validated rows of the bundled table ``costcurve/data/<stem>_<DATA_VERSION>.csv``."""
    return [dict(r) for r in _bundled_table(stem, tuple(columns), key)]


@functools.lru_cache(maxsize=None)
def _bundled_table(stem: str, columns: tuple, key: str | None) -> tuple:
    name = data_file(stem)  # files inside the package never change while it runs: cached on the arguments
    text = resources.files("costcurve").joinpath("data", name).read_text(encoding="utf-8")
    return tuple(validate_table(columns, f"costcurve/data/{name}", text, key=key, what=name))


def _parse_csv_file(path, text: str | None = None, field: str = "catalog"):
    if text is None:
        return read_csv(path, field=field)
    return parse_csv(decode_text(text.encode("utf-8"), field=field, source=str(path)), field=field, source=str(path))


def detect_table(path, header=None) -> str:
    """Which table a user CSV extends, from its header (read from ``path`` unless given)."""
    if header is None:
        header = _parse_csv_file(path).header
    for table in ("accelerators", "prices", "architectures", "mfu_runs", "models"):
        if _SIGNATURE[table] in header:
            return table
    raise CatalogError(printable(path), 1, None, "header matches no catalog table; expected the columns of accelerators, "
                                      "prices, models, architectures or mfu_runs (see the catalog command's help)")


def user_catalog_paths(extra=None) -> tuple[str, ...]:
    """User catalog files: ``extra`` (a path or list of paths) then ``COSTCURVE_CATALOG``."""
    paths = []
    if extra:
        paths += [extra] if isinstance(extra, (str, os.PathLike)) else list(extra)
    env = os.environ.get("COSTCURVE_CATALOG", "")
    paths += [p for p in env.split(os.pathsep) if p]
    return tuple(str(p) for p in paths)


# ---- records -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Accelerator:
    """One accelerator (per chip). Rates in FLOP/s, memory in bytes, bandwidth in bytes/s, power in W.

    A peak is None where the chip has no such arithmetic (V100 has no bf16, TPUs no fp16) or the
    sources give none; ``unknown`` says which of ``tdp_w``/``price_usd`` is missing and why.
    """

    name: str
    vendor: str
    generation: str
    release_date: dt.date
    peak_flop_per_s_fp32: float | None
    peak_flop_per_s_tf32: float | None
    peak_flop_per_s_fp16: float | None
    peak_flop_per_s_bf16: float | None
    peak_flop_per_s_fp8: float | None
    memory_bytes: float  #: device memory [bytes] (data sheets give GiB: 80 GiB = 85.9e9 bytes)
    memory_bandwidth_bytes_per_s: float
    interconnect_bytes_per_s: float | None
    tdp_w: float | None
    price_usd: float | None
    source: str
    aliases: tuple[str, ...] = ()
    unknown: str = ""

    # an Accelerator keys the planner's and the price caches
    __hash__ = hash_fields_once
    __getstate__ = state_without_hash

    @property
    def half_dtype(self) -> str:
        """The format a mixed-precision job computes in on this chip: bf16 where it has it, else fp16
        where that is at least as fast as fp32 (V100, T4), else fp32 (K80 and M60 have no fp16
        arithmetic; P4 runs fp16 at 1/64 of its fp32 rate)."""
        if self.peak_flop_per_s_bf16:
            return "bf16"
        if self.peak_flop_per_s_fp16 and self.peak_flop_per_s_fp16 >= (self.peak_flop_per_s_fp32 or 0.0):
            return "fp16"
        return "fp32"

    def peak_flop_per_s(self, dtype: str = "bf16") -> float:
        """Dense peak of ``dtype`` (fp32, tf32, bf16, fp16, fp8). [FLOP/s]

        Refuses a dtype the chip has no arithmetic for (bf16 on a V100, T4 or K80: use fp16 or fp32).
        ``"16-bit"`` (:data:`HALF`) is the peak of :attr:`half_dtype`.
        """
        if dtype == HALF:
            dtype = self.half_dtype
        if dtype not in DTYPES:
            raise CostcurveError(f"got {printable(dtype)!r}; allowed: {', '.join(DTYPES)}", field="dtype")
        if dtype == "tf32":  # a chip without a tf32 mode runs tf32 work at its fp32 peak
            value = self.peak_flop_per_s_tf32 or self.peak_flop_per_s_fp32
        else:
            value = getattr(self, "peak_flop_per_s_" + dtype)
        if value is not None:
            return value
        if dtype in ("bf16", "fp16"):
            other = "fp16" if dtype == "bf16" else "bf16"
            if getattr(self, f"peak_flop_per_s_{other}"):
                verb = "has no bf16" if dtype == "bf16" else "has no fp16 peak in the catalog"
                raise CostcurveError(f"{self.name} {verb}; use `dtype` {other}", field="dtype")
            raise CostcurveError(f"{self.name} has no bf16 or fp16 arithmetic; use `dtype` fp32", field="dtype")
        have = [d for d in DTYPES if getattr(self, f"peak_flop_per_s_{d}", None)]
        raise CostcurveError(f"{self.name} has no {dtype} peak in the catalog; allowed here: {', '.join(have)}",
                             field="dtype")


@dataclass(frozen=True)
class PriceQuote:
    """A dated hourly rental price of one accelerator. [USD per accelerator-hour]"""

    gpu: str
    provider: str
    date_observed: dt.date
    kind: str
    price_usd_per_gpu_hour: float
    instance: str | None
    source: str
    offer: str | None = None  #: vm, bare_metal, serverless, large_host (None: not stated, as in a user's file)


def _strip(rec):
    return {k: v for k, v in rec.items() if not k.startswith("_")}


def _accelerator(rec) -> Accelerator:
    r = _strip(rec)
    half = max(r["peak_tflop_per_s_bf16"] or 0.0, r["peak_tflop_per_s_fp16"] or 0.0)
    if not half and not r["peak_tflop_per_s_fp32"]:
        raise CatalogError(rec["_path"], rec["_row"], "peak_tflop_per_s_bf16", "no peak given; fill bf16, fp16 or fp32")
    if half and r["peak_tflop_per_s_tf32"] is not None and r["peak_tflop_per_s_tf32"] > half * 1.01:
        raise CatalogError(rec["_path"], rec["_row"], "peak_tflop_per_s_tf32", "exceeds the 16-bit peak; dense figures expected")
    return Accelerator(
        name=r["name"], vendor=r["vendor"].lower(), generation=r["generation"].lower(), release_date=r["release_date"],
        peak_flop_per_s_fp32=r["peak_tflop_per_s_fp32"], peak_flop_per_s_tf32=r["peak_tflop_per_s_tf32"],
        peak_flop_per_s_fp16=r["peak_tflop_per_s_fp16"], peak_flop_per_s_bf16=r["peak_tflop_per_s_bf16"],
        peak_flop_per_s_fp8=r["peak_tflop_per_s_fp8"], memory_bytes=r["memory_gib"],
        memory_bandwidth_bytes_per_s=r["memory_bandwidth_gb_per_s"], interconnect_bytes_per_s=r["interconnect_gb_per_s"],
        tdp_w=r["tdp_w"], price_usd=r["price_usd"], source=r["source"], aliases=r["aliases"], unknown=r["unknown"] or "",
    )


def _architecture(rec) -> Architecture:
    r = _strip(rec)
    kwargs = {k: v for k, v in r.items() if v is not None}
    kwargs["aliases"] = r["aliases"]
    kwargs["tied_embeddings"] = bool(r["tied_embeddings"])
    for k in ("n_experts", "n_experts_active", "n_shared_experts", "moe_ffn_dim", "n_dense_layers", "q_lora_rank",
              "kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim", "ffn_dim"):
        kwargs[k] = r[k] or 0
    try:
        kwargs["mlp_only_layers"] = tuple(int(x) for x in r.get("mlp_only_layers") or ())
    except ValueError:
        raise CatalogError(rec["_path"], rec["_row"], "mlp_only_layers",
                           f"got {r['mlp_only_layers']!r}; allowed: layer indexes separated by ';'") from None
    try:
        return Architecture(**kwargs)
    except CostcurveError as e:
        raise CatalogError(rec["_path"], rec["_row"], e.field, str(e).split(": ", 1)[-1]) from None


@functools.lru_cache(maxsize=None)
def _bundled_rows(table: str) -> tuple:
    """The validated rows of a bundled table (files inside the package never change while it runs)."""
    name = DATA_FILES[table]
    ref = resources.files("costcurve").joinpath("data", name)
    return tuple(read_table(table, f"costcurve/data/{name}", ref.read_text(encoding="utf-8")))


# ---- the catalog -------------------------------------------------------------------------------
class Catalog:
    """All tables, bundled rows plus user rows, with name lookups (case-insensitive, with aliases)."""

    def __init__(self, user_paths: tuple[str, ...] = (), *, texts: tuple[str, ...] | None = None):
        """``user_paths``: user CSVs (read here unless their ``texts`` are given, in the same order)."""
        self.user_paths = tuple(str(p) for p in user_paths)
        raw = {t: [dict(r) for r in _bundled_rows(t)] for t in SCHEMAS}
        for i, p in enumerate(self.user_paths):
            parsed = read_csv(p, field="catalog") if texts is None else parse_csv(texts[i], field="catalog", source=p)
            table = detect_table(p, parsed.header)
            extra = _table_rows(table, p, parsed)
            key = KEY[table]
            if key:
                names = {r[key].lower() for r in extra}
                raw[table] = [r for r in raw[table] if r[key].lower() not in names] + extra
            else:
                raw[table] = raw[table] + extra
        self.raw = raw
        self.accelerators = {r["name"]: _accelerator(r) for r in raw["accelerators"]}
        self.architectures = {r["name"]: _architecture(r) for r in raw["architectures"]}
        self._gpu_alias = self._alias_map("accelerators", self.accelerators)
        self._arch_alias = self._alias_map("architectures", self.architectures)
        self.prices = []
        for r in raw["prices"]:
            gpu = self._gpu_alias.get(r["gpu"].lower())
            if gpu is None:
                raise CatalogError(r["_path"], r["_row"], "gpu", f"unknown accelerator {r['gpu']!r}; use a name from the accelerators table")
            self.prices.append(PriceQuote(gpu, r["provider"].lower(), r["date_observed"], r["kind"],
                                          r["price_usd_per_gpu_hour"], r["instance"], r["source"], r["offer"]))
        self.models = {r["name"].lower(): _strip(r) for r in raw["models"]}
        for r in raw["models"]:
            if r["params_active"] and r["params_total"] and r["params_active"] > r["params_total"] * 1.0001:
                raise CatalogError(r["_path"], r["_row"], "params_active", "exceeds params_total")
            if r["hardware"] and r["hardware"].lower() not in self._gpu_alias:
                raise CatalogError(r["_path"], r["_row"], "hardware", f"unknown accelerator {r['hardware']!r}")
        self.model_by_preset = {}  # preset -> first trained-model record (with tokens, if any has them)
        for m in sorted(self.models.values(), key=lambda m: m["training_tokens"] is None):
            if m["preset"]:
                self.model_by_preset.setdefault(m["preset"].lower(), m)
        self.mfu_runs = [_strip(r) for r in raw["mfu_runs"]]
        for r in raw["mfu_runs"]:
            if r["accelerator"].lower() not in self._gpu_alias:
                raise CatalogError(r["_path"], r["_row"], "accelerator", f"unknown accelerator {r['accelerator']!r}")
        self._price_index: dict = {}
        self._quote_dates: dict = {}
        self._derived: dict = {}  #: values made from the tables (derived, derived_many), incl. price choices

    def _alias_map(self, table, items):
        m = {}
        for name, item in items.items():
            for a in (name, *item.aliases):
                a = a.lower()
                if a in m and m[a] != name:
                    rec = next(r for r in self.raw[table] if r["name"] == name)
                    raise CatalogError(rec["_path"], rec["_row"], "aliases", f"alias {a!r} already names {m[a]!r}")
                m[a] = name
        return m

    # lookups
    def accelerator(self, name) -> Accelerator:
        """Accelerator by name or alias (case-insensitive); unknown names list the closest ones."""
        if isinstance(name, Accelerator):
            return name
        key = self._gpu_alias.get(str(name).strip().lower())
        if key is None:
            raise UnknownNameError("accelerator", name, self._gpu_alias.keys(), field="gpu")
        return self.accelerators[key]

    def architecture(self, name) -> Architecture:
        """Architecture preset by name or alias (case-insensitive)."""
        key = self._arch_alias.get(str(name).strip().lower())
        if key is None:
            raise UnknownNameError("model", name, self._arch_alias.keys(), field="model")
        return self.architectures[key]

    def model(self, name) -> dict:
        """A trained-model record by name (case-insensitive)."""
        rec = self.models.get(str(name).strip().lower())
        if rec is None:
            raise UnknownNameError("model", name, [m["name"] for m in self.models.values()], field="model")
        return rec

    def quotes(self, gpu: str, *, provider: str | None = None, kind: str | None = "on-demand") -> list[PriceQuote]:
        """Price quotes for an accelerator, optionally of one provider and kind."""
        key = (gpu, provider, kind)
        if key not in self._price_index:
            self._price_index[key] = [q for q in self.prices if q.gpu == gpu and (provider is None or q.provider == provider)
                                      and (kind is None or q.kind == kind)]
        return self._price_index[key]

    def quote_date_range(self, gpu: str, *, provider: str | None = None,
                         kind: str | None = "on-demand") -> tuple[dt.date, dt.date] | None:
        """(first, last) observation date of :meth:`quotes` with the same arguments; None if there are none.

        Computed once per (gpu, provider, kind): the catalog's tables do not change after loading."""
        key = (gpu, provider, kind)
        if key not in self._quote_dates:
            dates = [q.date_observed for q in self.quotes(gpu, provider=provider, kind=kind)]
            self._quote_dates[key] = (min(dates), max(dates)) if dates else None
        return self._quote_dates[key]


    def derived(self, key, make, *args):
        """``make(*args)``, a value computed from this catalog's tables (a fit), made once per ``key`` (which
        holds every value the result depends on besides the tables): the tables do not change after
        loading, so the catalog itself is the value the result depends on."""
        value = self._derived.get(key, _NOT_MADE)
        if value is _NOT_MADE:
            value = self._derived[key] = make(*args)
        return value

    def derived_many(self, table, key, make, *args, maxsize: int = 256):
        """:meth:`derived` for values made from many inputs (one per ``key`` of ``table``): at most ``maxsize``
        kept per table, the oldest dropped first, so a long-running server's cache stays bounded."""
        cache = self._derived.get(table)
        if cache is None:
            cache = self._derived[table] = {}
        value = cache.get(key, _NOT_MADE)
        if value is _NOT_MADE:
            if len(cache) >= maxsize:
                del cache[next(iter(cache))]
            value = cache[key] = make(*args)
        return value


_NOT_MADE = object()  # Catalog.derived's marker of a value not made yet (None may be one made)
_LOADED: dict = {}  # (paths, sha256 of each file's text) -> Catalog
_LOADED_MAX = 16
_BUNDLED_KEY = ((), ())  # no user file: the key of the bundled tables alone


def load_catalog(extra=None) -> Catalog:
    """The catalog: bundled tables plus ``extra`` user CSVs plus those in ``COSTCURVE_CATALOG``.

    Cached on the user files' paths *and contents* (each read and hashed on every call, which costs
    microseconds against ~30 ms to build a catalog), so an edited file is seen at once.
    """
    if not extra and not os.environ.get("COSTCURVE_CATALOG"):  # the bundled tables alone: no file to read
        cat = _LOADED.get(_BUNDLED_KEY)
        if cat is not None:
            return cat
    paths = user_catalog_paths(extra)
    texts = tuple(read_text(p, field="catalog") for p in paths)
    key = (paths, tuple(hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts))
    cat = _LOADED.get(key)
    if cat is None:
        cat = Catalog(paths, texts=texts)
        if len(_LOADED) >= _LOADED_MAX:
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[key] = cat
    return cat
