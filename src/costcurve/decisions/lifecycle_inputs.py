"""The scenario of :mod:`.lifecycle`: a TOML file and options merged and checked, and the demand it implies.

Demand in month ``m`` (1..M) and hour ``h`` (0..23) of each of its days:

    q[m, h] = q0 · growth^((m − 1)/12) · w[h]      [queries/day, at the rate of that hour]

``growth`` is a factor per year (1 = flat, 3 = three times a year); ``w`` has mean 1, either 24 hourly
weights as given (normalised) or a von Mises day ``w ∝ exp(k·cos(2π(h − 14)/24))`` (never zero) whose
peak-to-mean ratio ``max(w)`` equals the ratio given (``k`` by bisection; k = 0 is a flat day; the
peak hour, 14:00, does not change any cost).
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..uncertainty import is_distribution, parse_dist
from ..units import number_input, parse_date

MAX_SCENARIO_BYTES = 1_000_000  #: a scenario file is a few hundred bytes; refuse anything near a megabyte
HOURS = np.arange(24, dtype=float)
PEAK_HOUR = 14.0  #: the raised-cosine day peaks at 14:00 (placement only; costs do not depend on it)
MAX_PEAK_TO_MEAN = 24.0  #: all of a day's queries in one hour
OPTIONS = ("api", "rent", "rent_committed", "own")
PHASES = ("none", "finetune", "posttrain", "pretrain")

#: every scenario key, its default and what it is (TOML tables only group keys: [demand], [own], ...)
KEYS = {
    "model": (None, "serving model: preset or config.json"),
    "gpu": (None, "accelerator(s) to self-host on, comma list (default: every catalog one with a price)"),
    "engine": ("trtllm", "serving engine profile"),
    "queries_per_day": (None, "demand now [queries/day]"),
    "growth": (1.0, "demand factor per year (1 = flat, 3 = 3x a year)"),
    "peak_to_mean": (1.0, "busiest hour over the mean hour"),
    "hourly_weights": (None, "24 relative demands, hour 0..23"),
    "input_tokens": (None, "prompt tokens per query (default 161)"),
    "output_tokens": (None, "answer tokens per query (default 338)"),
    "reasoning_tokens": (0.0, "thinking tokens per query"),
    "length_sigma": (None, "log-normal spread of the lengths"),
    "ttft_p95_s": (None, "p95 time to first token [s]"),
    "tpot_p95_s": (None, "p95 time per output token [s]"),
    "years": (3.0, "horizon [years]"),
    "discount_rate": (0.07, "per year"),
    "date": (None, "start date (prices)"),
    "options": (",".join(OPTIONS), "options to compare"),
    "capability": (None, "API level BENCH>=X (default: the model's MMLU in the API table)"),
    "api_price_decline": (None, "annual fall of the API price (default: the level's trend)"),
    "rent_price_kind": ("on-demand", "price of the rent option"),
    "rent_scaling": ("hourly", "rent replicas per hour (hourly) or at the month's peak (peak)"),
    "committed_price_kind": ("3-year", "price of the rent_committed option"),
    "chip_price_usd": (None, "purchase price of one accelerator [USD]"),
    "power_usd_per_kwh": (None, "[USD/kWh]"),
    "colocation_usd_per_kw_month": (184.06, "[USD/(kW month)]"),
    "resale": (1.0, "share of the trend value recovered at the end"),
    "phase": ("none", "model phase before serving: none, finetune, posttrain, pretrain"),
    "phase_tokens": (None, "fine-tuning or pre-training tokens"),
    "finetune_method": ("lora", "full, lora, qlora"),
    "phase_gpu": ("h100", "accelerator of the model phase"),
    "phase_gpus": (None, "accelerators of the model phase"),
    "posttrain": (None, "table of costcurve posttrain arguments (method, prompts, steps, ...)"),
    "samples": (2000, "Monte Carlo draws"),
    "seed": (0, "Monte Carlo seed"),
}
TABLES = ("demand", "serving", "options", "api", "rent", "own", "phase", "uncertainty")


def read_scenario(path) -> dict:
    """The keys of a scenario TOML file (tables flattened); errors name the file and the key."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_SCENARIO_BYTES:
            raise InputError(f"{p.name} is {size:,} bytes; a scenario is at most {MAX_SCENARIO_BYTES:,}", field="scenario")
        data = tomllib.loads(p.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise InputError(f"no such file: {p}", field="scenario") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read {p.name}: {type(e).__name__}", field="scenario") from None
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"{p.name} is not valid TOML: {str(e)[:120]}", field="scenario") from None
    flat = {}
    for k, v in data.items():
        if isinstance(v, dict) and k in TABLES:
            flat.update({kk.replace("-", "_"): vv for kk, vv in v.items()})
        else:
            flat[k.replace("-", "_")] = v
    for k in flat:
        if k not in KEYS:
            raise InputError(f"{p.name}: unknown key {str(k)[:40]!r}; allowed: {', '.join(KEYS)}", field="scenario")
    return flat


def merge(file_values: dict, given: dict) -> dict:
    """Defaults, then the file, then options given (not None)."""
    out = {k: d for k, (d, _) in KEYS.items()}
    out.update(file_values)
    out.update({k: v for k, v in given.items() if v is not None})
    return out


def text_or_number(v, field):
    """A TOML/option value that the number parsers take: str, int or float (no tables, lists, booleans)."""
    if v is None or isinstance(v, str) or (isinstance(v, (int, float)) and not isinstance(v, bool)):
        return v
    raise InputError(f"got {type(v).__name__}; allowed: a number or text such as '50M' or '1M..4M'", field=field)


def check_growth(v):
    g = number_input(text_or_number(v, "growth"), "growth", kind="plain", upper=1000.0) if not is_distribution(v) else v
    return g


def hourly_weights(peak_to_mean=None, weights=None) -> np.ndarray:
    """Demand of each hour over the mean hour: (…, 24) with mean 1 (module docstring)."""
    if weights is not None:
        if isinstance(weights, str):
            weights = [x for x in weights.replace(";", ",").split(",") if x.strip()]
        if not isinstance(weights, (list, tuple)) or len(weights) != 24:
            raise InputError("allowed: 24 numbers >= 0, hour 0 to 23", field="hourly_weights")
        w = np.array([float(number_input(text_or_number(x, "hourly_weights"), "hourly_weights", kind="plain",
                                         allow_zero=True)) for x in weights])
        if not w.sum() > 0:
            raise InputError("the 24 weights sum to 0; allowed: at least one hour with demand", field="hourly_weights")
        return w / w.mean()
    r = np.asarray(1.0 if peak_to_mean is None else peak_to_mean, dtype=float)
    if np.any(~np.isfinite(r)) or np.any(r < 1) or np.any(r > MAX_PEAK_TO_MEAN):
        bad = r[(~np.isfinite(r)) | (r < 1) | (r > MAX_PEAK_TO_MEAN)].flat[0]
        raise InputError(f"got {bad:g}; allowed: 1 (flat) to {MAX_PEAK_TO_MEAN:g}", field="peak_to_mean")
    c = np.cos(2 * math.pi * (HOURS - PEAK_HOUR) / 24.0)  # peak at 14:00

    def ratio(k):
        w = np.exp(k[..., None] * (c - 1.0))
        return w.max(-1) / w.mean(-1)

    lo, hi = np.zeros(r.shape), np.full(r.shape, 2000.0)
    for _ in range(60):  # ratio grows monotonically with k
        mid = (lo + hi) / 2
        big = ratio(mid) > r
        hi, lo = np.where(big, mid, hi), np.where(big, lo, mid)
    w = np.exp(((lo + hi) / 2)[..., None] * (c - 1.0))
    return w / w.mean(-1, keepdims=True)


def monthly_demand(queries_per_day, growth, months: int) -> np.ndarray:
    """Mean demand of each month [queries/day]: q0 · growth^((m − 1)/12), shape (…, months)."""
    m = np.arange(months, dtype=float)
    return np.asarray(queries_per_day, dtype=float)[..., None] * np.asarray(growth, dtype=float)[..., None] ** (m / 12)


def parse_options(v) -> tuple:
    items = v if isinstance(v, (list, tuple)) else str(v).split(",")
    out = tuple(dict.fromkeys(str(x).strip().lower().replace("-", "_") for x in items if str(x).strip()))
    bad = [x for x in out if x not in OPTIONS]
    if bad or not out:
        raise InputError(f"got {', '.join(bad) or 'none'}; allowed: {', '.join(OPTIONS)} (comma list)", field="options")
    return out


RANGED = ("queries_per_day", "growth", "peak_to_mean", "input_tokens", "output_tokens", "reasoning_tokens",
          "discount_rate", "chip_price_usd", "power_usd_per_kwh", "colocation_usd_per_kw_month", "resale",
          "api_price_decline")
# ---- inputs -------------------------------------------------------------------------------------------
_BOUNDS = {"queries_per_day": ("count", 1e13, False), "growth": ("plain", 1000.0, False),
           "peak_to_mean": ("plain", MAX_PEAK_TO_MEAN, False), "input_tokens": ("count", 2e6, False),
           "output_tokens": ("count", 2e6, False), "reasoning_tokens": ("count", 2e6, True),
           "discount_rate": ("plain", 1.0, True), "chip_price_usd": ("plain", 1e7, False),
           "power_usd_per_kwh": ("plain", 10.0, True), "colocation_usd_per_kw_month": ("plain", 1e4, True),
           "resale": ("plain", 1.0, True), "api_price_decline": ("plain", 0.999, True)}
PRICE_KINDS = ("on-demand", "spot", "1-year", "3-year")


def _number(v, k):
    kind, upper, zero = _BOUNDS[k]
    x = text_or_number(v, k)
    if k == "growth" and not is_distribution(x) and x is not None:
        g = number_input(x, k, kind="plain", allow_zero=True, upper=upper)
        if g <= 0:
            raise InputError(f"got {g:g}; allowed: a factor per year > 0 (1 = flat, 3 = three times a year)", field=k)
    if is_distribution(x):
        d = parse_dist(x, k)
        return d.median, d
    return (None if x is None else float(number_input(x, k, kind=kind, upper=upper, allow_zero=zero))), None


def _choice(v, k, allowed):
    s = str(v).strip().lower()
    if s not in allowed:
        raise InputError(f"got {str(v)[:40]!r}; allowed: {', '.join(allowed)}", field=k)
    return s


def check_scenario(v: dict) -> dict:
    """Checked scenario: point values (medians of ranges) and the ranges under ``_dists``."""
    if not v.get("model"):
        raise InputError("needed: the serving model (e.g. `model` llama3.1-70b, or model = ... in the file)", field="model")
    if v.get("queries_per_day") is None:
        raise InputError("needed: the demand now (e.g. `queries_per_day` 50M)", field="queries_per_day")
    out, dists = dict(v), {}
    for k in RANGED:
        out[k], d = _number(v.get(k), k)
        if d is not None:
            dists[k] = d
    if v.get("hourly_weights") is not None and v.get("peak_to_mean") not in (None, 1, 1.0, "1"):
        raise InputError("give a peak-to-mean ratio or 24 hourly weights, not both", field="peak_to_mean")
    out["_weights"] = hourly_weights(weights=v["hourly_weights"]) if v.get("hourly_weights") is not None else None
    hourly_weights(out["peak_to_mean"])  # checks the range
    out["years"] = float(number_input(text_or_number(v["years"], "years"), "years", kind="plain", upper=20.0,
                                      low=1 / 12))
    out["_months"] = int(math.ceil(out["years"] * 12 - 1e-9))
    out["options"] = parse_options(v["options"])
    out["rent_scaling"] = _choice(v["rent_scaling"], "rent_scaling", ("hourly", "peak"))
    for k in ("rent_price_kind", "committed_price_kind"):
        out[k] = _choice(v[k], k, PRICE_KINDS)
    out["phase"] = _choice(v["phase"], "phase", PHASES)
    out["engine"] = _choice(v["engine"], "engine", ("trtllm", "vllm", "sglang"))
    from ..uncertainty import check_samples, check_seed

    out["samples"] = check_samples(v["samples"])
    if out["samples"] > 20_000:
        raise InputError(f"got {out['samples']:,}; allowed: 2..20,000 (each draw is a month-by-hour table)", field="samples")
    out["seed"] = check_seed(v["seed"])
    out["_date"] = parse_date(v.get("date"))
    from ..serving.load import SHAREGPT_INPUT_MEAN, SHAREGPT_OUTPUT_MEAN

    out["_I"] = SHAREGPT_INPUT_MEAN if out["input_tokens"] is None else out["input_tokens"]
    out["_O"] = SHAREGPT_OUTPUT_MEAN if out["output_tokens"] is None else out["output_tokens"]
    out["_R"] = out["reasoning_tokens"] or 0.0
    if dists.get("reasoning_tokens") is not None:  # the deployment decodes the mean thinking length
        from ..serving.reasoning import mean_tokens

        out["_R"] = mean_tokens(v["reasoning_tokens"])
    out["_dists"] = dists
    return out
