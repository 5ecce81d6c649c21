"""Numbers with units as text: one formatter table for the terminal, the HTML report, the web page,
``to_frame()`` and the unit metadata of JSON answers.

A result key names its unit (``cost_cloud_usd``, ``step_time_s``, ``memory_per_gpu_bytes``, the
project's naming convention); :func:`unit_of` reads it, :data:`FORMATS` turns a value of that unit
into text, and a command definition's ``fields`` names the unit where the key does not. Inside,
values stay in base units (USD, s, bytes, FLOP, FLOP/s); conversion happens only here.
"""

from __future__ import annotations

import math

from costcurve.units import format_count, format_si, format_usd


def usd(v) -> str:
    """``$61.4M``, ``$12.60``, ``$0.35``, ``$0.0349``, ``$0.0000134``, ``−$5M``; below a millionth of a
    dollar in powers of ten (``$2.71e-17``)."""
    if v is None:
        return "n/a"
    v = float(v)
    if v < 0:
        return "−" + usd(-v)
    if 0 < v < 1e-6:
        return f"${v:.3g}"
    if 0.01 <= v < 0.1:
        return f"${v:.3g}"
    return format_usd(v)


def duration(seconds) -> str:
    """``62 days``, ``7.5 hours``, ``83 ms``, ``4.1 years``."""
    if seconds is None or not math.isfinite(seconds):
        return "n/a"
    s = float(seconds)
    if s >= 2 * 365.25 * 86400:
        return f"{s / (365.25 * 86400):,.1f} years"
    if s >= 2 * 86400:
        return f"{s / 86400:,.0f} days" if s >= 10 * 86400 else f"{s / 86400:,.1f} days"
    if s >= 2 * 3600:
        return f"{s / 3600:,.1f} hours"
    if s >= 120:
        return f"{s / 60:,.1f} minutes"
    if s >= 1:
        return f"{s:,.2f} s"
    return f"{s * 1e3:,.3g} ms"


def count(v) -> str:
    return "n/a" if v is None else format_count(float(v))


def num(v, digits: int = 3) -> str:
    if v is None:
        return "n/a"
    v = float(v)
    return f"{v:,.0f}" if abs(v) >= 10 ** digits else f"{v:,.{digits}g}"


def flop(v) -> str:
    """``3e25 FLOP``, ``7.62e23 FLOP``."""
    return "n/a" if v is None else f"{float(v):.3g} FLOP".replace("e+", "e")


def hours(v, unit: str = "GPU-hours") -> str:
    """``4.65M GPU-hours``, ``12.5K GPU-hours``, ``750 GPU-hours``."""
    if v is None:
        return "n/a"
    v = float(v)
    for scale, s in ((1e9, "B"), (1e6, "M"), (1e4, "K")):
        if v >= scale:
            return f"{v / scale:,.3g}{s} {unit}"
    return f"{num(v)} {unit}"


def gb(v) -> str:
    return "n/a" if v is None else f"{float(v) / 1e9:,.1f} GB"


def gib(v) -> str:
    """Accelerator memory in GiB (2**30 bytes): ``80 GiB``, ``51.5 GiB``; below 0.1 GiB in MiB."""
    if v is None:
        return "n/a"
    g = float(v) / 2**30
    if 0 < abs(g) < 0.1:
        return f"{float(v) / 2**20:,.0f} MiB"
    return f"{g:,.0f} GiB" if g >= 100 or g == round(g) else f"{g:,.1f} GiB"


def days(v) -> str:
    """``378 days``, ``3.5 days``, ``0.8 days``."""
    if v is None:
        return "n/a"
    d = float(v)
    return f"{d:,.0f} days" if d >= 10 else f"{d:,.1f} days"


def pct(v, digits: int = 1) -> str:
    return "n/a" if v is None else f"{100 * float(v):.{digits}f}%"


def si(v, unit: str) -> str:
    return "n/a" if v is None else format_si(float(v), unit)


def p50(v):
    """The median of a Monte Carlo figure ({p5, p50, p95, mean}), or the plain value."""
    return v.get("p50") if isinstance(v, dict) else v


def with_interval(v, fmt) -> str:
    """``$2.17M (90%: $1.68M–$2.79M)`` for a Monte Carlo figure, ``fmt(v)`` otherwise."""
    if isinstance(v, dict) and "p50" in v:
        return f"{fmt(v['p50'])} (90%: {fmt(v['p5'])}–{fmt(v['p95'])})"
    return fmt(v)




# ---- units of result keys --------------------------------------------------------------------------
#: unit -> formatter of a value in that (base) unit
FORMATS = {
    "USD": usd, "s": duration, "days": days, "hours": lambda v: hours(v, "hours"), "GPU-hours": hours,
    "bytes": gb, "bytes (memory)": gib, "FLOP": flop, "FLOP/s": lambda v: si(v, "FLOP/s"), "kWh": lambda v: f"{num(v)} kWh",
    "1": pct, "count": count, "": num,
}


def unit_of(key: str, fields=()) -> str:
    """The unit of a result value named ``key``: from ``fields`` ((key, unit) pairs) or from its name."""
    for k, u in fields:
        if k == key:
            return u
    k = key.lower()
    if "flop_per_s" in k:
        return "FLOP/s"
    if "_usd_per_" in k and not k.startswith("usd_"):
        return "USD/" + k.split("_usd_per_", 1)[1]
    if k.endswith("_usd") or k.startswith("usd_") or k.endswith("usd") or "_usd_per_" in k or k.startswith("cost"):
        return "USD"
    if k.endswith("_bytes"):  # accelerator memory in GiB, other sizes (files, weights on disk) in GB
        return "bytes (memory)" if ("memory" in k or "capacity" in k) else "bytes"
    if k.endswith("_per_s") or k.endswith("_per_second"):
        unit = k.rsplit("_per_", 1)[0].split("_")[-1]
        return f"{'FLOP' if unit == 'flop' else unit}/s"
    if k.endswith("_s"):
        return "s"
    if k.endswith("_days"):
        return "days"
    if k.endswith("_hours"):
        return "GPU-hours" if "gpu" in k else "hours"
    if k.endswith("_flop"):
        return "FLOP"
    if k.endswith("_kwh"):
        return "kWh"
    if k.endswith(("_fraction", "_share", "_rate")):
        return "1"
    if k in ("tokens", "params") or k.endswith(("_tokens", "_params")) or k.startswith("params_"):
        return "count"
    return ""


def formatter(unit: str):
    """The formatter of values in ``unit`` (a rate such as "tokens/s" or "USD/gpu_hour" included)."""
    if unit in FORMATS:
        return FORMATS[unit]
    if unit.startswith("USD/"):
        per = unit[4:].replace("gpu_hour", "GPU-hour").replace("_", " ")
        return lambda v: f"{usd(v)} per {per}"
    if unit.endswith("/s"):
        return lambda v: si(v, unit)
    return num


def format_value(key: str, value, fields=()) -> str:
    """``value`` of the result key ``key`` as text in its unit (a Monte Carlo figure as p50 (90%: p5–p95))."""
    return with_interval(value, formatter(unit_of(key, fields)))


def units(data, fields=()) -> dict:
    """{key: unit} of the numeric top-level keys of a JSON answer (its unit metadata)."""
    if not isinstance(data, dict):
        return {}
    out = {}
    for k, v in data.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool) or (isinstance(v, dict) and "p50" in v):
            u = unit_of(k, fields)
            if u:
                out[k] = u
    return out
