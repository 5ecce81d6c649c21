"""Trend commands: every bad input is refused in one line (exit 2), and the library holds the same contract."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from costcurve.errors import CostcurveError, FileInputError, InputError
from costcurve.trends.bundled import SERIES, series_listing
from costcurve.trends.fit import fit_exponential, fit_series_wright
from costcurve.trends.forecast import backtest, backtest_all, forecast, forecast_range
from costcurve.trends.series import Point, Series
from costcurve.trends.sources import load_series, read_csv_series


def _one_line_refusal(r, option):
    assert r.code == 2, (r.code, r.err)
    lines = [x for x in r.err.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), r.err
    assert option in lines[0], r.err
    assert "Traceback" not in r.err + r.out


# ---- backtests count each forecast once -------------------------------------------------------------
def _gappy() -> Series:
    """Points in 2010-2013, none in 2014-2016, then 2017-2019: cut-offs 2014..2017 add no data."""
    years = [2010, 2011, 2012, 2013, 2017, 2018, 2019]
    return Series("gappy", "gappy", "USD", tuple(Point(dt.date(y, 1, 1), 1e6 * 0.6 ** (y - 2010)) for y in years))


@pytest.mark.parametrize("method", ["ols", "rwd"])
def test_backtest_counts_a_forecast_once_when_a_cutoff_adds_no_data(method):
    r = backtest(_gappy(), method=method, points="all")
    keys = [(row["year"], row["horizon_years"]) for row in r.rows]
    assert len(keys) == len(set(keys))
    # distinct training sets: 2010-2012 (rwd needs 3 dates: from cut-off 2013), 2010-2013, +2017, +2018
    first = 2013 if method == "rwd" else 2013
    expected_cutoffs = [c for c in (2013.0, 2014.0, 2018.0, 2019.0) if c >= first]
    assert list(r.cutoffs) == expected_cutoffs
    assert r.n_forecasts == 4 + 3 + 2 + 1


def test_backtest_all_takes_series_window_and_methods():
    res = backtest_all([_gappy()], methods=("ols",), points="all", since=2011)
    assert len(res) == 1 and res[0].series == "gappy" and res[0].n_forecasts > 0
    with pytest.raises(InputError) as e:
        backtest_all([_gappy()], methods=("bogus",))
    assert e.value.field == "method"


# ---- forecasts stay within the years the data can speak for -----------------------------------------
def test_forecast_far_beyond_the_data_is_refused_with_the_range():
    fit = fit_exponential([2020, 2021, 2022, 2023], [100, 50, 26, 12])
    first, last = forecast_range(fit)
    assert first == pytest.approx(2020) and last == pytest.approx(2033)  # max(10 years, 3-year span)
    assert forecast(fit, 2033).median > 0
    with pytest.raises(InputError) as e:
        forecast(fit, 2200)
    assert e.value.field == "year" and "2020..2033" in str(e.value)


def test_cli_forecast_2200_refused(run_cli):
    r = run_cli("forecast", "gpt3-level", "--year", "2200")
    _one_line_refusal(r, "--year")
    assert "allowed for this series" in r.err


# ---- CLI: bad values and bad plot paths ---------------------------------------------------------------
def test_when_below_empty_is_refused(run_cli):
    _one_line_refusal(run_cli("when", "gpt3-level", "--below", ""), "--below")
    _one_line_refusal(run_cli("when", "gpu-price-performance", "--above", " "), "--above")


def test_wright_with_plot_is_refused_and_writes_nothing(run_cli, tmp_path):
    csv_path = tmp_path / "w.csv"
    csv_path.write_text("date,value,cumulative\n2010,100,10\n2012,80,20\n2014,64,40\n2016,51.2,80\n")
    out = tmp_path / "w.png"
    _one_line_refusal(run_cli("trend", "--csv", str(csv_path), "--wright", "--plot", str(out)), "--plot")
    assert not out.exists()
    r = run_cli("trend", "--csv", str(csv_path), "--wright", "--production-growth", "0.5", "--json")
    assert r.code == 0
    d = r.json()
    assert d["learning_rate"] == pytest.approx(0.2, rel=1e-6)  # 20% cheaper per doubling, by construction
    assert d["annual_decline"] == pytest.approx(1 - 1.5 ** -d["exponent"])


@pytest.mark.parametrize("cmd", [("trend", "gpt3-level"), ("forecast", "gpt3-level", "--year", "2030"),
                                 ("when", "gpt3-level", "--below", "30"), ("backtest", "gpt3-level"),
                                 ("series", "gpt3-level")])
@pytest.mark.parametrize("bad", ["out.txt", "nodir/x.png"])
def test_bad_plot_paths_refused(run_cli, tmp_path, cmd, bad):
    _one_line_refusal(run_cli(*cmd, "--plot", str(tmp_path / bad)), "--plot")


# ---- hostile files on --csv and --source ------------------------------------------------------------
def _hostile(tmp_path):
    files = {
        "latin1.csv": "date,value\n2020,1\n2021,caf\u00e9\n".encode("latin-1"),
        "utf16.csv": "date,value\n2020,1\n2021,2\n".encode("utf-16"),
        "binary.csv": bytes(range(256)) * 4,
        "hugefield.csv": b"date,value\n2020," + b"9" * 200_000 + b"\n",
        "quote.csv": b'date,value\n2020,"' + b"x" * 200_000 + b"\n",
        "empty.csv": b"",
    }
    out = {}
    for n, b in files.items():
        (tmp_path / n).write_bytes(b)
        out[n] = tmp_path / n
    (tmp_path / "dir.csv").mkdir()
    out["dir.csv"] = tmp_path / "dir.csv"
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "fifo.csv")
        out["fifo.csv"] = tmp_path / "fifo.csv"
    out["missing.csv"] = tmp_path / "missing.csv"
    return out


def test_hostile_files_on_csv_and_source_are_refused(run_cli, tmp_path):
    for name, path in _hostile(tmp_path).items():
        for opt, val in (("--csv", str(path)), ("--source", f"epoch:{path}"), ("--source", f"csv:{path}")):
            r = run_cli("trend", opt, val)
            _one_line_refusal(r, opt)
            with pytest.raises(CostcurveError):
                load_series(csv=str(path)) if opt == "--csv" else load_series(source=val)


def test_dev_zero_is_not_read_forever():
    with pytest.raises(FileInputError, match="give a regular file") as e:
        read_csv_series("/dev/zero")
    assert e.value.field == "csv"
    with pytest.raises(FileInputError) as e:
        load_series(source="epoch:/dev/zero")
    assert e.value.field == "source"


def test_bom_file_is_read(tmp_path):
    p = tmp_path / "bom.csv"
    p.write_bytes("\ufeffdate,value\n2020,4\n2022,1\n".encode())
    s = read_csv_series(p)
    assert list(s.values) == [4.0, 1.0]


# ---- library: the logic behind the commands -----------------------------------------------------------
def test_series_listing_names_every_series_and_its_source():
    listing = series_listing()
    assert [x["name"] for x in listing] == list(SERIES)
    assert all(x["source"] and x["n_points"] > 0 and x["unit"] for x in listing)


def test_wright_needs_cumulative_and_a_valid_growth(tmp_path):
    s = Series("s", "s", "USD", (Point(dt.date(2020, 1, 1), 2.0), Point(dt.date(2021, 1, 1), 1.0)))
    with pytest.raises(InputError) as e:
        fit_series_wright(s)
    assert e.value.field == "csv"
    p = tmp_path / "w.csv"
    p.write_text("date,value,cumulative\n2010,100,10\n2012,80,20\n2014,64,40\n")
    with pytest.raises(InputError) as e:
        fit_series_wright(read_csv_series(p), production_growth=-2)
    assert e.value.field == "production_growth"


def test_load_series_needs_exactly_one_source():
    with pytest.raises(InputError) as e:
        load_series()
    assert e.value.field == "series"
    with pytest.raises(InputError):
        load_series("gpt3-level", csv="x.csv")


def test_control_characters_in_cells_are_kept_as_visible_escapes(tmp_path):
    # Epoch AI's Notable AI Models export has a 0x14 in one cell; ESC would start a terminal sequence
    p = tmp_path / "ctl.csv"
    p.write_bytes(b"date,value,label\n2020,4,a\x14b\n2022,1,\x1b[31mred\n")
    s = read_csv_series(p)
    assert s.labels == ["a\\x14b", "\\x1b[31mred"]


@pytest.mark.parametrize("row, column", [
    ("gpt2-level,2024-01-01,x,,,,abc,,src", "cost_usd_reported"),
    ("gpt2-level,2024-01-01,x,h100-sxm5,-8,1,,,src", "hardware_count"),
    ("gpt2-level,2024-01-01,x,h100-sxm5,8,inf,,,src", "hours"),
    ("gpt2-level,2024-01-01,x,,,,5,,", "source"),
])
def test_bundled_series_points_are_validated(row, column):
    from costcurve.errors import CatalogError
    from costcurve.trends.bundled import POINT_COLUMNS, parse_points

    with pytest.raises(CatalogError) as e:
        parse_points(",".join(POINT_COLUMNS) + "\n" + row + "\n")
    assert e.value.column == column and e.value.row == 2


@pytest.mark.parametrize("rows, column", [
    ("a,claim,x,USD,2020,src", "seed_value"),
    ("a,claim,nan,USD,2020,src", "seed_value"),
    ("a,claim,1,USD,2020,", "source"),
    ("a,claim,1,USD,2020,src\na,again,2,USD,2020,src", "id"),
])
def test_bundled_claims_are_validated(rows, column):
    from costcurve.errors import CatalogError
    from costcurve.trends.claims import claim_texts, parse_claims

    with pytest.raises(CatalogError) as e:
        parse_claims("id,claim,seed_value,unit,year,source\n" + rows + "\n")
    assert e.value.column == column
    assert all(v["seed_value"] > 0 for v in claim_texts().values())


# ---- each number is read as its kind of quantity ----------------------------------------------------
def test_when_below_reads_dollars_for_a_cost_series(run_cli):
    plain, dollar = run_cli("when", "gpt3-level", "--below", "30", "--json"), run_cli("when", "gpt3-level", "--below", "$30", "--json")
    assert plain.code == dollar.code == 0
    assert plain.json()["value"] == dollar.json()["value"] == 30.0
    _one_line_refusal(run_cli("when", "gpt3-level", "--below", "30K"), "--below")  # a count suffix on dollars
    _one_line_refusal(run_cli("when", "gpt3-level", "--below", "2,50"), "--below")  # a decimal comma


def test_when_above_reads_a_count_for_a_flop_series(run_cli):
    r = run_cli("when", "gpu-price-performance", "--above", "1T", "--json")
    assert r.code == 0, r.err
    assert r.json()["value"] == 1e12


@pytest.mark.parametrize("year", ["2030K", "2,030.5x", "nan", "", "20 30"])
def test_forecast_year_is_a_plain_number(run_cli, year):
    _one_line_refusal(run_cli("forecast", "gpt3-level", "--year", year), "--year")


def test_forecast_year_library_types():
    fit = fit_exponential([2010.0, 2012.0, 2014.0, 2016.0], [100.0, 50.0, 25.0, 12.0])
    assert forecast(fit, "2018").year == forecast(fit, 2018).year == 2018.0
    for bad in ("2018K", True, None, [2018]):
        with pytest.raises(InputError) as e:
            forecast(fit, bad)
        assert e.value.field == "year"


def test_when_table_says_plainly_when_no_crossing_is_in_the_interval(run_cli):
    """The table reads the same as the JSON: no crossing in the interval is said once, not "not by X to not by X";
    a crossing whose interval is open at one end reads "YYYY to after X"."""
    js = run_cli("when", "gpt3-level", "--below", "30", "--json").json()
    text = run_cli("when", "gpt3-level", "--below", "30").out
    assert js["interval"] == [None, None]
    assert "to not by" not in text and "of the draws cross by then" in text and "record points" in text
    js = run_cli("when", "gpt3-level", "--below", "3000", "--json").json()
    text = " ".join(run_cli("when", "gpt3-level", "--below", "3000").out.split())
    lo, hi = js["interval"]
    assert lo is not None and f"{lo:.1f} to " in text and ("to after" in text) == (hi is None)
