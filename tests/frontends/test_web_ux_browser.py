"""The page as a person meets it, in a real headless Chromium (Playwright + Debian's chromium): the first
screen shows a computed example and no error or failed request; at 390 px nothing overflows and the
result is in view after compute; a chart shows a value on hover; CSV downloads equal the JSON; the
report's PDF breaks no word in its options table. Plus two plain checks of the terminal tables.

Screenshots of each page at 390, 768 and 1280 px go to the test's tmp folder (COSTCURVE_SCREENSHOTS=DIR
keeps them). Skipped when playwright, the web extra or /usr/bin/chromium are missing.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from costcurve.cli.layout import fit

DATE = "2025-06-01"


# ---- plain checks: the terminal --------------------------------------------------------------------
def _render(columns, rows, width):
    from rich.console import Console

    import costcurve.cli.common as common

    buf = io.StringIO()
    con = Console(file=buf, width=width, soft_wrap=False)
    orig = common.console
    common.console = lambda: con
    try:
        common.table("t", columns, rows)
    finally:
        common.console = orig
    return buf.getvalue()


def test_80_column_tables_split_no_word():
    cols = ["replicas × accelerators", "weights/KV", "batch cap", "$/day", "$/M output", "$/B queries", "util.",
            "TTFT p95 [ms]", "TPOT p95 [ms]"]
    rows = [["6 × 1 b200", "fp8/fp8", "2048", "$830.16", "$0.02", "$8.3K", "94%", "6", "3.0"]]
    out = _render(cols, rows, 80)
    assert max(len(x) for x in out.splitlines()) <= 80
    layout = fit(cols, rows, 80)  # headers may be abbreviated ("accel."), never cut
    words = {w for c in list(layout.headers) + rows[0] for w in c.split()}
    text = re.sub(r"[│┃┏┓┗┛━─┡┩╇┳┻┼└┘┴┬┌┐╋]", " ", out)
    printed = set(text.split()) - {"t"}
    assert printed == words, (printed ^ words, out)  # every word printed whole, no fragment
    layout = fit(["forecasts", "x"], [["a b", "c"]], 6)
    assert layout.stacked  # too narrow even for its words: records instead of split words


def test_a_wide_table_stacks_as_records():
    cols = ["series", "method", "description"]
    rows = [["gpu-cloud-price-performance", "ols", "peak FLOP per rental dollar of cloud accelerators " * 2]]
    out = _render(cols, rows, 40)
    assert "series: gpu-cloud-price-performance" in out.replace("      ", "")
    assert max(len(x) for x in out.splitlines()) <= 80


# ---- the browser --------------------------------------------------------------------------------------
pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
pytest.importorskip("playwright.sync_api")
from browser_fixtures import CHROMIUM, browser, server  # noqa: F401  (fixtures)
HAVE_CHROMIUM = Path(CHROMIUM).exists()
needs_browser = pytest.mark.skipif(not HAVE_CHROMIUM, reason=f"no chromium at {CHROMIUM}")
WIDTHS = {"phone": (390, 844), "tablet": (768, 1024), "desktop": (1280, 900)}




def shots_dir(tmp_path) -> Path:
    folder = Path(os.environ.get("COSTCURVE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_page(browser, server, path, width="desktop"):
    w, h = WIDTHS[width]
    pg = browser.new_page(viewport={"width": w, "height": h}, accept_downloads=True)
    log = {"failed": [], "errors": [], "outside": []}
    pg.on("response", lambda r: log["failed"].append(f"{r.status} {r.url}") if r.status >= 400 else None)
    pg.on("console", lambda m: log["errors"].append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: log["errors"].append(str(e)))
    pg.on("request", lambda r: log["outside"].append(r.url) if not r.url.startswith((server, "data:", "blob:")) else None)
    pg.goto(server + path)
    return pg, log


def _every_form() -> list[str]:
    """The address of every form: the pages' first forms, then each other command with a page."""
    from costcurve.commands import get, names

    paths = ["/training", "/serving", "/decisions", "/trends", "/claims"]
    for name in names():
        page = get(name).page
        if page and name not in ("train", "infer", "budget", "trend", "claims"):
            paths.append(f"/{page}?kind={name}")
    return paths


@needs_browser
@pytest.mark.parametrize("path", _every_form())
def test_first_screen_shows_a_computed_example_at_every_width(server, browser, tmp_path, path):
    for width in WIDTHS:
        pg, log = open_page(browser, server, path, width)
        pg.wait_for_selector("#output .answer", timeout=60_000)
        pg.wait_for_load_state("networkidle")  # the charts and the accelerator comparison have drawn
        assert pg.inner_text("h1").strip()
        helps = pg.eval_on_selector_all("#form .help", "hs => hs.map(h => h.textContent)")
        assert not [h for h in helps if re.search(r"costcurve [a-z]|(^|[\s(])--[a-z]", h)], helps  # of the page
        assert pg.query_selector(".field.invalid") is None and pg.inner_text("#form-error") == ""
        assert log["failed"] == [] and log["errors"] == [] and log["outside"] == [], log
        overflow = pg.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, (path, width, overflow)
        # the answer is on the first screen on every width
        top = pg.evaluate("document.querySelector('#output .answer').getBoundingClientRect().top")
        assert top < WIDTHS[width][1], (path, width, top)
        name = re.sub(r"\W+", "-", path.strip("/")) or "home"
        pg.screenshot(path=str(shots_dir(tmp_path) / f"{name}-{width}.png"))
        pg.close()


@needs_browser
def test_labels_pickers_and_all_errors_at_once(server, browser, tmp_path):
    pg, _ = open_page(browser, server, "/training")
    pg.wait_for_selector("#output .answer", timeout=60_000)
    assert pg.inner_text('label[for="in-gpus"] .name').startswith("Accelerators")
    assert pg.inner_text('label[for="in-gpus"] .flag') == "--gpus"
    assert pg.inner_text('label[for="in-tokens"] .name').startswith("Training tokens")
    assert "costcurve catalog" not in pg.inner_text("#form")
    options = pg.eval_on_selector_all("#dl-gpu option", "os => os.map(o => o.value)")
    assert "h100-sxm5" in options and "mi300x" in options
    assert "llama3-70b" in pg.eval_on_selector_all("#dl-model option", "os => os.map(o => o.value)")
    pg.fill("#in-gpus", "-5")
    pg.fill("#in-mfu", "7")
    pg.click("#compute")
    pg.wait_for_selector("#field-mfu.invalid", timeout=30_000)
    pg.wait_for_selector("#field-gpus.invalid", timeout=30_000)
    for f in ("gpus", "mfu"):
        assert pg.get_attribute(f"#in-{f}", "aria-invalid") == "true"
        assert f"err-{f}" in pg.get_attribute(f"#in-{f}", "aria-describedby")
        assert pg.inner_text(f"#err-{f}")
    first = pg.evaluate("document.activeElement.id")
    assert first in ("in-gpus", "in-mfu")
    pg.screenshot(path=str(shots_dir(tmp_path) / "errors-desktop.png"))
    pg.close()


@needs_browser
def test_phone_result_in_view_after_compute(server, browser, tmp_path):
    pg, _ = open_page(browser, server, "/serving", "phone")
    pg.wait_for_selector("#output .answer", timeout=60_000)
    pg.click("#toggle-form")
    pg.fill("#in-queries_per_day", "20M")
    pg.click("#compute")
    pg.wait_for_function("(() => { const a = document.querySelector('#share-link'); return a &&"
                         " a.href.includes('queries_per_day=20M') && !document.querySelector('#result.busy'); })()",
                         timeout=60_000)
    box = pg.evaluate("(() => { const r = document.querySelector('#output .answer').getBoundingClientRect();"
                      " return [r.top, r.bottom]; })()")
    assert 0 <= box[0] < 844 and box[1] > 0, box
    assert pg.evaluate("document.documentElement.scrollWidth") <= 390
    pg.screenshot(path=str(shots_dir(tmp_path) / "serving-after-compute-phone.png"))
    pg.close()


def _csv(download) -> list[list[str]]:
    return list(csv.reader(Path(download.path()).read_text(encoding="utf-8").splitlines()))


@needs_browser
def test_chart_hover_and_csv_equal_the_json(server, browser, run_cli, tmp_path):
    pg, _ = open_page(browser, server, f"/training?model=llama3-8b&tokens=1T&gpus=64&date={DATE}")
    pg.wait_for_selector("#output .answer", timeout=60_000)
    cli = run_cli("train", "--model", "llama3-8b", "--tokens", "1T", "--gpus", "64", "--date", DATE, "--json").json()
    # the whole result as CSV: every figure equals the JSON
    with pg.expect_download() as dl:
        pg.click("a.result-csv")
    rows = {k: v for k, v in _csv(dl.value)[1:]}
    for key in ("cost_cloud_usd", "cost_amortized_usd", "wall_clock_s", "gpu_hours", "training_flop"):
        assert float(rows[key]) == pytest.approx(cli[key], rel=1e-12), key
    # the "Dollars by method" chart: its series as CSV equal the JSON, and hover shows a value with its unit
    box = pg.locator(".iplot", has=pg.locator(".plot[aria-label='Dollars by method']"))
    with pg.expect_download() as dl:
        box.locator("a.chart-csv").click()
    table = _csv(dl.value)
    assert table[0][:4] == ["series", "label", "x", "value"]
    values = {r[1]: float(r[3]) for r in table[1:]}
    assert values["cloud rental"] == pytest.approx(cli["cost_cloud_usd"], rel=1e-12)
    assert values["cluster acquisition"] == pytest.approx(cli["cost_acquisition_usd"], rel=1e-12)
    bar = box.locator("g.point path").first.bounding_box()  # the plot's drag layer sits on top: move the mouse
    pg.mouse.move(bar["x"] + bar["width"] / 2, bar["y"] + bar["height"] / 2)
    tip = box.locator(".hoverlayer .hovertext").first
    tip.wait_for(state="attached", timeout=10_000)
    hover = tip.text_content()
    assert "$" in hover and re.search(r"\d", hover), hover
    pg.close()


@needs_browser
def test_plan_scatter_roofline_and_comparison(server, browser, tmp_path):
    pg, _ = open_page(browser, server, "/training?kind=plan")
    pg.wait_for_selector("#plan-scatter .plot", timeout=60_000)
    with pg.expect_download() as dl:
        pg.click("#plan-scatter a.chart-csv")
    rows = _csv(dl.value)
    assert rows[0][:6] == ["gpu", "gpus", "price_kind", "provider", "days", "cost_usd"]
    on_front = [r for r in rows[1:] if r[-1] == "true"]
    assert len(rows) > 3 and on_front
    for r in on_front:  # no priced plan is both cheaper and faster than a point of the front
        assert not any(float(o[5]) < float(r[5]) and float(o[4]) < float(r[4]) for o in rows[1:])
    pg.screenshot(path=str(shots_dir(tmp_path) / "plan-scatter-desktop.png"), full_page=True)
    pg.close()
    pg, _ = open_page(browser, server, f"/serving?model=llama3-8b&gpu=h100&date={DATE}")
    pg.wait_for_selector("#roofline .plot", timeout=60_000)
    pg.wait_for_selector("#layers-table tbody tr")
    parts = pg.eval_on_selector_all("#layers-table tbody tr td:nth-child(2)", "ts => ts.map(t => t.textContent)")
    assert {"mlp", "attention/scores", "lm_head"} <= set(parts)
    pg.wait_for_selector("#compare-table tbody tr", timeout=60_000)
    assert len(pg.query_selector_all("#compare-table tbody tr")) >= 3
    pg.screenshot(path=str(shots_dir(tmp_path) / "serving-roofline-desktop.png"), full_page=True)
    pg.close()


@needs_browser
def test_report_pdf_breaks_no_word_in_the_options_table(browser, run_cli, tmp_path):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) missing")
    out = tmp_path / "train.html"
    args = ["--model", "llama3-70b", "--tokens", "15T", "--gpus", "2048", "--mfu", "0.3..0.5", "--seq-len", "8192",
            "--seed", "1", "--date", DATE]
    assert run_cli("report", "train", *args, "--out", str(out)).code == 0
    pg = browser.new_page()
    pg.goto(out.as_uri())
    pg.emulate_media(media="print")
    pdf = tmp_path / "train.pdf"
    pdf.write_bytes(pg.pdf(format="A4"))
    pg.close()
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.count("\f") + (0 if text.endswith("\f") else 1)
    assert pages <= 4, pages
    for flag in ("--model", "--tokens", "--gpus", "--mfu", "--seq-len", "--seed", "--date"):
        assert re.search(rf"(^|\s){re.escape(flag)}(\s|$)", text, re.M), flag  # printed whole, on one line
    for broken in ("opti on", "-- mod", "mod el", "tok ens"):
        assert broken not in text
    assert text.count("The rising costs of training frontier AI models") == 1  # one bibliography entry


@needs_browser
def test_api_page_asks_nothing_of_other_hosts(server, browser, tmp_path):
    for width in ("phone", "desktop"):
        pg, log = open_page(browser, server, "/api/docs", width)
        pg.wait_for_selector("h2 code")
        pg.wait_for_load_state("networkidle")
        assert log["failed"] == [] and log["errors"] == [] and log["outside"] == [], log
        assert pg.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
        assert "POST /api/train" in pg.inner_text("main")
        pg.screenshot(path=str(shots_dir(tmp_path) / f"api-docs-{width}.png"))
        pg.close()


@needs_browser
def test_phone_forecast_headline_is_short_with_the_detail_below(server, browser, tmp_path):
    """At 390 px the forecast's answer is a short headline (at most three lines: series, year, median, interval);
    how it was made and why the method was picked follow in a note below it."""
    pg, log = open_page(browser, server, "/trends?kind=forecast&name=inference-price&capability=gpt-3.5&year=2030"
                        "&method=structural", "phone")
    pg.wait_for_selector("#output .answer", timeout=60_000)
    pg.wait_for_load_state("networkidle")
    lines = pg.evaluate("(() => { const a = document.querySelector('#output .answer'); const s = getComputedStyle(a);"
                        " const pad = parseFloat(s.paddingTop) + parseFloat(s.paddingBottom);"
                        " return (a.getBoundingClientRect().height - pad) / parseFloat(s.lineHeight || 0 || 20); })()")
    head = pg.inner_text("#output .answer")
    detail = pg.inner_text("#output .answer + .note")
    assert "2030" in head and "interval" in head and len(head) <= 90, head
    assert lines <= 3.2, (lines, head)
    assert "drivers" in detail and "floor" in detail, detail
    assert pg.evaluate("document.documentElement.scrollWidth") <= 390
    assert log["errors"] == [], log
    pg.screenshot(path=str(shots_dir(tmp_path) / "forecast-phone.png"), full_page=False)
    pg.close()
