// costcurve web calculator: builds the forms from /api/kinds (the CLI's own options and defaults) and
// /api/catalog (labels, pickers, examples), keeps the inputs in the URL, and shows what the server
// computed. Nothing is computed here; charts are drawn by charts.js from the figures the server sent.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  let spec = null, ui = null, kind = null, files = {}, timer = null, seq = 0;

  function pageOf() {
    const p = location.pathname.replace(/^\/+|\/+$/g, "");
    return spec.pages.some((x) => x.id === p) ? p : spec.pages[0].id;
  }
  function kindsOf(page) { return spec.kinds.filter((k) => k.page === page); }
  function label(p) {
    const L = ui.labels || {};
    return L[kind.name + "." + p.name] || L[p.name] || p.label || p.flag || p.name;
  }
  // "--gpus" in a help line → "“Accelerators”", the label of this form's field that the flag sets
  function fieldName(flag) {
    const q = kind.params.find((x) => x.flag === flag);
    return q ? "“" + label(q).replace(/\s*\[[^\]]*\]\s*$/, "") + "”" : null;
  }
  function pageWords(text) {
    return text.replace(/`?costcurve ([a-z-]+)`?/g, (m, c) => {
      const k = spec.kinds.find((x) => x.name === c);
      return k ? "the " + k.title + " calculator" : m;
    }).replace(/(^|[\s(])(--[a-z0-9-]+)/g, (m, pre, flag) => { const n = fieldName(flag); return n ? pre + n : m; })
      .replace(/`([a-z_0-9]+)`/g, (m, name) => {  // a library field name → its field's label
        const q = kind.params.find((x) => x.name === name);
        return q ? fieldName(q.flag) || "“" + label(q) + "”" : name;
      });
  }
  // an error message as the page speaks: flags, commands and the library's parameter names
  // (training_flop, params) read as the labels of their fields
  function errorWords(text) {
    return pageWords(text).replace(/\b([a-z]+_[a-z0-9_]+|params)\b/g, (m) => {
      const q = kind.params.find((x) => x.name === m), text = q ? label(q) : (ui.labels || {})[m];
      return text ? "“" + text.replace(/\s*\[[^\]]*\]\s*$/, "") + "”" : m;
    });
  }
  function flagOf(p) { return p.flag || (p.name === "config_json" ? "upload" : p.label); }
  // help that speaks of the page: the page's own line, else the CLI's without pointers to commands
  function helpOf(p) {
    const H = ui.help || {};
    if (H[kind.name + "." + p.name] || H[p.name]) return H[kind.name + "." + p.name] || H[p.name];
    return pageWords((p.help || "").replace(/\s*\((see|run) `costcurve [^`]*`\)/g, "").replace(/\s*\(?see `costcurve [^`]*`\)?/g, "")
      .replace(/ with --csv\b/, " below").trim());
  }
  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  const narrow = () => window.matchMedia("(max-width: 900px)").matches;

  function buildNav(page) {
    const nav = $("nav"); nav.innerHTML = "";
    for (const pg of spec.pages) {
      const a = el("a", { href: "/" + pg.id }, pg.title);
      if (pg.id === page) { a.className = "active"; a.setAttribute("aria-current", "page"); }
      nav.appendChild(a);
    }
    const ks = $("kinds"); ks.innerHTML = "";
    const list = kindsOf(page);
    if (list.length > 1) for (const k of list) {
      const b = el("button", { type: "button", role: "tab", "data-kind": k.name, "aria-selected": String(k.name === kind.name) }, k.title);
      if (k.name === kind.name) b.className = "active";
      b.addEventListener("click", () => { selectKind(k, new URLSearchParams(), true); });
      ks.appendChild(b);
    }
  }

  function datalistFor(p) {
    if (!ui.catalog) return null;
    let items = null;
    if (p.name === "gpu") items = ui.catalog.accelerators.map((a) => [a.name, `${a.vendor} · ${Math.round(a.memory_gib)} GiB · ${(a.peak_flop_per_s_16bit / 1e12).toFixed(0)} TFLOP/s`]);
    else if (p.name === "model") items = ui.catalog.models.map((m) => [m.name, m.kind + (m.params ? " · " + fmtCount(m.params) + " parameters" : "")]);
    else if (p.name === "name" && kind.page === "trends") items = ui.catalog.series.map((s) => [s.name, s.title]);
    else if (p.suggest && p.suggest.length) items = p.suggest.map((s) => [s, ""]);
    if (!items || !items.length) return null;
    const dl = el("datalist", { id: "dl-" + p.name });
    for (const [v, l] of items) { const o = el("option", { value: v }); if (l) o.label = l; dl.appendChild(o); }
    return dl;
  }
  function fmtCount(v) {
    for (const [s, x] of [[1e12, "T"], [1e9, "B"], [1e6, "M"], [1e3, "K"]]) if (v >= s) return (v / s).toPrecision(3).replace(/\.?0+$/, "") + x;
    return String(v);
  }

  function buildField(p, query) {
    const onOff = p.type === "flag" && p.default === null;  // an on/off pair whose default depends on the run
    const f = el("div", { class: "field" + (p.type === "flag" && !onOff ? " flag" : ""), id: "field-" + p.name });
    const id = "in-" + p.name, helpId = "help-" + p.name, errId = "err-" + p.name;
    const lab = el("label", { for: id });
    lab.appendChild(el("span", { class: "name" }, label(p) + (p.required ? " *" : "")));
    lab.appendChild(el("code", { class: "flag" }, flagOf(p)));
    let input;
    if (onOff) {
      f.appendChild(lab);
      input = el("select", { id, name: p.name });
      for (const [v, t] of [["", "(default)"], ["true", "on"], ["false", "off"]]) input.appendChild(el("option", { value: v }, t));
      const q = (query.get(p.name) || "").toLowerCase();
      input.value = q === "" ? "" : ["1", "true", "on", "yes"].includes(q) ? "true" : "false";
      f.appendChild(input);
    } else if (p.type === "flag") {
      input = el("input", { type: "checkbox", id, name: p.name });
      input.checked = ["1", "true", "on"].includes((query.get(p.name) || "").toLowerCase());
      f.appendChild(input); f.appendChild(lab);
    } else {
      f.appendChild(lab);
      if (p.type === "choice") {
        input = el("select", { id, name: p.name });
        if (p.default === null) input.appendChild(el("option", { value: "" }, "(default)"));
        for (const c of p.choices) input.appendChild(el("option", { value: c }, c));
        input.value = query.get(p.name) || (p.default === null ? "" : p.default);
      } else if (p.type === "file") {
        input = el("input", { type: "file", id, name: p.name, accept: p.name === "calibration" || p.name === "config_json" ? ".json" : ".csv" });
        if (p.name === "catalog") input.multiple = true;
        input.addEventListener("change", () => readFiles(p, input));
      } else {
        input = el("input", { type: "text", id, name: p.name, spellcheck: "false", inputmode: p.type === "int" ? "numeric" : "text" });
        if (p.default !== null && p.default !== undefined) input.placeholder = String(p.default);
        const v = p.type === "multi" ? query.getAll(p.name).join(", ") : query.get(p.name);
        if (v) input.value = v;
        const dl = datalistFor(p);
        if (dl) { f.appendChild(dl); input.setAttribute("list", dl.id); input.setAttribute("autocomplete", "off"); }
      }
      f.appendChild(input);
    }
    const help = helpOf(p);
    const dflt = p.default !== null && p.default !== false && p.default !== undefined && p.type !== "choice" ? " Default: " + p.default + "." : "";
    if (help || dflt) f.appendChild(el("div", { class: "help", id: helpId }, help + dflt));
    f.appendChild(el("div", { class: "err", id: errId }));
    input.setAttribute("aria-describedby", (help || dflt ? helpId + " " : "") + errId);
    if (p.required) input.setAttribute("aria-required", "true");
    input.addEventListener(p.type === "text" || p.type === "multi" || p.type === "int" || p.type === "float" ? "input" : "change", schedule);
    return f;
  }

  function isCore(p, example) {
    const core = ui.core && ui.core[kind.name];
    if (p.required || p.name in example) return true;
    if (core) return core.includes(p.name);
    return kind.params.indexOf(p) < 6;
  }

  function buildForm(query, example) {
    const box = $("fields"), more = $("more-fields"); box.innerHTML = ""; more.innerHTML = ""; files = {};
    let opened = false;
    for (const p of kind.params) {
      const f = buildField(p, query);
      if (isCore(p, example)) box.appendChild(f);
      else { more.appendChild(f); if (query.has(p.name)) opened = true; }
    }
    $("more").open = opened;
    $("more").hidden = !more.children.length;
  }

  function readFiles(p, input) {
    const list = Array.from(input.files || []);
    if (!list.length) { delete files[p.name]; schedule(); return; }
    Promise.all(list.map((f) => f.text())).then((texts) => {
      files[p.name] = p.name === "catalog" ? texts : texts[0]; schedule();
    });
  }

  // the options as the API takes them: only those that differ from the CLI's defaults
  function values() {
    const out = {};
    for (const p of kind.params) {
      if (p.type === "file") continue;
      const input = $("in-" + p.name);
      if (p.type === "flag" && input.tagName === "SELECT") { if (input.value) out[p.name] = input.value === "true"; continue; }
      if (p.type === "flag") { if (input.checked) out[p.name] = true; continue; }
      const v = input.value.trim();
      if (v === "" || (p.type === "choice" && v === p.default)) continue;
      out[p.name] = p.type === "multi" ? v.split(",").map((s) => s.trim()).filter(Boolean) : v;
    }
    return out;
  }
  function query(vals) {
    const q = new URLSearchParams();
    if (kindsOf(kind.page).length > 1) q.set("kind", kind.name);
    for (const [k, v] of Object.entries(vals)) {
      if (Array.isArray(v)) v.forEach((x) => q.append(k, x)); else q.set(k, v === true ? "1" : v);
    }
    return q;
  }

  function clearErrors() {
    document.querySelectorAll(".field.invalid").forEach((f) => f.classList.remove("invalid"));
    document.querySelectorAll(".field .err").forEach((e) => { e.textContent = ""; });
    document.querySelectorAll("[aria-invalid]").forEach((e) => e.removeAttribute("aria-invalid"));
    $("form-error").textContent = "";
  }
  // every error beside its field; the ones without a field of this form at the top; focus on the first
  function showErrors(errs, focus) {
    let first = null; const top = [];
    for (const { field, msg: raw } of errs) {
      const msg = errorWords(String(raw || ""));
      const box = field && $("field-" + field);
      if (box) {
        box.classList.add("invalid");
        const e = $("err-" + field); e.textContent = e.textContent ? e.textContent + " " + msg : msg;
        const input = $("in-" + field); input.setAttribute("aria-invalid", "true");
        if (box.closest("details")) box.closest("details").open = true;
        first = first || input;
      } else {
        const p = field && kind.params.find((x) => x.name === field);
        top.push((p ? label(p) + ": " : "") + msg);
      }
    }
    const n = errs.length;
    $("form-error").textContent = (n > 1 ? `${n} inputs need a fix. ` : "") + top.join(" ");
    if (first && focus) first.focus({ preventScroll: false });
    else if (first) first.scrollIntoView({ block: "nearest" });
    return first;
  }
  function errorsOf(data) {
    const out = [];
    const seen = new Set();
    for (const d of (data.detail || [])) {
      const loc = (d.loc || []).filter((x) => x !== "body");
      const field = loc.length ? String(loc[loc.length - 1]) : null;
      const key = field + "|" + d.msg;
      if (!seen.has(key)) { seen.add(key); out.push({ field, msg: d.msg }); }
    }
    if (!out.length) out.push({ field: data.field || null, msg: data.error || "error" });
    return out;
  }
  function missingRequired(vals) {
    return kind.params.filter((p) => p.required && vals[p.name] === undefined && !(p.name === "model" && files.config_json))
      .map((p) => ({ field: p.name, msg: "needed: " + (helpOf(p) || "fill this in") }));
  }

  async function post(path, body) {
    try {
      const r = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      return { ok: r.ok, data: await r.json() };
    } catch (e) { return { ok: false, data: { error: "the server did not answer (" + e + ")" } }; }
  }

  // the server reports the first bad option it meets; ask again without it (up to 3 times) to list the rest
  async function allErrors(body, first) {
    const errs = errorsOf(first);
    let b = Object.assign({}, body);
    for (let round = 0; round < 3; round++) {
      const bad = errs.map((e) => e.field).filter((f) => f && f in b);
      if (!bad.length) break;
      const req = new Set(kind.params.filter((p) => p.required).map((p) => p.name));
      for (const f of bad) { if (req.has(f)) b[f] = exampleValue(f); else delete b[f]; }
      if (bad.some((f) => b[f] === undefined && req.has(f))) break;
      const r = await post("/api/" + kind.name + "/view", b);
      if (r.ok) break;
      const more = errorsOf(r.data).filter((e) => !errs.some((x) => x.field === e.field));
      if (!more.length) break;
      errs.push(...more);
    }
    return errs;
  }
  function exampleValue(f) { return ((ui.examples || {})[kind.name] || {})[f]; }

  function schedule() { clearTimeout(timer); timer = setTimeout(() => compute(null, false), 450); }

  async function compute(ev, explicit) {
    if (ev) { ev.preventDefault(); explicit = true; }
    clearTimeout(timer);
    const vals = values(), q = query(vals), mine = ++seq;
    history.replaceState(null, "", "/" + kind.page + (q.toString() ? "?" + q : ""));
    const missing = missingRequired(vals);
    clearErrors();
    if (missing.length) {
      $("status").textContent = "Fill in the inputs marked * to compute.";
      if (explicit) showErrors(missing, true);
      return;
    }
    const body = Object.assign({}, vals, files);
    $("result").classList.add("busy"); $("status").textContent = "computing…";
    const r = await post("/api/" + kind.name + "/view", body);
    if (mine !== seq) return;  // a newer request is on its way
    $("result").classList.remove("busy");
    if (!r.ok) {
      const errs = await allErrors(body, r.data);
      if (mine !== seq) return;
      $("links").innerHTML = ""; $("output").innerHTML = ""; $("extras").innerHTML = "";
      $("status").textContent = errs.length > 1 ? `Fix the ${errs.length} inputs marked in red to compute.` : "Fix the input marked in red to compute.";
      expandForm(true);
      showErrors(errs, explicit || initial);
      initial = false;
      return;
    }
    $("status").textContent = "";
    $("output").innerHTML = r.data.html;
    const qs = query(vals); qs.delete("kind");
    const links = $("links"); links.innerHTML = "";
    links.appendChild(el("a", { href: "/report/" + kind.name + "?" + qs, target: "_blank", id: "report-link" }, "HTML report"));
    links.appendChild(el("a", { href: "/api/" + kind.name + "?" + qs, target: "_blank", id: "json-link" }, "JSON"));
    links.appendChild(el("a", { href: location.href, id: "share-link" }, "Link to this result"));
    if (Object.keys(files).length) links.appendChild(el("span", { class: "note" }, "(uploaded files are not part of links)"));
    window.costcurveCharts.render({ kind: kind.name, data: r.data.data, values: vals, output: $("output"),
                                    extras: $("extras"), links, catalog: ui.catalog, post });
    if ((explicit || initial) && narrow()) expandForm(false);  // the answer first; "Inputs" opens the form
    if (explicit && narrow()) $("result").scrollIntoView({ block: "start" });
    initial = false;
  }
  let initial = true;

  function expandForm(open) {
    $("form").classList.toggle("collapsed", !open);
    $("toggle-form").setAttribute("aria-expanded", String(open));
    $("toggle-form").textContent = open ? "Inputs" : "Inputs (tap to edit)";
  }

  function selectKind(k, q, userChose) {
    kind = k;
    $("title").textContent = k.title;
    document.title = k.title + " — costcurve";
    $("summary").textContent = k.summary;
    const given = [...q.keys()].some((x) => x !== "kind");
    const example = (ui.examples || {})[k.name] || {};
    if (!given) for (const [name, v] of Object.entries(example)) q.set(name, v);
    buildNav(k.page); buildForm(q, example);
    const note = $("example-note");
    note.hidden = given || !Object.keys(example).length;
    note.textContent = "An example, computed for you: change any input and the result follows.";
    expandForm(true);
    compute(null, false);
  }

  async function start() {
    const [s, c] = await Promise.all([fetch("/api/kinds").then((r) => r.json()),
                                      fetch("/api/catalog").then((r) => r.json()).catch(() => ({}))]);
    spec = s; ui = Object.assign({ labels: {}, help: {}, examples: {}, core: {} }, c); ui.catalog = c;
    const q = new URLSearchParams(location.search), page = pageOf();
    const list = kindsOf(page);
    const k = list.find((x) => x.name === q.get("kind")) || list[0];
    $("form").addEventListener("submit", compute);
    $("reset").addEventListener("click", () => selectKind(kind, new URLSearchParams(), true));
    $("toggle-form").addEventListener("click", () => expandForm($("form").classList.contains("collapsed")));
    selectKind(k, q, false);
  }
  start();
})();
