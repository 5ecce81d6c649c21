"""`costcurve catalog`: list the bundled (and user) catalogs."""

from __future__ import annotations

import click

from .common import catalog_option, emit_json, json_option, table


def _cat(paths):
    from costcurve.catalog import load_catalog

    return load_catalog(list(paths) or None)


@click.group()
def catalog():
    """List the bundled catalogs (add your own rows with --catalog or COSTCURVE_CATALOG)."""


@catalog.command("gpus")
@catalog_option
@json_option
def gpus(catalog, as_json):
    """Accelerators: dense peak FLOP/s, memory, bandwidth, power, price."""
    cat = _cat(catalog)
    accs = sorted(cat.accelerators.values(), key=lambda a: (a.release_date, a.name))
    if as_json:
        emit_json([{
            "name": a.name, "aliases": list(a.aliases), "vendor": a.vendor, "generation": a.generation,
            "release_date": a.release_date.isoformat(), "peak_flop_per_s_fp32": a.peak_flop_per_s_fp32,
            "peak_flop_per_s_tf32": a.peak_flop_per_s_tf32, "peak_flop_per_s_fp16": a.peak_flop_per_s_fp16,
            "peak_flop_per_s_bf16": a.peak_flop_per_s_bf16, "peak_flop_per_s_fp8": a.peak_flop_per_s_fp8,
            "half_dtype": a.half_dtype, "memory_bytes": a.memory_bytes,
            "memory_bandwidth_bytes_per_s": a.memory_bandwidth_bytes_per_s, "interconnect_bytes_per_s": a.interconnect_bytes_per_s,
            "tdp_w": a.tdp_w, "price_usd": a.price_usd, "unknown": a.unknown or None, "source": a.source} for a in accs])
        return

    def t(x):
        if x is None:
            return ""
        v = x / 1e12
        return f"{v:,.0f}" if v >= 100 else f"{v:.1f}" if v >= 1 else f"{v:.3g}"

    table(f"Accelerators ({len(accs)}): dense peak TFLOP/s, blank where the chip has no such arithmetic",
          ["name", "released", "bf16", "fp16", "fp8", "tf32", "fp32", "mem GiB", "GB/s", "W", "price USD"],
          [(a.name, a.release_date.isoformat(), t(a.peak_flop_per_s_bf16), t(a.peak_flop_per_s_fp16), t(a.peak_flop_per_s_fp8),
            t(a.peak_flop_per_s_tf32), t(a.peak_flop_per_s_fp32), f"{a.memory_bytes / 2**30:,.0f}",
            f"{a.memory_bandwidth_bytes_per_s / 1e9:,.0f}", "unknown" if a.tdp_w is None else f"{a.tdp_w:,.0f}",
            "unknown" if a.price_usd is None else f"{a.price_usd:,.0f}") for a in accs],
          justify_right=range(2, 11))
    for a in accs:
        if a.unknown:
            print(f"unknown for {a.name}: {a.unknown}")


@catalog.command("prices")
@click.option("--gpu", help="Only this accelerator.")
@catalog_option
@json_option
def prices(gpu, catalog, as_json):
    """Dated hourly cloud prices per accelerator (on-demand, spot, 1-year, 3-year)."""
    cat = _cat(catalog)
    qs = cat.prices
    if gpu:
        name = cat.accelerator(gpu).name
        qs = [q for q in qs if q.gpu == name]
    qs = sorted(qs, key=lambda q: (q.gpu, q.date_observed, q.provider))
    if as_json:
        emit_json([{"gpu": q.gpu, "provider": q.provider, "date_observed": q.date_observed.isoformat(), "kind": q.kind,
                    "offer": q.offer, "price_usd_per_gpu_hour": q.price_usd_per_gpu_hour, "instance": q.instance,
                    "source": q.source} for q in qs])
        return
    table(f"Cloud prices ({len(qs)})", ["gpu", "provider", "observed", "kind", "offer", "USD/GPU-hour", "instance"],
          [(q.gpu, q.provider, q.date_observed.isoformat(), q.kind, q.offer or "", f"{q.price_usd_per_gpu_hour:.2f}",
            q.instance or "") for q in qs], justify_right=(5,))


@catalog.command("models")
@catalog_option
@json_option
def models(catalog, as_json):
    """Notable trained models: date, parameters, tokens, training FLOP, hardware, cost."""
    cat = _cat(catalog)
    ms = sorted(cat.models.values(), key=lambda m: m["publication_date"])
    if as_json:
        emit_json([{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in m.items()} for m in ms])
        return

    def g(x, fmt="{:.3g}"):
        return "" if x is None else fmt.format(x)

    table(f"Models ({len(ms)})", ["name", "date", "params", "tokens", "FLOP", "hardware", "cost USD", "MMLU"],
          [(m["name"], m["publication_date"].isoformat(), g(m["params_total"]), g(m["training_tokens"]), g(m["training_flop"]),
            f"{m['hardware_count'] or ''}× {m['hardware']}" if m["hardware"] else "", g(m["cost_usd_reported"], "{:,.0f}"),
            g(m["mmlu_5shot"], "{:.1f}")) for m in ms], justify_right=(2, 3, 4, 6, 7))


@catalog.command("presets")
@catalog_option
@json_option
def presets(catalog, as_json):
    """Architecture presets with their parameter counts (computed vs published)."""
    from costcurve.architecture import count_params

    cat = _cat(catalog)
    archs = list(cat.architectures.values())
    rows = []
    for a in archs:
        rows.append({"name": a.name, "aliases": list(a.aliases), "attention": a.attention_kind, "n_layers": a.n_layers,
                     "d_model": a.d_model, "params_total": count_params(a), "params_active": count_params(a, active=True),
                     "published_params_total": a.published_params_total, "published_params_active": a.published_params_active,
                     "source": a.source})
    if as_json:
        emit_json(rows)
        return
    table(f"Architecture presets ({len(rows)})", ["name", "attention", "layers", "d_model", "params", "active", "published"],
          [(r["name"], r["attention"], r["n_layers"], r["d_model"], f"{r['params_total'] / 1e9:,.2f}B",
            f"{r['params_active'] / 1e9:,.2f}B", "" if r["published_params_total"] is None else f"{r['published_params_total'] / 1e9:,.2f}B")
           for r in rows], justify_right=(2, 3, 4, 5, 6))


@catalog.command("mfu")
@catalog_option
@json_option
def mfu(catalog, as_json):
    """Published runs behind the default MFU model, with the fitted value for each."""
    from costcurve.training.efficiency import default_mfu_model, era_of

    cat = _cat(catalog)
    model = default_mfu_model(cat, fp8=True)
    rows = []
    for r in cat.mfu_runs:
        acc = cat.accelerator(r["accelerator"])
        fit = (model.predict(era_of(acc.generation, acc.release_date.year), r["n_accelerators"], r["params"], r["dtype"] == "fp8")
               if r["n_accelerators"] else None)
        rows.append({**{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()}, "mfu_fitted": fit})
    if as_json:
        emit_json({"model": model.to_dict(), "runs": rows})
        return
    table(f"MFU of published runs ({len(rows)}) and the default model's fit", ["run", "accelerator", "n", "params", "dtype", "MFU", "fitted"],
          [(r["run"], r["accelerator"], f"{r['n_accelerators']:,}" if r["n_accelerators"] else "n/a", f"{r['params']:.3g}", r["dtype"], f"{r['mfu']:.3f}",
            "not fitted" if r["mfu_fitted"] is None else f"{r['mfu_fitted']:.3f}") for r in rows], justify_right=(2, 3, 5, 6))
    d = model.to_dict()
    print(f"fit: {d['formula']}; n={d['n_runs']}, rms log error {d['rmse_log']:.3f}, "
          f"leave-one-out median |error| {d['loo_median_abs_rel_error']:.1%}")
