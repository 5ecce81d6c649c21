"""Every bundled row loads, is plausible and cites a source; user catalogs extend and are validated."""

from __future__ import annotations

import datetime as dt

import pytest

from costcurve import count_params, estimate_training, load_catalog
from costcurve.catalog import Catalog
from costcurve.errors import CatalogError


@pytest.fixture(scope="module")
def cat():
    return load_catalog()


def test_sizes(cat):
    assert len(cat.accelerators) >= 40
    assert len(cat.prices) >= 80
    models_17_25 = [m for m in cat.models.values() if 2017 <= m["publication_date"].year <= 2025]
    assert len(models_17_25) >= 60
    for preset in ("gpt2-124m", "gpt2-1.5b", "gpt3-175b", "chinchilla-70b", "llama-7b", "llama-65b", "llama2-7b", "llama2-13b",
                   "llama2-70b", "llama3-8b", "llama3-70b", "llama3.1-8b", "llama3.1-70b", "llama3.1-405b", "mistral-7b",
                   "mixtral-8x7b", "qwen2.5-0.5b", "qwen2.5-72b", "gemma2-9b", "deepseek-v3"):
        assert cat.architecture(preset)


def test_required_accelerators_present(cat):
    for name in ("k80", "p100", "v100", "a100-40gb", "a100-80gb", "h100", "h100-pcie", "h800", "h200", "b200", "gb200",
                 "mi250x", "mi300x", "mi325x", "tpu-v2", "tpu-v3", "tpu-v4", "tpu-v5e", "tpu-v5p", "tpu-v6e",
                 "trainium1", "trainium2", "gaudi2", "gaudi3"):
        assert cat.accelerator(name)


def test_accelerator_rows_plausible(cat):
    for a in cat.accelerators.values():
        assert a.source.strip()
        assert dt.date(2010, 1, 1) <= a.release_date <= dt.date.today() + dt.timedelta(days=3 * 365), a.name  # announced chips
        half = a.peak_flop_per_s("16-bit")
        assert half >= (a.peak_flop_per_s_fp32 or 0) * 0.99, a.name
        if a.peak_flop_per_s_fp8:
            assert a.peak_flop_per_s_fp8 >= half * 0.99, a.name
        assert 2**30 <= a.memory_bytes <= 2**40 and 1e10 < a.memory_bandwidth_bytes_per_s < 1e14, a.name
        assert a.memory_bytes % 2**30 == 0, a.name  # whole GiB: HBM and GDDR come in binary sizes


def test_dense_not_sparse_peaks(cat):
    """Data-sheet dense bf16 peaks: H100 SXM 989 TFLOP/s, A100 312, MI300X 1307 (vendor data sheets)."""
    assert cat.accelerator("h100").peak_flop_per_s("bf16") == pytest.approx(989e12, rel=0.01)
    assert cat.accelerator("a100").peak_flop_per_s("bf16") == pytest.approx(312e12, rel=0.01)
    assert cat.accelerator("mi300x").peak_flop_per_s("bf16") == pytest.approx(1307e12, rel=0.01)
    assert cat.accelerator("h100").peak_flop_per_s("fp8") == pytest.approx(1979e12, rel=0.01)


def test_price_rows(cat):
    kinds = {q.kind for q in cat.prices}
    assert {"on-demand", "spot"} <= kinds and ({"1-year", "3-year"} & kinds)
    for q in cat.prices:
        assert q.source.strip() and q.gpu in cat.accelerators
        assert dt.date(2015, 1, 1) <= q.date_observed <= dt.date.today()  # observed, so not in the future
        assert 0.01 < q.price_usd_per_gpu_hour < 100


def test_model_rows(cat):
    for m in cat.models.values():
        assert m["source"].strip()
        if m["preset"]:
            cat.architecture(m["preset"])
        if m["training_flop"] and m["params_active"] and m["training_tokens"] and m["domain"] == "language":
            ratio = m["training_flop"] / (6 * m["params_active"] * m["training_tokens"])
            assert 0.3 < ratio < 3.5, (m["name"], ratio)


def test_architecture_rows(cat):
    for a in cat.architectures.values():
        assert a.source.strip()
        assert count_params(a, active=True) <= count_params(a)


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


ACC_HEADER = ("name,aliases,vendor,generation,release_date,peak_tflop_per_s_fp32,peak_tflop_per_s_tf32,peak_tflop_per_s_bf16,"
              "peak_tflop_per_s_fp8,memory_gib,memory_bandwidth_gb_per_s,interconnect_gb_per_s,tdp_w,price_usd,source\n")


def test_user_catalog_adds_and_overrides(tmp_path, monkeypatch):
    p = _write(tmp_path, "mine.csv", ACC_HEADER +
               "my-chip,mychip,acme,hopper,2026-01-01,100,500,1000,2000,96,4000,900,700,20000,my lab's data sheet\n"
               "h100-sxm5,h100;h100-sxm,nvidia,hopper,2022-09-20,67,495,989,1979,80,3350,900,700,25000,negotiated price\n")
    cat = Catalog((p,))
    assert cat.accelerator("mychip").peak_flop_per_s("bf16") == 1000e12
    assert cat.accelerator("h100").price_usd == 25000
    est = estimate_training(params=7e9, tokens=1e12, gpu="my-chip", gpus=8, mfu=0.5, price_usd_per_gpu_hour=3, catalog=p)
    assert est.gpu == "my-chip"
    monkeypatch.setenv("COSTCURVE_CATALOG", p)
    assert load_catalog().accelerator("mychip").name == "my-chip"


@pytest.mark.parametrize("row,column", [
    ("bad-chip,,acme,x,2026-01-01,100,,-5,,96,4000,,700,,src\n", "peak_tflop_per_s_bf16"),
    ("bad-chip,,acme,x,2026-13-01,100,,500,,96,4000,,700,,src\n", "release_date"),
    ("bad-chip,,acme,x,2026-01-01,100,,500,,96,4000,,700,,\n", "source"),
    ("bad-chip,,acme,x,2026-01-01,abc,,500,,96,4000,,700,,src\n", "peak_tflop_per_s_fp32"),
])
def test_bad_user_row_names_file_row_and_column(tmp_path, row, column):
    p = _write(tmp_path, "bad.csv", ACC_HEADER + row)
    with pytest.raises(CatalogError) as e:
        Catalog((p,))
    assert e.value.row == 2 and e.value.column == column and "bad.csv" in str(e.value)


def test_unrecognised_user_file(tmp_path):
    p = _write(tmp_path, "x.csv", "foo,bar\n1,2\n")
    with pytest.raises(CatalogError):
        Catalog((p,))


def test_price_row_for_unknown_gpu(tmp_path):
    p = _write(tmp_path, "p.csv", "gpu,provider,date_observed,kind,price_usd_per_gpu_hour,instance,source\n"
                                  "nochip,aws,2024-01-01,on-demand,2.0,,quote\n")
    with pytest.raises(CatalogError) as e:
        Catalog((p,))
    assert e.value.column == "gpu"


# ---- accelerator memory is binary (GiB), checked against data sheets ---------------------------
# name -> GiB. HBM/GDDR come in binary sizes; data sheets write "GB" for GiB and some round or give
# the enabled part of the stacks: H100 NVL 94 of 96, H200 141 of 144, B200 180 of 192, TPU v5p 95 of 96.
DATASHEET_GIB = {
    "a100-sxm4-40gb": 40, "a100-sxm4-80gb": 80, "h100-sxm5": 80, "h100-pcie": 80, "h100-nvl": 94, "h200-sxm": 141,
    "gh200": 96, "b100": 192, "b200": 180, "gb200": 186, "mi250x": 128, "mi300x": 192, "mi325x": 256, "v100-sxm2-32gb": 32,
    "v100-sxm2-16gb": 16, "t4": 16, "l4": 24, "l40s": 48, "a10g": 24, "rtx-4090": 24, "tpu-v4": 32, "tpu-v5e": 16,
    "tpu-v5p": 95, "tpu-v6e": 32, "tpu-v7": 192, "trainium1": 32, "trainium2": 96, "gaudi2": 96, "gaudi3": 128, "k80": 12,
}


@pytest.mark.parametrize("name,gib", sorted(DATASHEET_GIB.items()))
def test_memory_is_gib(cat, name, gib):
    assert cat.accelerator(name).memory_bytes == gib * 2**30


def test_h100_holds_80_gib_not_80_gb(cat):
    assert cat.accelerator("h100").memory_bytes == pytest.approx(85.9e9, rel=1e-3)


def test_old_memory_gb_column_is_refused_with_the_reason(tmp_path):
    p = _write(tmp_path, "old.csv", ACC_HEADER.replace("memory_gib", "memory_gb") +
               "my-chip,,acme,x,2026-01-01,100,,500,,96,4000,,700,,src\n")
    with pytest.raises(CatalogError) as e:
        Catalog((p,))
    assert e.value.column == "memory_gb" and "memory_gib" in str(e.value) and "GiB" in str(e.value)


def test_llama3_70b_on_two_h100_serves_about_100_at_once():
    """2 × 80 GiB at 0.9 utilisation less 141 GB of bf16 weights leaves room for ~100 sequences of
    the default 1k+1k tokens at 320 KiB of KV cache per token (80 layers × 8 KV heads × 128 × 2 × 2 B);
    with memory read as 80e9 bytes the largest batch was 6."""
    from costcurve.serving.estimate import estimate_inference

    est = estimate_inference(model="llama3-70b", gpu="h100", gpus=2, price_usd_per_gpu_hour=3.0)
    assert est.memory_usable_bytes == pytest.approx(80 * 2**30 * 0.9, rel=1e-9)  # per accelerator
    assert 90 <= est.max_batch <= 115


# ---- peaks are stored under the format they are for --------------------------------------------
@pytest.mark.parametrize("name,fp16_tflops", [("v100", 125), ("v100-pcie", 112), ("t4", 65), ("p100", 18.7)])
def test_no_bf16_on_pre_ampere(cat, name, fp16_tflops):
    from costcurve.errors import CostcurveError

    acc = cat.accelerator(name)
    assert acc.peak_flop_per_s_bf16 is None and acc.half_dtype == "fp16"
    assert acc.peak_flop_per_s("fp16") == pytest.approx(fp16_tflops * 1e12)
    with pytest.raises(CostcurveError) as e:
        acc.peak_flop_per_s("bf16")
    assert e.value.field == "dtype" and "has no bf16; use `dtype` fp16" in str(e.value)  # the field; the CLI says --dtype


def test_k80_has_no_16_bit_arithmetic(cat):
    from costcurve.errors import CostcurveError

    k80 = cat.accelerator("k80")
    assert k80.half_dtype == "fp32" and k80.peak_flop_per_s("16-bit") == k80.peak_flop_per_s("fp32") == pytest.approx(4.37e12)
    with pytest.raises(CostcurveError, match="use `dtype` fp32"):
        k80.peak_flop_per_s("fp16")
    assert cat.accelerator("p4").half_dtype == "fp32"  # fp16 runs at 1/64 of its fp32 rate


def test_tpus_have_bf16_and_no_fp16(cat):
    from costcurve.errors import CostcurveError

    tpu = cat.accelerator("tpu-v4")
    assert tpu.half_dtype == "bf16" and tpu.peak_flop_per_s("bf16") == pytest.approx(275e12)
    with pytest.raises(CostcurveError, match="use `dtype` bf16"):
        tpu.peak_flop_per_s("fp16")


def test_training_refuses_bf16_on_v100():
    from costcurve.errors import CostcurveError

    with pytest.raises(CostcurveError) as e:
        estimate_training(params=7e9, tokens=1e12, gpu="v100", gpus=8, mfu=0.4, dtype="bf16", price_usd_per_gpu_hour=2)
    assert e.value.field == "dtype" and "fp16" in str(e.value)
    est = estimate_training(params=7e9, tokens=1e12, gpu="v100", gpus=8, mfu=0.4, dtype="fp16", price_usd_per_gpu_hour=2)
    assert est.peak_flop_per_s == pytest.approx(125e12)


def test_cli_says_use_fp16_on_v100(run_cli):
    r = run_cli("train", "--params", "7B", "--tokens", "1T", "--gpu", "v100", "--dtype", "bf16", "--mfu", "0.4")
    assert r.code == 2 and "use --dtype fp16" in r.err and len(r.err.strip().splitlines()) == 1


# ---- TDP and purchase prices: filled where published, "unknown" with the reason where not ------
@pytest.mark.parametrize("name,tdp_w,price_usd", [
    ("tpu-v4", 340, 5176),  # Epoch AI ML Hardware TDP estimate; Cottier et al. 2024 Table 3 price estimate
    ("tpu-v5p", 540, 3694), ("tpu-v6e", 380, 6518), ("tpu-v2", 280, 5054), ("tpu-v3", 450, 5276),
])
def test_tpu_power_and_price(cat, name, tdp_w, price_usd):
    acc = cat.accelerator(name)
    assert acc.tdp_w == tdp_w and acc.price_usd == price_usd and "Epoch AI" in acc.source


def test_every_missing_power_or_price_says_why(cat):
    for a in cat.accelerators.values():
        for col in ("tdp_w", "price_usd"):
            if getattr(a, col) is None:
                assert f"{col}:" in a.unknown, (a.name, col)
    assert "does not sell Trainium" in cat.accelerator("trainium1").unknown


# ---- caches are keyed on values ----------------------------------------------------------------
def test_edited_user_csv_is_seen(tmp_path):
    p = tmp_path / "mine.csv"
    row = "my-chip,,acme,hopper,2026-01-01,100,500,1000,2000,{gib},4000,900,700,20000,my data sheet\n"
    p.write_text(ACC_HEADER + row.format(gib=96))
    assert load_catalog(str(p)).accelerator("my-chip").memory_bytes == 96 * 2**30
    p.write_text(ACC_HEADER + row.format(gib=97))  # same size, same second: a path+mtime key could miss it
    assert load_catalog(str(p)).accelerator("my-chip").memory_bytes == 97 * 2**30
    assert load_catalog(str(p)) is load_catalog(str(p))  # unchanged content: the cached catalog


def test_prices_come_from_the_catalog_given(tmp_path):
    from costcurve.prices import choose_price

    day = dt.date(2026, 6, 1)
    rows = "".join(f"h100,p{i},2026-05-01,on-demand,vm,{price},,quote {i}\n" for i, price in enumerate((50, 51, 52)))
    p = _write(tmp_path, "p.csv", "gpu,provider,date_observed,kind,offer,price_usd_per_gpu_hour,instance,source\n" + rows)
    bundled = choose_price(load_catalog(), "h100-sxm5", day).price_usd_per_gpu_hour
    for _ in range(3):  # fresh catalogs, freed in between: no id()-keyed answer may leak across
        assert choose_price(Catalog((p,)), "h100-sxm5", day).price_usd_per_gpu_hour > bundled
        assert choose_price(Catalog(()), "h100-sxm5", day).price_usd_per_gpu_hour == bundled


# ---- hostile catalog text ----------------------------------------------------------------------
def test_terminal_escapes_in_a_catalog_are_refused(tmp_path, run_cli):
    from costcurve.errors import FileInputError

    p = _write(tmp_path, "evil.csv", ACC_HEADER + "evil,,acme,x,2026-01-01,100,,500,,96,4000,,700,,\x1b]0;owned\x07\n")
    with pytest.raises(FileInputError) as e:
        Catalog((p,))
    assert e.value.field == "catalog" and "control character" in str(e.value)
    r = run_cli("catalog", "gpus", "--catalog", p)
    assert r.code == 2 and "\x1b" not in r.err + r.out and len(r.err.strip().splitlines()) == 1


def test_one_data_version():
    from pathlib import Path

    from costcurve import catalog, prices

    assert all(name.endswith(f"_{catalog.DATA_VERSION}.csv") for name in catalog.DATA_FILES.values())
    root = Path(__file__).resolve().parents[2]
    for f in (Path(catalog.__file__), Path(prices.__file__), root / "tools" / "build_prices.py"):
        text = f.read_text(encoding="utf-8")
        assert text.count(catalog.DATA_VERSION) == (1 if f.name == "catalog.py" else 0), f


# ---- the schema machinery is reusable for other tables -----------------------------------------
def test_bundled_table_validates_any_bundled_csv():
    from costcurve.catalog import Col, bundled_table, int_col, number_col

    cols = (Col("id", "str", True), Col("claim", "str", True), number_col("seed_value", 0, 1e15, required=True),
            Col("unit", "str", True), Col("year", "str", True), Col("source", "str", True))  # year may be "2020-2022"
    rows = bundled_table("claims", cols, key="id")
    assert len(rows) >= 5 and all(r["source"] for r in rows) and isinstance(rows[0]["seed_value"], float)
    with pytest.raises(CatalogError) as e:  # the same file against a stricter schema: row and column named
        bundled_table("claims", cols[:4] + (int_col("year", 2000, 2035, required=True), cols[5]), key="id")
    assert e.value.column == "year" and "claims_" in str(e.value)


def test_validate_table_names_file_row_and_column(tmp_path):
    from costcurve.catalog import Col, number_col, validate_table

    cols = (Col("name", "str", True), number_col("value", 0, 10, required=True))
    p = _write(tmp_path, "mine.csv", "name,value\na,1\nb,11\n")
    with pytest.raises(CatalogError) as e:
        validate_table(cols, p, field="csv")
    assert e.value.row == 3 and e.value.column == "value" and "0..10" in str(e.value)
    p2 = _write(tmp_path, "multi.csv", 'name,value\n"two\nlines",1\n')
    with pytest.raises(CatalogError, match="line break"):
        validate_table(cols, p2, field="csv")


@pytest.mark.parametrize("gpu,dtype", [("v100", "fp16"), ("t4", "fp16"), ("k80", "fp32"), ("h100", "bf16"), ("tpu-v4", "bf16")])
def test_training_defaults_to_the_chips_own_16_bit_format(gpu, dtype):
    est = estimate_training(params=7e9, tokens=1e12, gpu=gpu, gpus=8, mfu=0.4, price_usd_per_gpu_hour=2)
    assert est.dtype == dtype


def test_derived_many_is_bounded_and_keeps_each_value_once():
    """Caches of values made from many inputs (prices by date, shapes by size, names) stay bounded per catalog:
    a value is made once per key, and past ``maxsize`` the oldest key is made again when asked."""
    from costcurve.catalog import load_catalog

    cat = load_catalog()
    made = []

    def make(k):
        made.append(k)
        return k * 2

    assert [cat.derived_many("test table", k, make, k, maxsize=3) for k in (1, 2, 1, 3)] == [2, 4, 2, 6]
    assert made == [1, 2, 3]
    cat.derived_many("test table", 4, make, 4, maxsize=3)  # drops 1, the oldest
    assert len(cat._derived["test table"]) == 3 and 1 not in cat._derived["test table"]
    cat.derived_many("test table", 1, make, 1, maxsize=3)
    assert made == [1, 2, 3, 4, 1]
    del cat._derived["test table"]
