// Interactive charts of the web page, drawn with plotly.js (served by the package: static/vendor/) from
// the series the server's report sections carry (svg[data-plot]) and from the result's JSON: hover
// values with units, zoom, legend toggles, log axes, a CSV of every table and series. Plus what the
// JSON alone lets the page draw: every priced plan against the Pareto front (plan), the roofline with
// the run's operating points and the per-part table (infer), and one workload on several accelerators.
"use strict";
(function () {
  const CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"] };
  const FONT = { family: "system-ui, sans-serif", size: 12 };
  const SUFFIX = { 1e3: "K", 1e6: "M", 1e9: "B" };
  const COLORS = ["#2f6fb3", "#6fa8dc", "#b35c00", "#e8a35c", "#5b8a3c", "#9aa4b5", "#7a4fa3", "#c23b5a"];

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  const P = (v) => (v && typeof v === "object" && "p50" in v ? v.p50 : v);

  // ---- CSV ------------------------------------------------------------------------------------
  function csvCell(v) {
    if (v === null || v === undefined) return "";
    const s = typeof v === "number" ? String(v) : String(v);
    return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  function csvText(header, rows) { return [header, ...rows].map((r) => r.map(csvCell).join(",")).join("\n") + "\n"; }
  function csvButton(name, header, rowsFn, cls) {
    const a = el("a", { href: "#", class: "csv " + (cls || ""), download: name + ".csv", role: "button" }, "CSV");
    a.title = "Download " + name + " as CSV";
    a.addEventListener("click", () => {
      const blob = new Blob([csvText(header, rowsFn())], { type: "text/csv" });
      a.href = URL.createObjectURL(blob);
    });
    return a;
  }
  function slug(s) { return String(s || "data").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "data"; }
  // the result's JSON as key,value rows (nested keys joined by "."; lists by index)
  function flatten(obj, prefix, out) {
    out = out || [];
    if (obj !== null && typeof obj === "object") {
      for (const [k, v] of Object.entries(obj)) flatten(v, prefix ? prefix + "." + k : k, out);
    } else out.push([prefix, obj]);
    return out;
  }
  function tableCsv(table, name) {
    const rows = () => Array.from(table.querySelectorAll("tbody tr")).map((tr) => Array.from(tr.cells).map((c) => c.innerText.trim()));
    const header = Array.from(table.querySelectorAll("thead th")).map((th) => th.innerText.trim());
    return csvButton(name, header, rows, "table-csv");
  }

  // ---- charts from the report's series --------------------------------------------------------
  function axisTitle(spec) {
    let t = spec.axis || "";
    if (spec.unit === "USD" && spec.scale > 1) t += ` [$${SUFFIX[spec.scale] || ""}]`;
    return t;
  }
  function layoutBase(extra) {
    return Object.assign({ font: FONT, margin: { l: 60, r: 16, t: 28, b: 48 }, hovermode: "closest",
                           paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#fff",
                           legend: { orientation: "h", y: -0.25 } }, extra || {});
  }
  function bars(spec) {
    const s = spec.series[0], scale = spec.scale || 1;
    const ylab = s.labels.map((l) => l.length > 28 ? l.slice(0, 27) + "…" : l);
    const trace = { type: "bar", orientation: "h", y: ylab, x: s.values.map((v) => v / scale), text: s.text,
                    customdata: s.labels, textposition: "outside", cliponaxis: false, marker: { color: COLORS[0] },
                    hovertemplate: "%{customdata}: %{text}<extra></extra>", name: spec.axis };
    const left = Math.min(240, 12 + 6.6 * Math.max(...ylab.map((l) => l.length)));
    return { data: [trace], layout: layoutBase({ height: 70 + 30 * s.labels.length, margin: { l: left, r: 70, t: 10, b: 48 },
      xaxis: { title: { text: axisTitle(spec) }, rangemode: "tozero", automargin: true },
      yaxis: { autorange: "reversed", automargin: true }, showlegend: false }),
      canLog: s.values.every((v) => v > 0) && s.values.length > 1 };
  }
  function stacked(spec) {
    const scale = spec.scale || 1;
    const data = spec.series.map((s, i) => ({ type: "bar", orientation: "h", y: ["total"], x: [s.values[0] / scale], name: s.name,
      text: [s.text[0]], textposition: "none", marker: { color: COLORS[i % COLORS.length] },
      hovertemplate: s.name + ": " + s.text[0] + "<extra></extra>" }));
    const shapes = [], ann = [];
    if (spec.capacity) {
      const x = spec.capacity / scale;
      shapes.push({ type: "line", x0: x, x1: x, y0: -0.6, y1: 0.6, line: { color: "#a33", width: 2, dash: "dash" } });
      ann.push({ x, y: 0.62, text: spec.capacity_label + " " + spec.capacity_text, showarrow: false, yanchor: "bottom", font: { color: "#a33" } });
    }
    return { data, layout: layoutBase({ barmode: "stack", height: 220, shapes, annotations: ann, margin: { l: 48, r: 16, t: 30, b: 40 },
      xaxis: { title: { text: axisTitle(spec) }, rangemode: "tozero" }, yaxis: { showticklabels: false } }) };
  }
  function intervals(spec) {
    const s = spec.series[0];
    const trace = { type: "scatter", mode: "markers", y: s.labels, x: s.values, text: s.text, name: s.name,
      error_x: { type: "data", symmetric: false, array: s.high.map((h) => h - 1), arrayminus: s.low.map((l) => 1 - l), thickness: 6, width: 0, color: "rgba(47,111,179,.55)" },
      marker: { color: "#123", size: 8 }, hovertemplate: "%{y}: %{text} (×%{customdata[0]:.2f} – ×%{customdata[1]:.2f} of the median)<extra></extra>",
      customdata: s.low.map((l, i) => [l, s.high[i]]) };
    return { data: [trace], layout: layoutBase({ height: 70 + 30 * s.labels.length, showlegend: false, margin: { l: 170, r: 16, t: 10, b: 48 },
      xaxis: { type: "log", title: { text: "value ÷ median (log scale); bar: 5th–95th percentile" } }, yaxis: { autorange: "reversed", automargin: true } }) };
  }
  function timeseries(spec) {
    const data = [], allx = spec.series.flatMap((s) => s.x || []);
    const xmin = Math.min(...allx), xmax = Math.max(...allx);
    const side = (x) => (x > xmax - 0.25 * (xmax - xmin) ? "top left" : "top right");  // labels stay inside
    for (const s of spec.series) {
      if (s.kind === "band") {
        data.push({ type: "scatter", mode: "lines", x: s.x, y: s.high, line: { width: 0 }, hoverinfo: "skip", showlegend: false, legendgroup: "band" });
        data.push({ type: "scatter", mode: "lines", x: s.x, y: s.low, fill: "tonexty", fillcolor: "rgba(47,111,179,.15)", line: { width: 0 },
                    name: s.name, hoverinfo: "skip", legendgroup: "band" });
      } else if (s.kind === "line") {
        data.push({ type: "scatter", mode: "lines", x: s.x, y: s.y, text: s.text, name: s.name, line: { color: COLORS[0], width: 2 },
                    hovertemplate: "fit %{x:.1f}: %{text}<extra></extra>" });
      } else if (s.kind === "points") {
        data.push({ type: "scatter", mode: "markers", x: s.x, y: s.y, text: s.text, customdata: s.labels, name: s.name,
                    marker: { color: "#555", size: 7, opacity: 0.8 }, hovertemplate: "%{customdata}: %{text} (%{x:.1f})<extra></extra>" });
      } else if (s.kind === "marks") {
        data.push({ type: "scatter", mode: "markers+text", x: s.x, y: s.y, text: s.labels, textposition: s.x.map(side), name: s.name,
                    customdata: s.text, marker: { color: "#b35c00", size: 10, symbol: "square" },
                    error_y: { type: "data", symmetric: false, array: s.high.map((h, i) => (h === null ? 0 : h - s.y[i])),
                               arrayminus: s.low.map((l, i) => (l === null ? 0 : s.y[i] - l)), color: "#b35c00" },
                    hovertemplate: "%{text}<extra></extra>" });
      }
    }
    return { data, layout: layoutBase({ height: 360, xaxis: { title: { text: spec.xaxis || "year" } },
      yaxis: logAxis(spec, data) }) };
  }
  // a log axis' ticks, each labelled in full in one style ("$50K", "100T", "0.1"): powers of ten over a
  // decade and a half or more, 1-2-5 steps within less
  function trim(v) { return String(Number(v.toPrecision(3))); }
  function tickText(v, style) {
    const steps = style === "usd" ? [[1e12, "T"], [1e9, "B"], [1e6, "M"], [1e3, "K"]]
      : style === "si" ? [[1e15, "P"], [1e12, "T"], [1e9, "G"], [1e6, "M"], [1e3, "k"]] : [];
    const [d, x] = steps.find(([f]) => Math.abs(v) >= f) || [1, ""];
    return (style === "usd" ? "$" : "") + trim(v / d) + x;
  }
  function logTicks(values, style) {
    const v = values.filter((x) => x > 0 && isFinite(x));
    if (!v.length) return { type: "log", automargin: true };
    const lo = Math.min(...v), hi = Math.max(...v), decades = Math.log10(hi / lo);
    const mults = decades >= 1.5 ? [1] : decades >= 0.6 ? [1, 2, 5] : [1, 1.5, 2, 3, 5, 7];
    const ticks = [];
    for (let e = Math.floor(Math.log10(lo)) - 1; e <= Math.ceil(Math.log10(hi)); e++) {
      for (const m of mults) { const t = m * Math.pow(10, e); if (t >= lo / 1.25 && t <= hi * 1.25) ticks.push(t); }
    }
    return { type: "log", automargin: true, tickvals: ticks, ticktext: ticks.map((t) => tickText(t, style)) };
  }
  // the y axis of a time series: log, "$" and K/M/B on dollars, SI prefixes otherwise
  function logAxis(spec, data) {
    const dollars = String(spec.unit || "").startsWith("USD");
    return Object.assign(logTicks(data.flatMap((t) => [...(t.y || [])]), dollars ? "usd" : "si"), { title: { text: spec.axis } });
  }
  function chartCsv(spec) {
    const rows = [];
    for (const s of spec.series) {
      const n = (s.values || s.y || s.low || []).length;
      for (let i = 0; i < n; i++) {
        rows.push([s.name, s.labels ? s.labels[i] : "", s.x ? s.x[i] : "", s.values ? s.values[i] : (s.y ? s.y[i] : ""),
                   s.low ? s.low[i] : "", s.high ? s.high[i] : "", s.text ? s.text[i] : ""]);
      }
    }
    return { header: ["series", "label", "x", "value", "low", "high", "shown as"], rows };
  }

  function draw(box, fig, name, csv) {
    const tools = el("div", { class: "chart-tools" });
    const div = el("div", { class: "plot", role: "img", "aria-label": name });
    box.appendChild(tools); box.appendChild(div);
    Plotly.newPlot(div, fig.data, fig.layout, CONFIG);
    if (csv) tools.appendChild(csvButton(slug(name), csv.header, () => csv.rows, "chart-csv"));
    if (fig.canLog) {
      const id = "log-" + Math.random().toString(36).slice(2);
      const cb = el("input", { type: "checkbox", id }); const lb = el("label", { for: id }, " log scale");
      cb.addEventListener("change", () => Plotly.relayout(div, { "xaxis.type": cb.checked ? "log" : "linear" }));
      tools.appendChild(cb); tools.appendChild(lb);
    }
    return div;
  }

  function upgradeCharts(output) {
    for (const svg of Array.from(output.querySelectorAll("svg.chart[data-plot]"))) {
      let spec;
      try { spec = JSON.parse(svg.getAttribute("data-plot")); } catch (e) { continue; }
      const make = { bars, stacked, intervals, timeseries }[spec.type];
      if (!make || !window.Plotly) continue;
      const box = el("div", { class: "iplot" });
      svg.replaceWith(box);
      draw(box, make(spec), spec.title, chartCsv(spec));
    }
  }
  function tableButtons(output) {
    let i = 0;
    for (const t of Array.from(output.querySelectorAll("table"))) {
      const sec = t.closest("section"); const h = sec && sec.querySelector("h2");
      const wrap = el("div", { class: "table-wrap" });
      t.replaceWith(wrap); wrap.appendChild(t);
      const tools = el("div", { class: "table-tools" });
      tools.appendChild(tableCsv(t, slug((h ? h.textContent : "table") + "-" + (++i))));
      wrap.appendChild(tools);
    }
  }

  // ---- plan: every priced plan, dollars against days, the Pareto front marked --------------------
  function usd(v) {
    if (v === null || v === undefined) return "n/a";
    for (const [s, x] of [[1e9, "B"], [1e6, "M"], [1e3, "K"]]) if (v >= s) return "$" + (v / s).toPrecision(3) + x;
    return "$" + v.toPrecision(3);
  }
  function days(v) { return v >= 10 ? v.toFixed(0) + " days" : v.toFixed(1) + " days"; }
  function section(extras, id, title) {
    const s = el("section", { id, class: "extra" }); s.appendChild(el("h2", {}, title)); extras.appendChild(s); return s;
  }
  function planScatter(ctx) {
    const pts = (ctx.data.points || []).filter((p) => p.cost_usd > 0 && p.days > 0);
    if (!pts.length) return;
    const front = ctx.data.pareto || [];
    const s = section(ctx.extras, "plan-scatter", "Every priced plan: dollars against days");
    const lab = (p) => `${p.gpus} × ${p.gpu}, ${p.price_kind}${p.provider ? " (" + p.provider + ")" : ""}`;
    const sorted = front.slice().sort((a, b) => a.days - b.days);
    const data = [
      { type: "scatter", mode: "markers", name: "every priced plan", x: pts.map((p) => p.days), y: pts.map((p) => p.cost_usd),
        customdata: pts.map((p) => [lab(p), usd(p.cost_usd), days(p.days)]), marker: { color: "#9aa4b5", size: 8 },
        hovertemplate: "%{customdata[0]}<br>%{customdata[1]}, %{customdata[2]}<extra></extra>" },
      { type: "scatter", mode: "lines+markers", name: "Pareto front (none both cheaper and faster)", x: sorted.map((p) => p.days),
        y: sorted.map((p) => p.cost_usd), customdata: sorted.map((p) => [lab(p), usd(p.cost_usd), days(p.days)]),
        marker: { color: "#b35c00", size: 10 }, line: { color: "#b35c00", shape: "hv" },
        hovertemplate: "%{customdata[0]}<br>%{customdata[1]}, %{customdata[2]}<extra>front</extra>" }];
    const layout = layoutBase({ height: 400, xaxis: Object.assign(logTicks(pts.map((p) => p.days), "plain"), { title: { text: "wall-clock time [days] (log)" } }),
                                yaxis: Object.assign(logTicks(pts.map((p) => p.cost_usd), "usd"), { title: { text: "cost [USD] (log)" } }) });
    const fields = ["gpu", "gpus", "price_kind", "provider", "days", "cost_usd", "gpu_hours", "mfu", "on_front"];
    const keyOf = (p) => [p.gpu, p.gpus, p.price_kind, p.provider].join("|");
    const onFront = new Set(front.map(keyOf));
    draw(s, { data, layout }, "priced-plans", { header: fields, rows: pts.map((p) => [...fields.slice(0, -1).map((f) => p[f]), onFront.has(keyOf(p))]) });
    s.appendChild(el("p", { class: "note" }, `${pts.length} priced plans (accelerator × count × price kind); ${front.length} on the Pareto front. Drag to zoom, double-click to reset, click a legend entry to hide it.`));
  }

  // ---- infer: the roofline and the per-part table -------------------------------------------
  function si(v, unit) {
    if (!isFinite(v)) return "∞";
    const p = [[1e15, "P"], [1e12, "T"], [1e9, "G"], [1e6, "M"], [1e3, "k"]];
    for (const [s, x] of p) if (Math.abs(v) >= s) return (v / s).toPrecision(3) + " " + x + unit;
    return v.toPrecision(3) + " " + unit;
  }
  function secs(v) { return v >= 1 ? v.toPrecision(3) + " s" : v >= 1e-3 ? (v * 1e3).toPrecision(3) + " ms" : (v * 1e6).toPrecision(3) + " µs"; }
  async function roofline(ctx) {
    const d = ctx.data;
    if (!d || !d.model || !d.gpu || !d.fits) return;
    const eff = d.efficiencies || {};
    const q = new URLSearchParams({ model: d.model, gpu: d.gpu, dtype: d.dtype, kv_dtype: d.kv_dtype, gpus: String(Math.round(P(d.gpus))),
      batch: String(Math.max(1, Math.round(P(d.batch)))), input_tokens: String(P(d.input_tokens)), output_tokens: String(P(d.output_tokens)),
      flop_efficiency: String(P(eff.flop_efficiency) || 1), bandwidth_efficiency: String(P(eff.bandwidth_efficiency) || 1) });
    let L;
    try { const r = await fetch("/api/layers?" + q); if (!r.ok) return; L = await r.json(); } catch (e) { return; }
    const s = section(ctx.extras, "roofline", "Roofline: where prefill and decode sit");
    const n = L.gpus, peak = L.peak_flop_per_s, bw = L.bandwidth_bytes_per_s;
    const xs = []; for (let e = -1; e <= 4.01; e += 0.05) xs.push(Math.pow(10, e));
    const data = [{ type: "scatter", mode: "lines", name: `roofline of one ${L.gpu} (${L.dtype})`, x: xs, y: xs.map((x) => Math.min(peak, x * bw)),
                    line: { color: "#333" }, hovertemplate: "%{x:.3g} FLOP/byte: at most %{y:.3s}FLOP/s<extra></extra>" }];
    const phases = [["decode", "#2f6fb3", "circle"], ["prefill", "#b35c00", "diamond"]];
    for (const [ph, color, sym] of phases) {
      const rows = L[ph].filter((r) => r.bytes > 0);
      data.push({ type: "scatter", mode: "markers", name: ph + " by part", x: rows.map((r) => r.intensity_flop_per_byte),
        y: rows.map((r) => r.flop / r.time_s / n), marker: { color, symbol: sym, size: 9, opacity: 0.6 },
        customdata: rows.map((r) => [r.part, r.bound, si(r.flop / r.time_s / n, "FLOP/s"), secs(r.time_s)]),
        hovertemplate: `%{customdata[0]} (${ph}): %{x:.3g} FLOP/byte, %{customdata[2]} per accelerator, %{customdata[3]}, %{customdata[1]}-bound<extra></extra>` });
      const pt = L.points[ph];
      data.push({ type: "scatter", mode: "markers+text", name: ph + " step", x: [pt.intensity_flop_per_byte], y: [pt.achieved_flop_per_s / n],
        text: [ph], textposition: "top center", marker: { color, symbol: sym, size: 16, line: { color: "#000", width: 1 } },
        customdata: [[si(pt.achieved_flop_per_s / n, "FLOP/s"), secs(pt.time_s)]],
        hovertemplate: `${ph} step: %{x:.3g} FLOP/byte, %{customdata[0]} per accelerator, %{customdata[1]}<extra></extra>` });
    }
    const layout = layoutBase({ height: 420, xaxis: Object.assign(logTicks(xs, "plain"), { title: { text: "arithmetic intensity [FLOP/byte] (log)" } }),
      yaxis: Object.assign(logTicks(data.flatMap((t) => t.y), "si"), { title: { text: "attainable FLOP/s per accelerator (log)" } }),
      shapes: [{ type: "line", x0: L.ridge_flop_per_byte, x1: L.ridge_flop_per_byte, yref: "paper", y0: 0, y1: 1, line: { color: "#999", dash: "dot" } }],
      annotations: [{ x: Math.log10(L.ridge_flop_per_byte), y: 1, yref: "paper", text: "ridge " + L.ridge_flop_per_byte.toFixed(0) + " FLOP/byte", showarrow: false, xanchor: "left", yanchor: "top" }] });
    const header = ["phase", "part", "flop", "bytes", "intensity_flop_per_byte", "time_s", "bound"];
    const all = [...L.prefill.map((r) => ["prefill", r]), ...L.decode.map((r) => ["decode", r])];
    const csvRows = all.map(([ph, r]) => [ph, r.part, r.flop, r.bytes, r.intensity_flop_per_byte, r.time_s, r.bound]);
    draw(s, { data, layout }, "roofline", { header, rows: csvRows });
    s.appendChild(el("p", { class: "note" }, `Decode: ${L.batch} sequences at the mean context; prefill: one prompt of ${P(d.input_tokens)} tokens. ` +
      `Each part's time is its roofline bound at the efficiencies used (FLOP ${P(eff.flop_efficiency)}, bandwidth ${P(eff.bandwidth_efficiency)}); ` +
      `weights and KV cache read, activations left out (costcurve.layers).`));
    s.appendChild(el("h3", {}, "FLOP, bytes and time by part"));
    const t = el("table", { class: "nums", id: "layers-table" });
    t.innerHTML = "<thead><tr><th>phase</th><th>part</th><th>FLOP</th><th>bytes</th><th>FLOP/byte</th><th>time</th><th>bound</th></tr></thead>";
    const tb = el("tbody");
    for (const [ph, r] of all) {
      const tr = el("tr");
      for (const c of [ph, r.part, si(r.flop, "FLOP"), si(r.bytes, "B"), r.bytes ? r.intensity_flop_per_byte.toPrecision(3) : "∞", secs(r.time_s), r.bound]) tr.appendChild(el("td", {}, c));
      tb.appendChild(tr);
    }
    t.appendChild(tb);
    const wrap = el("div", { class: "table-wrap" }); wrap.appendChild(t);
    const tools = el("div", { class: "table-tools" }); tools.appendChild(csvButton("per-part", header, () => csvRows, "table-csv"));
    wrap.appendChild(tools); s.appendChild(wrap);
  }

  // ---- one workload on several accelerators -------------------------------------------------
  const COMPARE = {
    train: { time: ["wall_clock_days", "days", (v) => days(v)], usd: ["cost_cloud_usd", "rental cost"], auto: false },
    infer: { time: ["time_per_output_token_s", "time per output token", secs], usd: ["usd_per_million_output_tokens", "$ per million output tokens"],
             mem: ["memory_required_bytes", "memory_usable_bytes"], auto: true },
    finetune: { time: ["wall_clock_hours", "hours", (v) => v.toPrecision(3) + " h"], usd: ["cost_usd", "cost"],
                mem: ["memory_per_gpu_bytes.total", "accelerator_memory_bytes"], auto: true },
  };
  function get(d, path) { return path.split(".").reduce((o, k) => (o === null || o === undefined ? o : o[k]), d); }
  function gib(v) { return (v / 2 ** 30).toFixed(1) + " GiB"; }
  function compare(ctx) {
    const c = COMPARE[ctx.kind];
    if (!c || !ctx.catalog || !ctx.catalog.accelerators) return;
    const names = new Set(ctx.catalog.accelerators.map((a) => a.name));
    const want = ["h100-sxm5", "h200-sxm", "b200", "a100-sxm4-80gb", "mi300x", "l40s"].filter((n) => names.has(n));
    const s = section(ctx.extras, "compare", "The same workload on other accelerators");
    const form = el("div", { class: "compare-form" });
    const inp = el("input", { type: "text", id: "compare-gpus", "aria-label": "Accelerators to compare (comma-separated)" });
    inp.value = want.join(","); inp.setAttribute("list", "dl-gpu");
    const btn = el("button", { type: "button", id: "compare-run" }, "Compare");
    form.appendChild(el("label", { for: "compare-gpus" }, "Accelerators ")); form.appendChild(inp); form.appendChild(btn);
    s.appendChild(form);
    const out = el("div", { id: "compare-out" }); s.appendChild(out);
    btn.addEventListener("click", () => runCompare(ctx, c, inp.value.split(",").map((x) => x.trim()).filter(Boolean), out));
    if (c.auto) runCompare(ctx, c, want, out);
  }
  async function runCompare(ctx, c, gpus, out) {
    out.innerHTML = ""; out.appendChild(el("p", { class: "note" }, "computing…"));
    const base = Object.assign({}, ctx.values); delete base.gpus;  // each accelerator takes its own count
    if (ctx.kind === "train") base.gpus = ctx.values.gpus;
    const res = await Promise.all(gpus.slice(0, 8).map((g) => fetch("/api/" + ctx.kind, { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify(Object.assign({}, base, { gpu: g })) }).then(async (r) => ({ gpu: g, ok: r.ok, d: await r.json() })).catch((e) => ({ gpu: g, ok: false, d: { error: String(e) } }))));
    out.innerHTML = "";
    const ok = res.filter((r) => r.ok);
    const header = ["accelerator", "accelerators", c.time[0], c.usd[0]].concat(c.mem ? [c.mem[0], c.mem[1]] : []);
    const rows = ok.map((r) => [r.d.gpu, P(r.d.gpus), P(get(r.d, c.time[0])), P(get(r.d, c.usd[0]))].concat(c.mem ? [P(get(r.d, c.mem[0])), P(get(r.d, c.mem[1]))] : []));
    const grid = el("div", { class: "compare-grid" }); out.appendChild(grid);
    const mk = (title, ys, text, extra) => {
      const box = el("div", { class: "compare-chart" }); grid.appendChild(box);
      const data = [{ type: "bar", x: ok.map((r) => r.d.gpu), y: ys, text, textposition: "outside", cliponaxis: false, marker: { color: COLORS[0] },
                      hovertemplate: "%{x}: %{text}<extra></extra>", name: title }].concat(extra || []);
      draw(box, { data, layout: layoutBase({ height: 280, title: { text: title, font: { size: 13 } }, margin: { l: 50, r: 10, t: 40, b: 70 }, showlegend: !!extra }) }, title);
    };
    mk(c.time[1], rows.map((r) => r[2]), rows.map((r) => c.time[2](r[2])));
    mk(c.usd[1] + " [USD]", rows.map((r) => r[3]), rows.map((r) => usd(r[3])));
    if (c.mem) mk("memory per accelerator [GiB]", rows.map((r) => r[4] / 2 ** 30), rows.map((r) => gib(r[4]) + " of " + gib(r[5])),
                  [{ type: "scatter", mode: "markers", name: "capacity", x: ok.map((r) => r.d.gpu), y: rows.map((r) => r[5] / 2 ** 30),
                     marker: { symbol: "line-ew-open", size: 30, color: "#a33", line: { width: 3 } }, hovertemplate: "%{x} capacity: %{y:.1f} GiB<extra></extra>" }]);
    const t = el("table", { class: "nums", id: "compare-table" });
    t.innerHTML = "<thead><tr><th>accelerator</th><th>count</th><th>" + c.time[1] + "</th><th>" + c.usd[1] + "</th>" + (c.mem ? "<th>memory needed / capacity</th>" : "") + "</tr></thead>";
    const tb = el("tbody");
    for (const r of rows) {
      const tr = el("tr");
      for (const x of [r[0], String(r[1]), c.time[2](r[2]), usd(r[3])].concat(c.mem ? [gib(r[4]) + " / " + gib(r[5])] : [])) tr.appendChild(el("td", {}, x));
      tb.appendChild(tr);
    }
    t.appendChild(tb);
    const wrap = el("div", { class: "table-wrap" }); wrap.appendChild(t);
    const tools = el("div", { class: "table-tools" }); tools.appendChild(csvButton("compare-accelerators", header, () => rows, "table-csv"));
    wrap.appendChild(tools); out.appendChild(wrap);
    for (const r of res.filter((x) => !x.ok)) out.appendChild(el("p", { class: "note" }, `${r.gpu}: ${r.d.error || "no answer"}`));
  }

  function render(ctx) {
    ctx.extras.innerHTML = "";
    tableButtons(ctx.output);
    upgradeCharts(ctx.output);
    ctx.links.appendChild(csvButton("result-" + ctx.kind, ["key", "value"], () => flatten(ctx.data, ""), "result-csv"));
    ctx.links.lastChild.textContent = "All figures (CSV)";
    if (ctx.kind === "plan") planScatter(ctx);
    if (ctx.kind === "infer") roofline(ctx);
    compare(ctx);
  }
  window.costcurveCharts = { render, flatten, csvText };
})();
