// costcurve web calculator: builds the forms from /api/kinds (the CLI's own options and defaults),
// keeps the inputs in the URL, and shows what the server computed. Nothing is computed here.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  let spec = null, kind = null, files = {}, timer = null, seq = 0;

  function pageOf() {
    const p = location.pathname.replace(/^\/+|\/+$/g, "");
    return spec.pages.some((x) => x.id === p) ? p : spec.pages[0].id;
  }
  function kindsOf(page) { return spec.kinds.filter((k) => k.page === page); }
  function label(p) { return p.label || p.flag || p.name; }
  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function buildNav(page) {
    const nav = $("nav"); nav.innerHTML = "";
    for (const pg of spec.pages) {
      const a = el("a", { href: "/" + pg.id }, pg.title);
      if (pg.id === page) a.className = "active";
      nav.appendChild(a);
    }
    const ks = $("kinds"); ks.innerHTML = "";
    const list = kindsOf(page);
    if (list.length > 1) for (const k of list) {
      const b = el("button", { type: "button", role: "tab", "data-kind": k.name }, k.title);
      if (k.name === kind.name) b.className = "active";
      b.addEventListener("click", () => { selectKind(k, new URLSearchParams()); });
      ks.appendChild(b);
    }
  }

  function buildForm(query) {
    const box = $("fields"); box.innerHTML = ""; files = {};
    for (const p of kind.params) {
      const f = el("div", { class: "field" + (p.type === "flag" ? " flag" : ""), id: "field-" + p.name });
      const id = "in-" + p.name;
      let input;
      if (p.type === "flag") {
        input = el("input", { type: "checkbox", id, name: p.name });
        input.checked = ["1", "true", "on"].includes((query.get(p.name) || "").toLowerCase());
        f.appendChild(input); f.appendChild(el("label", { for: id }, label(p)));
      } else {
        f.appendChild(el("label", { for: id }, label(p) + (p.required ? " *" : "")));
        if (p.type === "choice") {
          input = el("select", { id, name: p.name });
          if (p.default === null) input.appendChild(el("option", { value: "" }, "(not set)"));
          for (const c of p.choices) input.appendChild(el("option", { value: c }, c));
          input.value = query.get(p.name) || (p.default === null ? "" : p.default);
        } else if (p.type === "file") {
          input = el("input", { type: "file", id, name: p.name, accept: p.name === "calibration" || p.name === "config_json" ? ".json" : ".csv" });
          if (p.name === "catalog") input.multiple = true;
          input.addEventListener("change", () => readFiles(p, input));
        } else {
          input = el("input", { type: "text", id, name: p.name, spellcheck: "false" });
          if (p.default !== null && p.default !== undefined) input.placeholder = String(p.default);
          const v = p.type === "multi" ? query.getAll(p.name).join(", ") : query.get(p.name);
          if (v) input.value = v;
          if (p.suggest && p.suggest.length) {
            const dl = el("datalist", { id: "dl-" + p.name });
            for (const s of p.suggest) dl.appendChild(el("option", { value: s }));
            f.appendChild(dl); input.setAttribute("list", "dl-" + p.name);
          }
        }
        f.appendChild(input);
      }
      if (p.help) f.appendChild(el("div", { class: "help" }, p.help + (p.default !== null && p.default !== false && p.type !== "choice" ? " Default: " + p.default + "." : "")));
      f.appendChild(el("div", { class: "err", id: "err-" + p.name, role: "alert" }));
      input.addEventListener(p.type === "text" || p.type === "multi" || p.type === "int" || p.type === "float" ? "input" : "change", schedule);
      box.appendChild(f);
    }
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
  function ready(vals) { return kind.params.every((p) => !p.required || vals[p.name] !== undefined); }

  function clearErrors() {
    document.querySelectorAll(".field.invalid").forEach((f) => f.classList.remove("invalid"));
    document.querySelectorAll(".field .err").forEach((e) => { e.textContent = ""; });
    $("form-error").textContent = "";
  }
  function showError(field, msg) {
    const box = field && $("field-" + field);
    if (box) { box.classList.add("invalid"); $("err-" + field).textContent = msg; }
    else {  // not a field of this form: name the option as the CLI spells it
      const p = field && kind.params.find((x) => x.name === field);
      $("form-error").textContent = (p ? label(p) + ": " : "") + msg;
    }
  }

  function schedule() { clearTimeout(timer); timer = setTimeout(compute, 450); }

  async function compute(ev) {
    if (ev) ev.preventDefault();
    clearTimeout(timer);
    const vals = values(), q = query(vals), mine = ++seq;
    history.replaceState(null, "", "/" + kind.page + (q.toString() ? "?" + q : ""));
    if (!ready(vals)) { $("status").textContent = "Fill in the options marked * to compute."; return; }
    const body = Object.assign({}, vals, files);
    clearErrors();
    $("result").classList.add("busy"); $("status").textContent = "computing…";
    let r, data;
    try {
      r = await fetch("/api/" + kind.name + "/view", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      data = await r.json();
    } catch (e) { data = { error: "the server did not answer (" + e + ")" }; r = { ok: false }; }
    if (mine !== seq) return;  // a newer request is on its way
    $("result").classList.remove("busy");
    if (!r.ok) {
      $("links").innerHTML = ""; $("output").innerHTML = "";
      $("status").textContent = data.field ? "Fix the option marked in red to compute." : "";
      showError(data.field, data.error || "error"); return;
    }
    $("status").textContent = "";
    $("output").innerHTML = data.html;
    const qs = query(vals); qs.delete("kind");
    const links = $("links"); links.innerHTML = "";
    links.appendChild(el("a", { href: "/report/" + kind.name + "?" + qs, target: "_blank", id: "report-link" }, "HTML report"));
    links.appendChild(el("a", { href: "/api/" + kind.name + "?" + qs, target: "_blank", id: "json-link" }, "JSON"));
    links.appendChild(el("a", { href: location.href, id: "share-link" }, "Link to this result"));
    if (Object.keys(files).length) links.appendChild(el("span", { class: "note" }, "(uploaded files are not part of links)"));
  }

  function selectKind(k, q) {
    kind = k;
    $("summary").textContent = k.summary;
    buildNav(k.page); buildForm(q);
    compute();
  }

  async function start() {
    spec = await (await fetch("/api/kinds")).json();
    const q = new URLSearchParams(location.search), page = pageOf();
    const list = kindsOf(page);
    const k = list.find((x) => x.name === q.get("kind")) || list[0];
    $("form").addEventListener("submit", compute);
    $("reset").addEventListener("click", () => selectKind(kind, new URLSearchParams()));
    selectKind(k, q);
  }
  start();
})();
