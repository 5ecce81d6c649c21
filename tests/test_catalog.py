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
        assert a.peak_flop_per_s_bf16 >= (a.peak_flop_per_s_fp32 or 0) * 0.99, a.name
        if a.peak_flop_per_s_fp8:
            assert a.peak_flop_per_s_fp8 >= a.peak_flop_per_s_bf16 * 0.99, a.name
        assert 1e9 <= a.memory_bytes <= 1e12 and 1e10 < a.memory_bandwidth_bytes_per_s < 1e14, a.name


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
              "peak_tflop_per_s_fp8,memory_gb,memory_bandwidth_gb_per_s,interconnect_gb_per_s,tdp_w,price_usd,source\n")


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
