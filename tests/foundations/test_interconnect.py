"""The interconnect table: one row per accelerator, base units, typed errors on bad rows."""

from __future__ import annotations

import math

import pytest

from costcurve.catalog import load_catalog
from costcurve.errors import CatalogError, UnknownNameError
from costcurve.interconnect import interconnect, link_for_group, load_interconnects, read_interconnects

HEADER = ("name,scale_up_link,scale_up_gb_per_s,scale_up_domain,scale_up_latency_us,scale_out_link,"
          "scale_out_gbit_per_s,scale_out_latency_us,pcie_gb_per_s,accelerators_per_server,source\n")
GOOD = "x1,NVLink,450,8,3.4,IB,400,14,63,8,datasheet\n"


def test_every_accelerator_has_a_row_with_a_source():
    table = load_interconnects()
    assert {a.name for a in load_catalog().accelerators.values()} == set(table)
    assert len(table) >= 50
    assert all(r.source for r in table.values())


def test_published_figures_in_base_units():
    h100 = interconnect("h100-sxm5")
    # DGX H100 datasheet: NVLink 900 GB/s bidirectional; 8x 400 Gb/s NDR, one per GPU
    assert h100.scale_up_bytes_per_s == pytest.approx(450e9)
    assert h100.scale_out_bytes_per_s == pytest.approx(50e9)
    assert h100.scale_up_domain == 8
    assert h100.scale_up_latency_s == pytest.approx(3.4e-6)
    assert interconnect("gb200").scale_up_domain == 72  # GB200 NVL72
    assert interconnect("a100-sxm4-80gb").scale_out_bytes_per_s == pytest.approx(25e9)  # 200 Gb/s HDR
    assert interconnect("tpu-v5e").scale_out_bytes_per_s == pytest.approx(25e9 / 8)  # 2x100 Gbps per 8 chips


def test_link_choice_by_group_span():
    h100 = interconnect("h100-sxm5")
    assert link_for_group(h100, 8)[2] == "scale-up"
    assert link_for_group(h100, 2, stride=8)[2] == "scale-out"
    pcie_pair = interconnect("a100-pcie-80gb")  # NVLink bridge pairs inside an 8-GPU server
    assert link_for_group(pcie_pair, 2)[2] == "scale-up"
    assert link_for_group(pcie_pair, 4)[2] == "pcie"
    bw, lat, kind = link_for_group(interconnect("rtx-4090"), 16)  # no published scale-out
    assert kind == "none" and math.isnan(bw) and math.isnan(lat)


def test_accepts_catalog_accelerator_objects_and_unknown_names_fail():
    acc = load_catalog().accelerator("h100")
    assert interconnect(acc).name == acc.name
    with pytest.raises(UnknownNameError) as e:
        interconnect("h1000")
    assert e.value.field == "gpu"


@pytest.mark.parametrize("row, column", [
    ("x1,NVLink,abc,8,3.4,IB,400,14,63,8,s\n", "scale_up_gb_per_s"),
    ("x1,NVLink,450,0,3.4,IB,400,14,63,8,s\n", "scale_up_domain"),
    ("x1,NVLink,450,8.5,3.4,IB,400,14,63,8,s\n", "scale_up_domain"),
    ("x1,NVLink,450,8,inf,IB,400,14,63,8,s\n", "scale_up_latency_us"),
    ("x1,NVLink,450,8,3.4,IB,400,,63,8,s\n", "scale_out_latency_us"),
    ("x1,NVLink,,8,3.4,IB,400,14,,8,s\n", "scale_up_gb_per_s"),
    ("x1,NVLink,450,8,3.4,IB,400,14,63,8,\n", "source"),
])
def test_bad_rows_name_file_row_and_column(row, column):
    with pytest.raises(CatalogError) as e:
        read_interconnects("user.csv", HEADER + GOOD.replace("x1", "x0") + row)
    assert e.value.row == 3 and e.value.column == column and e.value.path == "user.csv"


def test_malformed_files():
    with pytest.raises(CatalogError, match="missing column"):
        read_interconnects("u.csv", "name,source\nx,y\n")
    with pytest.raises(CatalogError, match="duplicate"):
        read_interconnects("u.csv", HEADER + GOOD + GOOD)
    with pytest.raises(CatalogError, match="fields"):
        read_interconnects("u.csv", HEADER + GOOD.strip() + ",extra\n")
    with pytest.raises(CatalogError, match="cannot read"):
        load_interconnects("/nonexistent/interconnect.csv")


def test_bundled_file_name_follows_the_data_version():
    from costcurve import interconnect as ic
    from costcurve.catalog import DATA_VERSION

    assert ic.DATA_FILE == f"interconnect_{DATA_VERSION}.csv"


def test_an_edited_user_file_is_seen_at_once(tmp_path):
    """The user table is cached on its text, not its path or mtime: a same-second edit is seen."""
    p = tmp_path / "ic.csv"
    p.write_text(HEADER + GOOD, encoding="utf-8")
    assert load_interconnects(p)["x1"].scale_up_domain == 8
    p.write_text(HEADER + GOOD.replace(",8,3.4,", ",4,3.4,"), encoding="utf-8")
    assert load_interconnects(p)["x1"].scale_up_domain == 4
    p.write_bytes(b"\xef\xbb\xbf" + (HEADER + GOOD).encode())  # a UTF-8 byte-order mark is dropped
    assert load_interconnects(p)["x1"].scale_up_domain == 8


@pytest.mark.parametrize("content", [b"\xff\xfename\n", b"name\xc3\x28\n", "dir"])
def test_hostile_user_files_are_catalog_errors(tmp_path, content):
    p = tmp_path / "ic.csv"
    if content == "dir":
        p.mkdir()
    else:
        p.write_bytes(content)
    with pytest.raises(CatalogError, match="cannot read file"):
        load_interconnects(p)
