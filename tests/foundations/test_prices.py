"""The default cloud price: enough distinct quotes from enough providers, no serverless, sources tagged."""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from costcurve import load_catalog
from costcurve.catalog import OFFERS, Catalog
from costcurve.errors import InputError
from costcurve.prices import MIN_PROVIDERS, MIN_QUOTES, choose_price, price_spread_log, resolve_price

ROOT = Path(__file__).resolve().parents[2]
DAY = dt.date(2026, 12, 3)
HEADER = "gpu,provider,date_observed,kind,offer,price_usd_per_gpu_hour,instance,source\n"


def _prices(tmp_path, rows):
    p = tmp_path / "prices.csv"
    p.write_text(HEADER + "".join(",".join(map(str, r)) + ",src\n" for r in rows))
    return Catalog((str(p),))


@pytest.fixture(scope="module")
def cat():
    return load_catalog()


def test_a100_default_rests_on_many_vm_quotes(cat):
    """Before: one Modal (serverless) quote of $2.50/h. Now the median of >= 3 VM/bare-metal quotes."""
    c = choose_price(cat, "a100-sxm4-80gb", DAY)
    assert c.meets_rule and c.n_quotes >= MIN_QUOTES and c.n_providers >= MIN_PROVIDERS
    assert "modal" not in c.providers and all(q.offer in ("vm", "bare_metal") for q in c.quotes)
    assert 1.0 < c.price_usd_per_gpu_hour < 6.0
    assert f"{c.n_quotes} quote(s) from {c.n_providers} provider(s)" in c.describe()


def test_bundled_quotes_carry_their_offer(cat):
    assert {q.offer for q in cat.prices} <= set(OFFERS)
    by_instance = {(q.provider, q.instance): q.offer for q in cat.prices}
    assert by_instance[("modal", "serverless A100 80GB")] == "serverless"
    assert by_instance[("oracle", "BM.GPU.H100.8")] == "bare_metal"
    assert by_instance[("aws", "g4dn.16xlarge")] == "large_host"  # 1 T4 with 64 vCPUs
    assert by_instance[("aws", "p5.48xlarge")] == "vm"


def test_repeats_of_one_price_count_once(tmp_path):
    cat = _prices(tmp_path, [("h20", "a", f"2026-0{m}-01", "on-demand", "vm", 2.0, f"{n}x") for m in (1, 2, 3) for n in (1, 8)]
                  + [("h20", "b", "2026-04-01", "on-demand", "vm", 3.0, ""), ("h20", "c", "2026-04-01", "on-demand", "vm", 4.0, "")])
    c = choose_price(cat, "h20", DAY)
    assert c.n_quotes == 3 and c.price_usd_per_gpu_hour == 3.0  # six rows at $2 count once


def test_window_widens_until_three_quotes_from_two_providers(tmp_path):
    cat = _prices(tmp_path, [("h20", "a", "2026-10-01", "on-demand", "vm", 2.0, ""),
                             ("h20", "a", "2025-06-01", "on-demand", "vm", 2.5, ""),
                             ("h20", "b", "2024-06-01", "on-demand", "vm", 9.0, "")])
    c = choose_price(cat, "h20", DAY)
    assert c.window_days == 3 * 365 and c.n_quotes == 3 and c.price_usd_per_gpu_hour == 2.5 and c.meets_rule
    only_a = choose_price(cat, "h20", DAY, provider="a")  # one provider asked for: one provider suffices
    assert only_a.n_providers == 1 and not only_a.meets_rule  # only 2 distinct quotes from it in all


def test_serverless_only_means_no_default(tmp_path):
    cat = _prices(tmp_path, [("h20", p, "2026-10-01", "on-demand", "serverless", 2.0 + i, "") for i, p in enumerate("abc")])
    assert choose_price(cat, "h20", DAY) is None
    price, why = resolve_price(cat, "h20", DAY)
    assert math.isnan(price) and "`price_usd_per_gpu_hour`" in why  # the library names the field


@pytest.mark.parametrize("gpu", ["gaudi3", "h20", "b100", "mi325x", "tpu-v7"])
def test_unknown_price_says_how_to_give_one(cat, gpu):
    name = cat.accelerator(gpu).name
    price, why = resolve_price(cat, name, DAY)
    assert math.isnan(price) and f"no on-demand price is known for {name}" in why and "`price_usd_per_gpu_hour` [USD/h]" in why


@pytest.mark.parametrize("gpu", ["gaudi3", "tpu-v7"])
def test_cli_train_without_a_known_price(run_cli, gpu):
    r = run_cli("train", "--params", "7B", "--tokens", "1T", "--gpu", gpu, "--gpus", "8", "--mfu", "0.4")
    assert r.code == 0 and "nan" not in r.out.lower() and "no on-demand price is known" in " ".join(r.out.split())


def test_cli_train_prints_quote_count(run_cli):
    r = run_cli("train", "--params", "7B", "--tokens", "1T", "--gpu", "a100", "--gpus", "8", "--mfu", "0.4", "--date", "2026-12-03")
    # the table folds the source to its rule and counts ("12 quotes from 10 providers …"; --verbose: all of it)
    assert r.code == 0 and re.search(r"\d+ quote(?:s|\(s\)) from \d+ provider", " ".join(r.out.split()))


def test_date_a_decade_before_the_chip_is_refused(cat):
    with pytest.raises(InputError) as e:
        choose_price(cat, "h100-sxm5", dt.date(1900, 1, 1))
    assert e.value.field == "date" and "2012-09-20" in str(e.value)
    early = choose_price(cat, "h100-sxm5", dt.date(2022, 1, 1))  # before release: answered, and said
    assert "before h100-sxm5 was released" in early.describe()


def test_spread_uses_the_distinct_quotes(cat):
    sd = price_spread_log(cat, "a100-sxm4-80gb", DAY)
    assert sd is not None and 0.05 < sd < 1.5


def _reference():
    for base in (os.environ.get("COSTCURVE_SHARED"), ROOT.parent / "shared", "/work/shared"):
        if base and (Path(base) / "reference-data").is_dir():
            return Path(base) / "reference-data"
    pytest.skip("reference data not present")


def test_price_table_rebuilds_byte_for_byte(tmp_path):
    out = tmp_path / "prices.csv"
    subprocess.run([sys.executable, str(ROOT / "tools" / "build_prices.py"), "--ref", str(_reference()), "--out", str(out)],
                   check=True, capture_output=True, timeout=300)
    from costcurve.catalog import DATA_FILES

    assert out.read_bytes() == (ROOT / "src" / "costcurve" / "data" / DATA_FILES["prices"]).read_bytes()


def test_price_choices_are_owned_by_their_catalog(tmp_path):
    cat = _prices(tmp_path, [("h20", p, "2026-10-01", "on-demand", "vm", 2.0 + i, "") for i, p in enumerate("abc")])
    first = choose_price(cat, "h20", DAY)
    assert choose_price(cat, "h20", DAY) is first and choose_price(Catalog(()), "h20", DAY) is None


def test_quote_date_range_matches_the_quotes():
    """Catalog.quote_date_range (computed once) is the min/max date of Catalog.quotes, for every key asked."""
    from costcurve import load_catalog

    cat = load_catalog()
    for gpu in ("h100-sxm5", "a100-sxm4-80gb", "t4", "gaudi3"):
        for kind in ("on-demand", "spot", None):
            for provider in (None, "aws", "lambda"):
                qs = cat.quotes(gpu, provider=provider, kind=kind)
                want = (min(q.date_observed for q in qs), max(q.date_observed for q in qs)) if qs else None
                assert cat.quote_date_range(gpu, provider=provider, kind=kind) == want
                assert cat.quote_date_range(gpu, provider=provider, kind=kind) == want  # cached answer


def test_price_source_carries_its_figures():
    """The source of a catalog price is its describe() text (JSON writes that text) carrying the figures a
    table shows, so the CLI shortens it without reading the text back."""
    import json
    import pickle

    from costcurve import estimate_training
    from costcurve.cli.common import price_source

    cat = load_catalog()
    choice = choose_price(cat, "h100-sxm5", dt.date(2024, 6, 1))
    _, source = resolve_price(cat, "h100-sxm5", dt.date(2024, 6, 1))
    assert source == choice.describe() and source.method == "median on-demand price"
    assert (source.n_quotes, source.n_providers, source.meets_rule) == (choice.n_quotes, choice.n_providers, True)
    again = pickle.loads(pickle.dumps(source))
    assert again == source and again.n_quotes == source.n_quotes
    est = estimate_training(params=7e9, tokens=2e12, gpus=1024, date="2024-06-01")
    assert type(est.to_dict()["price_source"]) is str
    assert json.loads(json.dumps(est.to_dict()))["price_source"] == choice.describe()
    assert price_source(source).startswith(f"median on-demand price, {choice.n_quotes} quotes from "
                                           f"{choice.n_providers} providers")
    assert price_source(choice.describe()) == choice.describe()  # plain text (no figures) is shown as given
    assert price_source("given") == "given"


def test_price_source_survives_a_process_boundary():
    """The web runs searches in worker processes: a PriceSource pickles with its figures (and an estimate with it)."""
    import pickle

    from costcurve import estimate_training

    est = estimate_training(params=7e9, tokens=2e12, gpu="h100", gpus=1024, date="2024-06-01")
    back = pickle.loads(pickle.dumps(est))
    src, got = est.price_source, back.price_source
    assert got == src and type(got) is type(src)
    assert (got.method, got.n_quotes, got.n_providers, got.meets_rule) == (src.method, src.n_quotes, src.n_providers,
                                                                            src.meets_rule)
