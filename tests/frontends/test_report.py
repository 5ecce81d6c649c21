"""HTML reports (`costcurve report`), the kinds registry, the SVG charts and notebook display."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import numpy as np
import pytest

DATE = "2025-06-01"


class _Parse(HTMLParser):
    """Collects figures (data-key → data-value), section ids, and every URL the page would load."""

    def __init__(self):
        super().__init__()
        self.figures, self.sections, self.loads, self.data = {}, [], [], None
        self._in_data = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "data-key" in a and "data-value" in a:
            self.figures[a["data-key"]] = a["data-value"]
        if tag == "section":
            self.sections.append(a.get("id"))
        if tag in ("script", "img", "iframe") and a.get("src") or tag == "link" and a.get("href"):
            self.loads.append(a.get("src") or a.get("href"))
        self._in_data = tag == "script" and a.get("id") == "costcurve-data"

    def handle_data(self, data):
        if self._in_data:
            self.data = json.loads(data)
            self._in_data = False


def parse(text: str) -> _Parse:
    p = _Parse()
    p.feed(text)
    return p


def test_train_report_matches_cli_json(run_cli, tmp_path):
    out = tmp_path / "train.html"
    args = ["--model", "llama3-8b", "--gpu", "h100", "--gpus", "64", "--date", DATE]
    r = run_cli("report", "train", *args, "--out", str(out))
    assert r.code == 0, r.err
    cli = run_cli("train", *args, "--json").json()
    page = parse(out.read_text())
    assert page.data["result"] == cli  # the embedded JSON is the CLI's --json, key for key
    for key in ("cost_cloud_usd", "cost_amortized_usd", "cost_acquisition_usd", "wall_clock_s", "training_flop"):
        assert float(page.figures[key]) == pytest.approx(cli[key], rel=1e-12)
    assert page.sections == ["answer", "inputs", "breakdown", "context", "reproduce", "sources"]  # no range: no uncertainty; the bibliography last
    assert page.loads == []  # self-contained: nothing to fetch
    assert "@media print" in out.read_text()
    assert page.data["command"] == "costcurve train " + " ".join(args)


def test_train_report_figures_against_first_principles(run_cli, tmp_path):
    """The page's figures checked against figures computed here, not against the same JSON: 6·N·D for
    Llama 3 8B (8.03B parameters, 15T tokens: Meta's model card, https://github.com/meta-llama/llama3),
    the H100 SXM's dense bf16 peak (989.4 TFLOP/s, NVIDIA H100 datasheet) and the definition of MFU."""
    out = tmp_path / "train.html"
    r = run_cli("report", "train", "--model", "llama3-8b", "--gpu", "h100", "--gpus", "64", "--mfu", "0.4",
                "--goodput", "1", "--price", "2.50", "--date", DATE, "--out", str(out))
    assert r.code == 0, r.err
    fig = {k: float(v) for k, v in parse(out.read_text()).figures.items() if re.match(r"^[\d.e+-]+$", v)}
    six_nd = 6 * 8.03e9 * 15e12
    assert six_nd < fig["training_flop"] < 1.15 * six_nd  # the attention FLOP 6·N·D leaves out (seq 8192)
    wall_s = fig["training_flop"] / (64 * 989.4e12 * 0.4)
    assert fig["wall_clock_s"] == pytest.approx(wall_s, rel=1e-3)
    assert fig["cost_cloud_usd"] == pytest.approx(64 * wall_s / 3600 * 2.50, rel=1e-3)


def test_report_with_a_range_has_uncertainty_and_sensitivity(run_cli, tmp_path):
    out = tmp_path / "u.html"
    r = run_cli("report", "train", "--model", "llama3-8b", "--gpus", "64", "--mfu", "0.3..0.5", "--price", "2..4",
                "--seed", "3", "--samples", "2000", "--date", DATE, "--out", str(out))
    assert r.code == 0, r.err
    page = parse(out.read_text())
    assert "uncertainty" in page.sections
    sens = page.data["result"]["sensitivity"]["inputs"]
    assert {s["input"] for s in sens} == {"mfu", "price_usd_per_gpu_hour"}
    assert sum(s["share"] for s in sens) == pytest.approx(1.0)
    # the figure shows the median; the interval is printed beside it
    assert float(page.figures["cost_cloud_usd"]) == pytest.approx(page.data["result"]["cost_cloud_usd"]["p50"])
    assert "90%:" in out.read_text()


@pytest.mark.parametrize("kind,args", [
    ("infer", ["--model", "llama3-8b", "--gpu", "h100", "--date", DATE]),
    ("forecast", ["gpt3-level", "--year", "2030"]),
    ("trend", ["gpu-price-performance"]),
    ("claims", ["--id", "gpt3_annual_decline"]),
])
def test_reports_of_each_kind_equal_their_cli_json(run_cli, tmp_path, kind, args):
    out = tmp_path / f"{kind}.html"
    r = run_cli("report", kind, *args, "--out", str(out))
    assert r.code == 0, r.err
    page = parse(out.read_text())
    assert page.data["result"] == run_cli(kind, *args, "--json").json()
    assert page.sections[0] == "answer" and "reproduce" in page.sections
    assert page.loads == []
    assert "<svg" in out.read_text() or kind == "claims"


def test_report_bad_input_names_the_option(run_cli, tmp_path):
    r = run_cli("report", "train", "--model", "llama3-8b", "--gpus", "-4", "--out", str(tmp_path / "x.html"))
    assert r.code == 2 and r.err.startswith("error: --gpus:") and "Traceback" not in r.err
    r = run_cli("report", "train", "--model", "nosuchmodel", "--out", str(tmp_path / "x.html"))
    assert r.code == 2 and "--model" in r.err
    r = run_cli("report", "forecast", "gpt3-level", "--out", str(tmp_path / "x.html"))
    assert r.code == 2 and "--year" in r.err
    r = run_cli("report", "nosuchkind", "--out", "x.html")
    assert r.code == 2


def test_registry_parameters_mirror_the_cli_options():
    from costcurve.cli.train import train
    from costcurve.report.registry import get_kind, param_for_field, parameters

    names = {p.name for p in parameters(get_kind("train"))}
    assert names == {p.name for p in train.params} - {"as_json", "plot"}  # the outputs are the report's own
    web = {p.name for p in parameters(get_kind("train"), web=True)}
    assert "plot" not in web and "plot_path" not in web and "catalog" in web
    gpu = next(p for p in parameters(get_kind("train")) if p.name == "gpu")
    assert (gpu.flag, gpu.default) == ("--gpu", "h100")  # the CLI's default
    price = next(p.name for p in train.params if "--price" in p.opts)
    assert param_for_field(get_kind("train"), "--price") == price
    assert param_for_field(get_kind("train"), price) == price


def test_run_kind_errors_carry_the_parameter_name():
    from costcurve.errors import InputError
    from costcurve.report.registry import run_kind

    with pytest.raises(InputError) as e:
        run_kind("train", {"model": "llama3-8b", "dtype": "fp7"})
    assert e.value.field == "dtype"
    with pytest.raises(InputError) as e:
        run_kind("train", {"model": "llama3-8b", "gpus": "0"})
    assert e.value.field == "gpus"
    with pytest.raises(InputError) as e:
        run_kind("train", {"nonsense": 1})
    assert e.value.field == "nonsense"
    with pytest.raises(InputError) as e:  # an argument that looks like an option stays an argument
        run_kind("forecast", {"name": "--year=2030"})
    assert e.value.field in ("year", "name")


def test_trend_context_scales_with_the_price_performance_trend():
    """Checked two ways: the rows against the fitted trend's own factor per year."""
    from costcurve.report.context import _fit, same_work_cost

    ctx = same_work_cost(1e6, "2026-01-01")
    now = next(r for r in ctx["rows"] if r["interval_kind"] == "this estimate")
    fc = ctx["rows"][-1]
    assert now["usd"] == 1e6 and fc["year"] == 2030
    fit = _fit("gpu-cloud-price-performance", 0.9)
    assert fc["usd"] / now["usd"] == pytest.approx(fit.factor_per_year ** -(2030 - now["year"]), rel=1e-9)
    for r in ctx["rows"]:
        if r["usd_interval"]:
            assert r["usd_interval"][0] < r["usd"] < r["usd_interval"][1]
    lo, hi = fc["usd_interval_new_observation"]
    assert lo < fc["usd_interval"][0] and hi > fc["usd_interval"][1]  # one accelerator spreads more than the trend
    assert same_work_cost(0, "2026-01-01") is None


def test_svg_charts_escape_labels_and_label_axes():
    from costcurve.report import svg

    s = svg.hbars([("<script>alert(1)</script>", 2.0), ("b", 1.0)], fmt=str, xlabel="USD", title="t")
    assert "<script>" not in s and "&lt;script&gt;" in s and ">USD</text>" in s
    t = svg.timeseries(points=[(2020, 10.0, "a"), (2022, 1.0, "b")], line=[(2020, 10.0), (2022, 1.0)],
                       fmt=lambda v: f"${v:g}", ylabel="USD", title="t")
    assert ">year</text>" in t and ">USD</text>" in t
    assert svg.hbars([], fmt=str, xlabel="x", title="t") == ""


def test_human_units():
    from costcurve.report import html as H

    assert H.usd(61.4e6) == "$61.4M"
    assert H.usd(0.0349) == "$0.0349" and H.usd(0.35) == "$0.35" and H.usd(1.34e-5) == "$0.0000134"
    assert H.usd(-5e6) == "−$5M"
    assert H.gib(80 * 2**30) == "80 GiB" and H.gib(51.53 * 2**30) == "51.5 GiB" and H.gib(8192000) == "8 MiB"
    assert H.days(378.4) == "378 days" and H.hours(4_650_827) == "4.65M GPU-hours"
    assert H.flop(3e25) == "3e25 FLOP"
    assert H.duration(62 * 86400) == "62 days"
    assert H.duration(0.0833) == "83.3 ms"
    assert H.duration(3 * 365.25 * 86400) == "3.0 years"
    assert H.linkify("see https://x.org/a.") == 'see <a href="https://x.org/a" rel="noreferrer">https://x.org/a</a>.'
    assert H.linkify("<b>") == "&lt;b&gt;"


def test_notebook_html_and_frames():
    import costcurve

    est = costcurve.estimate_training(model="llama3-8b", gpus=64, date=DATE)
    html = est._repr_html_()
    assert 'class="answer"' in html and "costcurve-nb" in html
    assert re.search(r'data-key="cost_cloud_usd" data-value="([^"]+)"', html).group(1) == repr(float(est.cost_cloud_usd))
    inf = costcurve.estimate_inference(model="llama3-8b", gpu="h100", date=DATE)
    assert 'data-key="usd_per_query"' in inf._repr_html_()
    sweep = costcurve.estimate_training(model="llama3-8b", gpus=np.array([8, 16, 32]), date=DATE)
    assert "sweep of 3 configurations" in sweep._repr_html_()
    pd = pytest.importorskip("pandas")
    df = sweep.to_frame()
    assert isinstance(df, pd.DataFrame) and len(df) == 3
    assert list(df["gpus"]) == [8, 16, 32]
    np.testing.assert_allclose(df["cost_cloud_usd"], sweep.cost_cloud_usd)
    assert df.attrs["units"]["cost_cloud_usd"] == "USD" and df.attrs["units"]["wall_clock_s"] == "s"
    u = costcurve.estimate_training(model="llama3-8b", gpus=64, mfu="0.3..0.5", samples=500, seed=1, date=DATE)
    assert "uncertainty" in u._repr_html_()
    f = u.to_frame(samples=True)  # every sample on request
    assert len(f) == 500 and "input:mfu" in f
    np.testing.assert_allclose(f["mfu"], f["input:mfu"])
    p = u.to_frame()  # by default one row per figure: its percentiles and mean over the samples
    assert list(p.columns[:4]) == ["p5", "p50", "p95", "mean"]
    for fig in ("cost_cloud_usd", "mfu", "wall_clock_s"):
        v = np.asarray(getattr(u.samples, fig), dtype=float)
        np.testing.assert_allclose(p.loc[fig, ["p5", "p50", "p95"]].astype(float), np.percentile(v, [5, 50, 95]))
        assert p.loc[fig, "mean"] == pytest.approx(v.mean())
    assert p.loc["cost_cloud_usd", "p5"] < p.loc["cost_cloud_usd", "p95"]


def test_notebook_css_sits_under_its_container():
    """Every rule of the notebook display's CSS is scoped to its container (none restyles the notebook)."""
    import costcurve

    est = costcurve.estimate_training(model="llama3-8b", gpus=64, date=DATE)
    css = re.search(r"<style>(.*?)</style>", est._repr_html_(), re.S).group(1)
    flat = re.sub(r"@media[^{]*\{", "", css)  # a media block's rules are checked like the others
    selectors = [s.strip() for rule in re.findall(r"([^{}]+)\{[^{}]*\}", flat) for s in rule.split(",")]
    assert len(selectors) > 40  # the report's whole style sheet came along
    assert all(s == ".costcurve-nb" or s.startswith(".costcurve-nb ") for s in selectors), \
        [s for s in selectors if not s.startswith(".costcurve-nb")]
    assert "@page" not in css


def test_trend_fits_render_in_notebooks():
    from costcurve.trends.bundled import get_series
    from costcurve.trends.fit import fit_series

    for method in ("ols", "rwd"):
        fit = fit_series(get_series("gpt3-level"), method=method)
        html = fit._repr_html_()
        value = re.search(r'data-key="annual_decline" data-value="([^"]+)"', html).group(1)
        assert float(value) == pytest.approx(fit.annual_decline)


def test_generic_sections_read_units_from_names(run_cli, tmp_path):
    """Any command's --json renders by the naming convention; checked on train against its own JSON."""
    import dataclasses

    from costcurve import commands
    from costcurve.report import report_html
    from costcurve.report.registry import refresh, run_kind

    commands.register(dataclasses.replace(commands.get("train"), name="train-generic", title="Training (generic)",
                                          sections=None))
    try:
        run = run_kind("train-generic", {"model": "llama3-8b", "gpus": "64", "date": DATE})
        page = parse(report_html(run))
    finally:
        commands.unregister("train-generic")
        refresh()
    cli = run_cli("train", "--model", "llama3-8b", "--gpus", "64", "--date", DATE, "--json").json()
    assert float(page.figures["cost_usd.cloud"]) == pytest.approx(cli["cost_usd"]["cloud"])
    assert len(page.figures) >= 8
    for key, value in page.figures.items():  # every figure shown is the CLI's number
        want = cli[key] if "." not in key else cli[key.split(".")[0]][key.split(".")[1]]
        assert float(value) == pytest.approx(want, rel=1e-12), key
    assert page.sections[:3] == ["answer", "inputs", "breakdown"] and "context" in page.sections
    assert page.loads == []


def test_unit_formatter_by_name():
    from costcurve.report.generic import unit_formatter

    assert unit_formatter("cost_cloud_usd")(61.4e6) == "$61.4M"
    assert unit_formatter("step_time_s")(0.0833) == "83.3 ms"
    assert unit_formatter("memory_per_gpu_bytes")(13.2 * 2**30) == "13.2 GiB"
    assert unit_formatter("wall_clock_days")(62) == "62 days"
    assert unit_formatter("achieved_flop_per_s_per_gpu")(4.3e14) == "430 TFLOP/s"  # a rate, not a count
    assert unit_formatter("price_usd_per_gpu_hour")(3.8646) == "$3.86 per GPU-hour"
    assert unit_formatter("tokens_per_second")(5e5) == "500 ktokens/s"


def test_breakdown_with_a_credit_sums_to_its_total():
    from costcurve.report.generic import _breakdown_chart

    html = _breakdown_chart("own_breakdown_usd", {"capex": 30.0e6, "power": 2.0e6, "resale": -5.0e6})
    assert "the parts sum to $27M" in html and "resale −$5M" in html


def _dig(d, key):
    for part in key.split("."):
        d = d[int(part)] if isinstance(d, list) else d[part]
    return d


@pytest.mark.parametrize("kind,args,answer", [
    ("plan", ["--model", "llama3-8b", "--tokens", "1T", "--gpus", "64"], [r"laid out as tp=", r"\d days",
                                                                          r"GPU-hours", r"\$[\d.]+[KM]? at cloud"]),
    ("plan", ["--model", "llama3-8b", "--tokens", "1T", "--gpu-options", "h100,a100", "--max-gpus", "64"],
     [r"^The fastest plan is \d+ × ", r"\d days for \$[\d.]+K", r"Pareto front"]),
    ("deploy", ["--model", "llama3.1-8b", "--queries-per-day", "100M"], [r"cheapest deployment", r"per million output",
                                                                         r"per million queries", r"p95 time"]),
    ("budget", ["--usd", "2M", "--gpu", "h100", "--gpus", "256"], [r"^\$2M buys", r"[\d.]+B parameters",
                                                                   r"[\d.]+T tokens", r"predicted loss 1\.\d+"]),
    ("finetune", ["--model", "llama2-70b", "--method", "lora", "--tokens", "31.5M", "--gpu", "h100", "--gpus", "8"],
     [r"^LoRA fine-tuning", r"fits in 80 GiB", r"[\d.]+ GiB per accelerator", r"at least \d+ needed"]),
    ("rent-vs-buy", ["--gpu", "h100", "--gpus", "512", "--utilization", "0.7"],
     [r"(renting|owning) 512 × h100-sxm5 is cheaper", r"own \$[\d.]+M", r"rent \$[\d.]+M", r"utilization"]),
    ("wait", ["--flop", "3e25", "--gpu", "h100", "--gpus", "2048"], [r"^Start (now|on)", r"3e25 FLOP", r"\$[\d.]+M",
                                                                     r"\d days"]),

    ("lifecycle", ["--model", "llama3.1-8b", "--gpu", "h100", "--queries-per-day", "1M", "--growth", "2", "--years", "1",
                   "--api-price-decline", "0.3", "--samples", "200"],
     [r"^llama3\.1-8b serving 1M queries a day", r"cheapest path is", r"NPV \$[\d.]+[KM]"]),
    ("posttrain", ["--model", "qwen2.5-1.5b", "--prompts", "64", "--steps", "100", "--gpu", "a100", "--mfu", "0.2..0.4"],
     [r"^GRPO on qwen2\.5-1\.5b", r"GPU-hours", r"generation is \d+%"]),
])
def test_decision_reports_answer_in_a_sentence_with_the_cli_figures(run_cli, tmp_path, kind, args, answer):
    """plan, deploy and the decisions: a written answer with units, headline figures equal to --json, each
    with a line saying what it means, and charts with labelled axes."""
    out = tmp_path / f"{kind}.html"
    r = run_cli("report", kind, *args, "--date", DATE, "--out", str(out))
    assert r.code == 0, r.err
    cli = run_cli(kind, *args, "--date", DATE, "--json").json()
    text = out.read_text()
    page = parse(text)
    assert page.data["result"] == cli and page.loads == []
    sentence = re.search(r'<p class="answer">(.*?)</p>', text).group(1)
    for pattern in answer:
        assert re.search(pattern, sentence), (pattern, sentence)
    assert "_usd" not in sentence and "_s " not in sentence  # no raw key names
    assert len(page.figures) >= 4  # (a figure without a value, e.g. "never", has no data-value)
    for key, value in page.figures.items():
        want = _dig(cli, key)
        if isinstance(want, str):
            assert value == want, key
        else:
            assert float(value) == pytest.approx(want["p50"] if isinstance(want, dict) else want, rel=1e-12), key
    notes = re.findall(r'<div class="figure" data-key="[^"]+".*?</div></div>', text)
    assert notes and all('class="note"' in n for n in notes)  # every headline figure says what it means
    assert page.sections[:3] == ["answer", "inputs", "breakdown"] and page.sections[-1] == "reproduce"
    for svg_text in re.findall(r"<svg.*?</svg>", text, re.S):
        assert 'class="axislabel"' in svg_text  # every chart labels its axis


def test_memory_bar_stacks_to_the_total_against_capacity():
    from costcurve.report import svg

    s = svg.stacked([("weights", 16 * 2**30), ("activations", 14 * 2**30)], capacity=80 * 2**30,
                    fmt=lambda v: f"{v / 2**30:.0f} GiB", xlabel="memory per accelerator [GiB]", title="m",
                    scale=2**30)
    widths = [float(w) for w in re.findall(r'class="seg seg\d" x="[\d.]+" y="26" width="([\d.]+)"', s)]
    x0, x1 = 24, svg.W - 24
    assert sum(widths) == pytest.approx((x1 - x0) * 30 / 80, abs=0.2)  # segments sum to the total
    assert ">20 GiB</text>" in s and ">80 GiB</text>" in s  # ticks on round GiB
    assert "total 30 GiB" in s and "capacity 80 GiB" in s and ">memory per accelerator [GiB]</text>" in s


@pytest.mark.parametrize("kind,args", [
    ("train", ["--model", "llama3-8b", "--gpus", "64", "--date", DATE]),
    ("infer", ["--model", "llama3-8b", "--gpu", "h100", "--date", DATE]),
    ("forecast", ["gpt3-level", "--year", "2030"]),
    ("trend", ["gpu-price-performance"]),
])
def test_every_headline_figure_has_a_line_saying_what_it_means(run_cli, tmp_path, kind, args):
    out = tmp_path / f"{kind}.html"
    assert run_cli("report", kind, *args, "--out", str(out)).code == 0
    figures = re.findall(r'<div class="figure" data-key="([^"]+)".*?</div></div>', out.read_text())
    assert figures
    for block in re.finditer(r'<div class="figure" data-key="([^"]+)"(.*?)</div></div>', out.read_text()):
        assert 'class="note"' in block.group(2), block.group(1)


def test_plan_and_deploy_results_render_in_notebooks():
    from costcurve.training.planner import plan_training
    from costcurve.serving.deploy import plan_deployment

    plan = plan_training(model="llama3-8b", tokens=1e12, gpu="h100", gpus=64, top=1)
    dep = plan_deployment(model="llama3.1-8b", queries_per_day=1e8, gpu_options=["h100"])
    for obj, kind in ((plan, "plan"), (dep, "deploy")):
        html = obj._repr_html_()
        assert obj._report_kind == kind and html.startswith('<div class="costcurve-nb">') and "<svg" in html
