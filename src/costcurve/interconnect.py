"""Interconnect of each accelerator: scale-up link, scale-out network, PCIe fallback.

The bundled table ``data/interconnect_<DATA_VERSION>.csv`` has one row per accelerator of the
accelerators table (same names), with units in its column names, converted here once to base
units:

* ``scale_up_gb_per_s`` → :attr:`Interconnect.scale_up_bytes_per_s`: one direction, per
  accelerator, of the fast link inside a scale-up domain (NVLink, Infinity Fabric, ICI,
  NeuronLink, on-chip RoCE) [bytes/s]; empty where the vendor publishes no per-device figure.
* ``scale_up_domain``: accelerators that share that link (8 for HGX H100, 72 for GB200 NVL72,
  a pod for TPUs) [count].
* ``scale_out_gbit_per_s`` → :attr:`Interconnect.scale_out_bytes_per_s`: network bandwidth per
  accelerator between domains (e.g. 400 Gb/s InfiniBand NDR per H100 = 50e9 B/s) [bytes/s];
  empty where no reference deployment publishes it.
* ``pcie_gb_per_s``: host link per direction, used inside a server when the peer link does not
  reach (NVLink-bridge pairs in an 8-GPU server) [bytes/s].
* latencies in microseconds → seconds; one step of a ring collective (NCCL's ``hwLat``).

:func:`load_interconnects` validates the file on load and raises :class:`CatalogError` naming
file, row, column and the allowed range; :func:`interconnect` looks one accelerator up.
:func:`link_for_group` says which link a collective over ``g`` accelerators crosses.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import math
import re
from dataclasses import dataclass
from importlib import resources

from .catalog import data_file
from .errors import CatalogError, FileInputError, InputError, UnknownNameError
from .files import read_text

DATA_FILE = data_file("interconnect")  #: interconnect_<DATA_VERSION>.csv
GB, GBIT, US = 1e9, 1e9 / 8, 1e-6
#: one ring step over PCIe: NCCL src/graph/tuning.cc hwLat[PCI], Simple protocol, ring [s]
PCIE_LATENCY_S = 5.7e-6

# column → (kind, required, low, high, scale to base units)
_COLUMNS = {
    "name": ("str", True, None, None, 1.0),
    "scale_up_link": ("str", True, None, None, 1.0),
    "scale_up_gb_per_s": ("float", False, 1.0, 1e5, GB),
    "scale_up_domain": ("int", True, 1, 1e6, 1),
    "scale_up_latency_us": ("float", True, 0.01, 1e3, US),
    "scale_out_link": ("str", False, None, None, 1.0),
    "scale_out_gbit_per_s": ("float", False, 0.1, 1e5, GBIT),
    "scale_out_latency_us": ("float", False, 0.01, 1e4, US),
    "pcie_gb_per_s": ("float", False, 1.0, 1e3, GB),
    "accelerators_per_server": ("int", True, 1, 1e4, 1),
    "source": ("str", True, None, None, 1.0),
}


@dataclass(frozen=True)
class Interconnect:
    """Links of one accelerator, in base units; ``None`` where the table has no published figure."""

    name: str  #: accelerator name as in the accelerators table
    scale_up_link: str
    scale_up_bytes_per_s: float | None  #: per accelerator, one direction [bytes/s]
    scale_up_domain: int  #: accelerators sharing the scale-up link [count]
    scale_up_latency_s: float  #: one ring step inside the domain [s]
    scale_out_link: str | None
    scale_out_bytes_per_s: float | None  #: network per accelerator, one direction [bytes/s]
    scale_out_latency_s: float | None  #: one ring step over the network [s]
    pcie_bytes_per_s: float | None  #: host link per direction [bytes/s]
    accelerators_per_server: int  #: [count]
    source: str


def _cell(path, row: int, column: str, raw: str):
    kind, required, low, high, scale = _COLUMNS[column]
    s = (raw or "").strip()
    if not s:
        if required:
            raise CatalogError(path, row, column, "is empty; a value is required")
        return None
    if kind == "str":
        return s
    try:
        v = float(s)
    except ValueError:
        raise CatalogError(path, row, column, f"got {s!r}; allowed: a number") from None
    if not math.isfinite(v) or v < low or v > high:
        raise CatalogError(path, row, column, f"got {s}; allowed: {low:g}..{high:g}")
    if kind == "int":
        if v != int(v):
            raise CatalogError(path, row, column, f"got {s}; allowed: a whole number")
        return int(v)
    return v * scale


def _record(path, row: int, raw: dict) -> Interconnect:
    v = {c: _cell(path, row, c, raw.get(c)) for c in _COLUMNS}
    if v["scale_up_gb_per_s"] is None and v["pcie_gb_per_s"] is None:
        raise CatalogError(path, row, "scale_up_gb_per_s", "is empty and so is pcie_gb_per_s; one link is required")
    if v["scale_out_gbit_per_s"] is not None and v["scale_out_latency_us"] is None:
        raise CatalogError(path, row, "scale_out_latency_us", "is empty; required when scale_out_gbit_per_s is given")
    return Interconnect(
        name=v["name"].lower(), scale_up_link=v["scale_up_link"], scale_up_bytes_per_s=v["scale_up_gb_per_s"],
        scale_up_domain=v["scale_up_domain"], scale_up_latency_s=v["scale_up_latency_us"],
        scale_out_link=v["scale_out_link"], scale_out_bytes_per_s=v["scale_out_gbit_per_s"],
        scale_out_latency_s=v["scale_out_latency_us"], pcie_bytes_per_s=v["pcie_gb_per_s"],
        accelerators_per_server=v["accelerators_per_server"], source=v["source"],
    )


def read_interconnects(path, text: str | None = None) -> dict[str, Interconnect]:
    """Read and validate an interconnect CSV → {accelerator name: Interconnect}. Raises CatalogError."""
    if text is None:
        text = _read(path)
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    missing = [c for c, spec in _COLUMNS.items() if spec[1] and c not in header]
    if missing:
        raise CatalogError(path, None, None, f"missing column(s) {', '.join(missing)} for the interconnect table")
    out: dict[str, Interconnect] = {}
    for i, raw in enumerate(reader, start=2):
        if None in raw:
            raise CatalogError(path, i, None, f"has {len(header) + len(raw[None])} fields; the header has {len(header)}")
        rec = _record(path, i, raw)
        if rec.name in out:
            raise CatalogError(path, i, "name", f"duplicate name {rec.name!r}")
        out[rec.name] = rec
    return out


def _read(path) -> str:
    """A user file's text, read as every user file is (regular files only, bounded, UTF-8)."""
    try:
        return read_text(path, field="interconnect")
    except FileInputError as e:
        raise CatalogError(str(path), None, None, f"cannot read file ({str(e).split(': ', 1)[-1]})") from None


@functools.lru_cache(maxsize=8)
def _parsed(path: str, text: str) -> dict[str, Interconnect]:
    """Validated table of ``text``: keyed on the text itself, so an edited file is seen at once."""
    return read_interconnects(path, text)


@functools.lru_cache(maxsize=1)
def _bundled(name: str) -> dict[str, Interconnect]:
    """The bundled table ``name`` (files inside the package never change while it runs)."""
    text = resources.files("costcurve").joinpath("data", name).read_text(encoding="utf-8")
    return read_interconnects(f"costcurve/data/{name}", text)


def load_interconnects(path=None) -> dict[str, Interconnect]:
    """The interconnect table (bundled by default), validated.

    The bundled table is read once; a user file is read on every call (~0.2 ms) and its validated
    table cached on its text (validation costs ~1.5 ms), so edits are seen at once.
    """
    if path is None:
        return _bundled(DATA_FILE)
    return _parsed(str(path), _read(path))


def interconnect(name, path=None) -> Interconnect:
    """Interconnect of accelerator ``name`` (a catalog name, or an object with a ``name``)."""
    key = str(getattr(name, "name", name)).strip().lower()
    table = load_interconnects(path)
    if key not in table:
        raise UnknownNameError("accelerator", key, table, field="gpu")
    return table[key]


def link_for_group(ic: Interconnect, group_size: int, stride: int = 1):
    """(bandwidth [bytes/s], latency [s], kind) of a collective over ``group_size`` accelerators.

    The group's members are ``stride`` apart in the rank order (tensor parallel innermost,
    stride 1); it spans ``group_size × stride`` consecutive ranks. Inside the scale-up domain it
    uses the scale-up link; inside one server with a PCIe fallback, PCIe; otherwise the scale-out
    network. Returns ``(nan, nan, "none")`` when the needed link is not published.
    """
    span = group_size * stride
    if span <= ic.scale_up_domain and ic.scale_up_bytes_per_s is not None:
        return ic.scale_up_bytes_per_s, ic.scale_up_latency_s, "scale-up"
    if span <= max(ic.accelerators_per_server, ic.scale_up_domain) and ic.pcie_bytes_per_s is not None:
        return ic.pcie_bytes_per_s, PCIE_LATENCY_S, "pcie"
    if ic.scale_out_bytes_per_s is not None:
        return ic.scale_out_bytes_per_s, ic.scale_out_latency_s, "scale-out"
    return math.nan, math.nan, "none"


#: bandwidth units a user may type → bytes/s (bits are 1/8 byte; k/M/G/T decimal: GB = 1e9 bytes)
_BW_UNITS = {"b/s": 1 / 8, "bps": 1 / 8, "kb/s": 1e3 / 8, "kbps": 1e3 / 8, "mb/s": 1e6 / 8, "mbps": 1e6 / 8,
             "gb/s": GBIT, "gbps": GBIT, "gbit/s": GBIT, "tb/s": 1e12 / 8, "tbps": 1e12 / 8, "tbit/s": 1e12 / 8}
_BYTE_UNITS = {"B/s": 1.0, "kB/s": 1e3, "MB/s": 1e6, "GB/s": GB, "TB/s": 1e12, "GiB/s": 2.0**30}
#: one ring step over a scale-out network when the table has none: NCCL tuning.cc hwLat[NET], Simple, ring [s]
NET_LATENCY_S = 14e-6
_PER_NODE = (" per node", "/node", " per server", "/server")


def parse_bandwidth(text, ic: Interconnect, field: str = "scale_out") -> float:
    """Scale-out bandwidth per accelerator from user text → bytes/s.

    ``"400 Gb/s"`` or ``"400Gbps"`` (bits), ``"50 GB/s"`` (bytes, GB = 1e9), per accelerator; with
    ``" per node"`` (or ``/node``) it is the node's and is divided by ``ic.accelerators_per_server``.
    A plain number is bytes/s. Raises :class:`InputError` naming ``field``.
    """
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        v = float(text)
    else:
        s = str(text).strip()
        per_node = next((p for p in _PER_NODE if s.lower().endswith(p)), None)
        if per_node:
            s = s[: -len(per_node)].strip()
        m = re.fullmatch(r"([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([A-Za-z/]+)", s)
        unit = m.group(2) if m else ""
        scale = _BYTE_UNITS.get(unit) if "B" in unit else _BW_UNITS.get(unit.lower())  # B bytes, b bits
        if m is None or scale is None:
            raise InputError(f"got {text!r}; allowed: a bandwidth per accelerator like 400Gb/s, 50GB/s or "
                             "3.2Tb/s per node (or an accelerator name from the interconnect table)", field=field)
        v = float(m.group(1)) * scale / (ic.accelerators_per_server if per_node else 1)
    if not math.isfinite(v) or not 1e6 <= v <= 1e14:
        raise InputError(f"got {text!r} = {v:.3g} bytes/s per accelerator; allowed: 1 MB/s..100 TB/s", field=field)
    return v


def with_scale_out(ic: Interconnect, scale_out=None, path=None) -> Interconnect:
    """``ic`` with its scale-out network replaced; ``scale_out`` None keeps the table's.

    ``scale_out``: bytes/s per accelerator, text with a unit (:func:`parse_bandwidth`), or the
    name of another accelerator whose table row's scale-out network is used (e.g. a cluster of
    ``h100-sxm5`` on ``l40s``-class Ethernet). The latency stays the table's, or NCCL's network
    value (:data:`NET_LATENCY_S`) where it has none.
    """
    if scale_out is None:
        return ic
    if isinstance(scale_out, str) and scale_out.strip().lower() in load_interconnects(path):
        other = load_interconnects(path)[scale_out.strip().lower()]
        if other.scale_out_bytes_per_s is None:
            raise InputError(f"{other.name} has no published scale-out network; give a bandwidth like 400Gb/s",
                             field="scale_out")
        bw, lat, link = other.scale_out_bytes_per_s, other.scale_out_latency_s, other.scale_out_link
    else:
        bw = parse_bandwidth(scale_out, ic)
        lat = ic.scale_out_latency_s if ic.scale_out_latency_s is not None else NET_LATENCY_S
        link = f"given: {scale_out}"
    return dataclasses.replace(ic, scale_out_bytes_per_s=bw, scale_out_latency_s=lat, scale_out_link=link)
