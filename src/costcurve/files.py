"""Reading a user's file: the one way costcurve opens ``--model``, ``--catalog``, ``--calibration``,
``--csv`` and ``--source`` files.

Each reader refuses, with a :class:`~costcurve.errors.FileInputError` whose ``field`` is the
parameter the path came from, what would otherwise hang, exhaust memory, crash or reach the
terminal raw:

* anything that is not a regular file (a directory, a FIFO that would block, ``/dev/zero``): checked
  with :func:`os.stat` before opening, and again on the open descriptor;
* more than ``max_bytes`` bytes (at most ``max_bytes + 1`` are ever read);
* text that is not UTF-8 (a UTF-8 byte-order mark is accepted and dropped; UTF-16/UTF-32 are named);
* control characters other than tab and line ends (terminal escape sequences start with ESC);
* JSON with ``NaN``/``Infinity``/``1e999`` (non-finite numbers), nesting deeper than
  ``max_depth`` (checked before parsing, so no RecursionError), or a top level of the wrong type;
* CSV cells longer than the csv module's field limit.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import stat
from typing import NamedTuple

from .errors import CatalogError, FileInputError

DEFAULT_MAX_BYTES = 32 * 2**20  #: largest file read by default [bytes] (the bundled tables are < 1 MiB)
MAX_JSON_DEPTH = 64  #: deepest JSON nesting accepted (a Hugging Face config.json nests 3-4 levels)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_BOMS = ((b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe\x00\x00", "UTF-32"), (b"\xfe\xff", "UTF-16"), (b"\xff\xfe", "UTF-16"))


def printable(text) -> str:
    """``text`` with control and bidirectional-override characters written as escapes (safe to print)."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_bytes(path, *, field: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of the regular file ``path`` (at most ``max_bytes``). Raises FileInputError."""
    shown = printable(os.fspath(path))
    try:
        st = os.stat(path)
    except (OSError, ValueError) as e:  # ValueError: a NUL in the path
        raise FileInputError(f"cannot read {shown!r} ({getattr(e, 'strerror', None) or e})", field=field, path=shown) from None
    if not stat.S_ISREG(st.st_mode):
        raise FileInputError(f"{shown!r} is {_kind(st.st_mode)}; give a regular file", field=field, path=shown)
    if st.st_size > max_bytes:
        raise FileInputError(f"{shown!r} is {st.st_size:,} bytes; allowed: at most {max_bytes:,}", field=field, path=shown)
    try:  # O_NONBLOCK: a path swapped for a FIFO after the stat must not hang the open
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as e:
        raise FileInputError(f"cannot read {shown!r} ({e.strerror or e})", field=field, path=shown) from None
    with os.fdopen(fd, "rb") as fh:
        mode = os.fstat(fh.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise FileInputError(f"{shown!r} is {_kind(mode)}; give a regular file", field=field, path=shown)
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileInputError(f"{shown!r} is over {max_bytes:,} bytes; allowed: at most {max_bytes:,}", field=field, path=shown)
    return data


def decode_text(data: bytes, *, field: str, source: str) -> str:
    """UTF-8 ``data`` as text (a byte-order mark dropped); refuses other encodings and control characters."""
    shown = printable(source)
    for bom, name in _BOMS:
        if data.startswith(bom):
            raise FileInputError(f"{shown}: the file is {name}; save it as UTF-8", field=field, path=shown)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data:
        line = data[:data.index(b"\x00")].count(b"\n") + 1
        raise FileInputError(f"{shown}, line {line}: NUL byte (a UTF-16 or binary file?); save it as UTF-8 text",
                             field=field, path=shown)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise FileInputError(f"{shown}, line {line}: not UTF-8 (byte 0x{data[e.start]:02x}); save the file as UTF-8",
                             field=field, path=shown) from None
    bad = _CONTROL.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise FileInputError(f"{shown}, line {line}: control character {printable(bad.group())} (terminal escape?); "
                             "allowed: printable text, tabs and line ends", field=field, path=shown)
    return text


def read_text(path, *, field: str, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The UTF-8 text of the regular file ``path``. Raises FileInputError (see the module docstring)."""
    return decode_text(read_bytes(path, field=field, max_bytes=max_bytes), field=field, source=os.fspath(path))


# ---- JSON ----------------------------------------------------------------------------------------
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def json_depth(text: str) -> int:
    """Deepest nesting of arrays and objects in JSON ``text`` (strings skipped), without recursion."""
    depth = deepest = 0
    for m in _JSON_BRACKET.finditer(_JSON_STRING.sub('""', text)):
        depth += 1 if m.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def loads_json(text: str, *, field: str, source: str, max_depth: int = MAX_JSON_DEPTH, top: type | None = dict):
    """Parse JSON ``text``: finite numbers only, nesting at most ``max_depth``, top level of type ``top``."""
    shown = printable(source)
    depth = json_depth(text)
    if depth > max_depth:
        raise FileInputError(f"{shown}: JSON nested {depth:,} deep; allowed: at most {max_depth}", field=field, path=shown)

    def finite(s):
        v = float(s)
        if not math.isfinite(v):
            raise FileInputError(f"{shown}: number {s[:20]}{'...' if len(s) > 20 else ''} is not finite; "
                                 "allowed: finite numbers", field=field, path=shown)
        return v

    def constant(s):
        raise FileInputError(f"{shown}: {s} is not a JSON number; allowed: finite numbers", field=field, path=shown)

    try:
        obj = json.loads(text, parse_float=finite, parse_constant=constant)
    except FileInputError:
        raise
    except json.JSONDecodeError as e:
        raise FileInputError(f"{shown}: not valid JSON ({e.msg} at line {e.lineno})", field=field, path=shown) from None
    except ValueError as e:  # an integer literal past Python's digit limit
        raise FileInputError(f"{shown}: {str(e).splitlines()[0][:120]}", field=field, path=shown) from None
    if top is not None and not isinstance(obj, top):
        want = {dict: "an object {...}", list: "an array [...]"}.get(top, top.__name__)
        raise FileInputError(f"{shown}: top level is {type(obj).__name__}; expected {want}", field=field, path=shown)
    return obj


def read_json(path, *, field: str, max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = MAX_JSON_DEPTH,
              top: type | None = dict):
    """Parse the JSON file ``path`` (see :func:`loads_json`). Raises FileInputError."""
    return loads_json(read_text(path, field=field, max_bytes=max_bytes), field=field, source=os.fspath(path),
                      max_depth=max_depth, top=top)


# ---- CSV -----------------------------------------------------------------------------------------
class CsvTable(NamedTuple):
    """A CSV file read by :func:`read_csv`: its header and its rows as dicts (extra cells under ``None``)."""

    header: list[str]
    rows: list[dict]
    lines: list[int]  #: line number of each row in the file (the header is line 1)


def parse_csv(text: str, *, field: str, source: str) -> CsvTable:
    """Parse CSV ``text`` into a :class:`CsvTable`; a malformed or over-long cell raises FileInputError."""
    shown = printable(source)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows, lines = [], []
    try:
        header = list(reader.fieldnames or [])
        for row in reader:
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error as e:
        limit = csv.field_size_limit()
        msg = f"a cell is over {limit:,} characters" if "field limit" in str(e) else f"malformed CSV ({e})"
        raise FileInputError(f"{shown}, line {reader.line_num}: {msg}", field=field, path=shown) from None
    return CsvTable(header, rows, lines)


def read_csv(path, *, field: str, max_bytes: int = DEFAULT_MAX_BYTES) -> CsvTable:
    """Read the CSV file ``path`` (UTF-8, see :func:`read_text`) into a :class:`CsvTable`."""
    return parse_csv(read_text(path, field=field, max_bytes=max_bytes), field=field, source=os.fspath(path))


def csv_number(row: dict, column: str, path, line: int, *, lo: float = 0.0, hi: float = math.inf,
               positive: bool = False) -> float | None:
    """The number in ``column`` of a parsed CSV ``row`` (file line ``line``), or None when blank.

    It must be finite and in ``lo``..``hi`` (or > 0 when ``positive``); else :class:`CatalogError`
    naming file, line and column.
    """
    s = (row.get(column) or "").strip()
    if not s:
        return None
    allowed = "a number > 0" if positive else f"a number in {lo:g}..{hi:g}"
    try:
        v = float(s)
    except ValueError:
        raise CatalogError(path, line, column, f"got {s!r}; allowed: {allowed}") from None
    if not (math.isfinite(v) and lo <= v <= hi) or (positive and not v > 0):
        raise CatalogError(path, line, column, f"got {s!r}; allowed: {allowed}")
    return v
