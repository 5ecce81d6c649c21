"""costcurve.files: every hostile file becomes a FileInputError naming the parameter, never a hang or crash."""

from __future__ import annotations

import csv
import os

import pytest

from costcurve.errors import CostcurveError, FileInputError
from costcurve.files import json_depth, printable, read_csv, read_json, read_text

GOOD_JSON = '{"a": [1, 2.5, {"b": "c"}]}'


def _bytes(tmp_path, name, data: bytes):
    p = tmp_path / name
    p.write_bytes(data)
    return p


def test_reads_utf8_with_and_without_bom(tmp_path):
    assert read_text(_bytes(tmp_path, "a.txt", "héllo\n".encode()), field="x") == "héllo\n"
    assert read_text(_bytes(tmp_path, "b.txt", b"\xef\xbb\xbfhi\n"), field="x") == "hi\n"
    assert read_json(_bytes(tmp_path, "c.json", b"\xef\xbb\xbf" + GOOD_JSON.encode()), field="x") == {"a": [1, 2.5, {"b": "c"}]}


HOSTILE_TEXT = {
    "latin1": ("caf\xe9\n".encode("latin-1"), "not UTF-8"),
    "utf16": ("a,b\n1,2\n".encode("utf-16"), "UTF-16"),
    "utf16-no-bom": ("a,b\n".encode("utf-16-le"), "NUL"),
    "escape": (b"name\n\x1b]0;pwned\x07x\n", "control character"),
    "bidi": ("name\n\u202eevil\n".encode(), "control character"),
}


@pytest.mark.parametrize("case", HOSTILE_TEXT)
def test_hostile_text(tmp_path, case):
    data, needle = HOSTILE_TEXT[case]
    with pytest.raises(FileInputError) as e:
        read_text(_bytes(tmp_path, "f.csv", data), field="catalog")
    assert e.value.field == "catalog" and needle in str(e.value)
    assert "\x1b" not in str(e.value) and "\u202e" not in str(e.value)


HOSTILE_JSON = {
    "infinity": ('{"a": Infinity}', "not a JSON number"),
    "nan": ('{"a": NaN}', "not a JSON number"),
    "1e999": ('{"a": 1e999}', "not finite"),
    "huge-int": ('{"a": 1' + "0" * 5000 + "}", "digits"),
    "deep": ("[" * 200_000 + "]" * 200_000, "nested 200,000 deep"),
    "deep-object": ('{"a":' * 100 + "1" + "}" * 100, "nested 100 deep"),
    "truncated": ('{"a": ', "not valid JSON"),
    "array-top": ("[1, 2]", "expected an object"),
}


@pytest.mark.parametrize("case", HOSTILE_JSON)
def test_hostile_json(tmp_path, case):
    text, needle = HOSTILE_JSON[case]
    with pytest.raises(FileInputError) as e:
        read_json(_bytes(tmp_path, "config.json", text.encode()), field="model")
    assert e.value.field == "model" and needle in str(e.value)
    assert str(e.value).count("config.json") == 1  # said once, not wrapped twice


def test_json_depth_skips_strings():
    assert json_depth('{"a": "[[[[{{{"}') == 1
    assert json_depth('[[1], [[2]]]') == 3
    assert json_depth(r'["\"[[[", [1]]') == 2


def test_not_regular_files(tmp_path):
    with pytest.raises(FileInputError, match="directory"):
        read_text(tmp_path, field="model")
    with pytest.raises(FileInputError, match="cannot read"):
        read_text(tmp_path / "missing.json", field="model")
    if os.path.exists("/dev/zero"):
        with pytest.raises(FileInputError, match="device"):
            read_text("/dev/zero", field="model")
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "fifo"
        os.mkfifo(fifo)
        with pytest.raises(FileInputError, match="FIFO"):
            read_json(fifo, field="model")  # would block forever if opened for reading


def test_size_limit(tmp_path):
    p = _bytes(tmp_path, "big.txt", b"x" * 1001)
    with pytest.raises(FileInputError, match="at most 1,000"):
        read_text(p, field="csv", max_bytes=1000)
    assert len(read_text(p, field="csv", max_bytes=1001)) == 1001


def test_csv_field_limit(tmp_path):
    p = _bytes(tmp_path, "big.csv", b"a,b\n" + b"x" * (csv.field_size_limit() + 10) + b",1\n")
    with pytest.raises(FileInputError) as e:
        read_csv(p, field="csv")
    assert e.value.field == "csv" and "over" in str(e.value) and "line" in str(e.value)


def test_csv_rows_and_lines(tmp_path):
    t = read_csv(_bytes(tmp_path, "ok.csv", b'a,b\n1,"two\nlines"\n3,4\n'), field="csv")
    assert t.header == ["a", "b"] and t.rows[1] == {"a": "3", "b": "4"} and t.lines == [3, 4]


def test_file_error_is_a_costcurve_error():
    assert issubclass(FileInputError, CostcurveError)
    assert printable("a\x1b[31mb") == "a\\x1b[31mb"


def test_csv_number_names_file_line_and_column():
    from costcurve.errors import CatalogError
    from costcurve.files import csv_number

    assert csv_number({"x": " 2.5 "}, "x", "t.csv", 3) == 2.5
    assert csv_number({"x": ""}, "x", "t.csv", 3) is None and csv_number({}, "x", "t.csv", 3) is None
    assert csv_number({"x": "0"}, "x", "t.csv", 3) == 0.0  # in the default range 0..inf
    for raw, kw in (("abc", {}), ("inf", {}), ("nan", {}), ("-1", {}), ("0", {"positive": True}), ("101", {"hi": 100.0})):
        with pytest.raises(CatalogError) as e:
            csv_number({"x": raw}, "x", "t.csv", 7, **kw)
        assert (e.value.path, e.value.row, e.value.column) == ("t.csv", 7, "x"), raw
