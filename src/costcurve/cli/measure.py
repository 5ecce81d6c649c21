"""`costcurve measure`: train a real model here, report throughput, MFU and dollars; calibrate estimates."""

from __future__ import annotations

import contextlib
import sys

import click

from .common import catalog_option, emit_json, json_option, table, note_text

PRESET_NAMES = ("tiny", "small", "gpt2-124m")


@contextlib.contextmanager
def _progress(total: int, label: str, enabled: bool):
    """A rich progress bar on stderr (only on a terminal); yields ``advance(n)`` or None."""
    if not enabled or total <= 0 or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as p:
        task = p.add_task(label, total=total)
        yield lambda n=1: p.advance(task, n)


def _positive(value, option, kind):
    """A positive finite number typed for ``option``: ``kind`` plain, money (USD) or time (seconds)."""
    from costcurve.units import number_input

    return number_input(value, option, kind=kind)


@click.command()
@click.option("--preset", type=click.Choice(PRESET_NAMES), help="Model size [default: small on CPU, gpt2-124m on CUDA].")
@click.option("--layers", "n_layers", type=click.IntRange(min=1), help="Override the preset's number of layers.")
@click.option("--width", "d_model", type=click.IntRange(min=1), help="Override the preset's width (d_model).")
@click.option("--heads", "n_heads", type=click.IntRange(min=1), help="Override the preset's attention heads (must divide the width).")
@click.option("--seq-len", type=click.IntRange(min=1), help="Override the sequence length in tokens.")
@click.option("--batch", "batch_size", type=click.IntRange(min=1), help="Override the sequences per step (per device).")
@click.option("--vocab", "vocab_size", type=click.IntRange(min=1), help="Override the vocabulary size.")
@click.option("--device", "device", default="auto", show_default=True, help="auto, cpu, cuda or cuda:N.")
@click.option("--dtype", type=click.Choice(["auto", "fp32", "tf32", "bf16", "fp16"]), default="auto", show_default=True,
              help="auto: bf16 autocast on a GPU that has it (else fp16), fp32 on CPU.")
@click.option("--compile", "use_compile", is_flag=True, help="torch.compile the model (compile time falls in the warm-up).")
@click.option("--steps", type=click.IntRange(min=1), default=10, show_default=True, help="Timed training steps.")
@click.option("--warmup", type=click.IntRange(min=0), default=3, show_default=True, help="Untimed warm-up steps.")
@click.option("--data", "data_path", help="Text file to train on, one token per byte "
              "(default: synthetic tokens).")
@click.option("--lr", default="6e-4", show_default=True, help="AdamW learning rate (constant).")
@click.option("--price", "price_usd_per_hour", help="Hourly price of the machine's devices in USD (default: catalog price of a known GPU).")
@click.option("--accelerator", help="Catalog name of this device, when its name does not match (e.g. h100-sxm5).")
@click.option("--target-loss", help="Then train a fresh model until the validation loss [nats/token] reaches this.")
@click.option("--eval-interval", type=click.IntRange(min=1), default=25, show_default=True, help="Steps between evaluations.")
@click.option("--max-steps", type=click.IntRange(min=1), default=5000, show_default=True, help="Give up on the target after this many steps.")
@click.option("--max-time", "max_time_s", default="3600", show_default=True, help="Give up on the target after this long "
              "(seconds, or with a unit: 30min, 2h).")
@click.option("--write-calibration", help="Also time a grid of sizes and write a calibration profile (JSON).")
@click.option("--validate", "do_validate", is_flag=True, help="Calibrate, then predict and measure held-out configurations.")
@click.option("--calibration", help="With --validate: check this profile instead of calibrating anew.")
@click.option("--memory", "do_memory", is_flag=True, help="Trace the memory of one training step (FakeTensorMode + "
              "MemTracker, no GPU needed) and compare it with the formulas.")
@click.option("--model", help="With --memory: a catalog architecture to trace (shrink it with --layers, --width, ...).")
@click.option("--kv-heads", "n_kv_heads", type=click.IntRange(min=1), help="With --memory: key-value heads (GQA/MQA).")
@click.option("--ffn", "ffn_dim", type=click.IntRange(min=1), help="With --memory: MLP intermediate size.")
@click.option("--precision", type=click.Choice(["mixed", "fp32"]), default="mixed", show_default=True,
              help="With --memory: mixed = bf16 weights/grads/activations + fp32 Adam state (2+2+12 bytes/param).")
@click.option("--real", is_flag=True, help="With --memory: run the step for real on the CPU instead of with fake tensors.")
@click.option("--seed", type=int, default=0, show_default=True)
@catalog_option
@json_option
def measure(preset, n_layers, d_model, n_heads, seq_len, batch_size, vocab_size, device, dtype, use_compile, steps, warmup,
            data_path, lr, price_usd_per_hour, accelerator, target_loss, eval_interval, max_steps, max_time_s,
            write_calibration, do_validate, calibration, do_memory, model, n_kv_heads, ffn_dim, precision, real, seed,
            catalog, as_json):
    """Train a real decoder-only transformer on this machine and report what it achieved and cost.

    Reports tokens/s, step time, achieved FLOP/s (costcurve's count, cross-checked against PyTorch's
    FlopCounterMode), MFU against the catalog peak and a measured GEMM peak, peak memory and dollars.

    \b
    Examples:
      costcurve measure --preset tiny --steps 20
      costcurve measure --price 2.50 --json
      costcurve measure --data input.txt --target-loss 2.0 --price 0.10
      costcurve measure --write-calibration cpu.json
      costcurve measure --validate --json
    """
    from costcurve.measure import require_torch

    require_torch()
    from costcurve.measure import config, run
    from costcurve.measure import device as devices

    sizes = {"n_layers": n_layers, "d_model": d_model, "n_heads": n_heads, "seq_len": seq_len,
             "batch_size": batch_size, "vocab_size": vocab_size}
    if do_memory:
        return _memory(preset, model, sizes, n_kv_heads, ffn_dim, precision, real, catalog, as_json)
    lr_v = _positive(lr, "lr", "plain")
    price_v = _positive(price_usd_per_hour, "price_usd_per_hour", "money")
    target_v = _positive(target_loss, "target_loss", "plain")
    max_time_v = _positive(max_time_s, "max_time_s", "time")
    _check_run_options(dict(model=model, n_kv_heads=n_kv_heads, ffn_dim=ffn_dim, real=real or None), calibration,
                       do_validate, target_v, write_calibration)
    if write_calibration:
        from costcurve.calibration import check_writable

        check_writable(write_calibration)  # before minutes of timing, not after
    dev = devices.pick_device(device)
    dt = devices.pick_dtype(dtype, dev)
    show = not as_json and run.is_main_process()
    if do_validate:
        return _validate(dev, dt, calibration, write_calibration, accelerator, catalog, as_json, show)

    shape = config.resolve_shape(preset, dev.type, **sizes)
    with _progress(warmup + steps, f"training {shape.label()}", show) as adv:
        res = run.measure(shape, device=str(dev), dtype=dt, steps=steps, warmup=warmup, compile=use_compile,
                          data_path=data_path, price_usd_per_hour=price_v, accelerator=accelerator,
                          catalog=list(catalog) or None, lr=lr_v, seed=seed, progress=adv)
    if target_v is not None:
        with _progress(max_steps, f"training to validation loss {target_v:g}", show) as adv:
            res.target = run.measure_time_to_target(
                shape, target_v, device=dev, dtype=dt, data_path=data_path, compile=use_compile, lr=lr_v, seed=seed,
                eval_interval=eval_interval, max_steps=max_steps, max_time_s=max_time_v,
                price_usd_per_hour=res.price_usd_per_hour, progress=adv)
    profile_path = None
    if write_calibration:
        profile_path = _write_profile(res, dev, dt, write_calibration, catalog, show)
    if run.is_main_process():
        _report(res, profile_path, as_json)


def _check_run_options(memory_only: dict, calibration, do_validate, target_v, write_calibration):
    """Refuse options that belong to --memory or --validate, or that cannot run under torchrun."""
    import os

    from costcurve.errors import InputError

    for name, value in memory_only.items():
        if value is not None:
            raise InputError("is an option of --memory", field=name)
    if calibration and not do_validate:
        raise InputError("is read by --validate here (and by `costcurve train --calibration`)", field="calibration")
    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and (target_v or write_calibration or do_validate):
        raise InputError("--target-loss, --write-calibration and --validate run in one process; launch without torchrun",
                         field="WORLD_SIZE")


def _report(res, profile_path, as_json):
    """Print the measurement (table or JSON) and where a calibration profile was written."""
    if as_json:
        out = res.to_dict()
        if profile_path:
            out["calibration_written"] = profile_path
        emit_json(out)
        return
    render(res)
    if profile_path:
        from costcurve.files import printable

        print(f"calibration profile written to {printable(profile_path)}")


def _memory(preset, model, sizes, n_kv_heads, ffn_dim, precision, real, catalog, as_json):
    from costcurve.measure import config
    from costcurve.measure import traced_memory as memory

    if model:
        from costcurve.catalog import load_catalog

        base = load_catalog(list(catalog) or None).architecture(model)
        arch = memory.small_architecture(base, n_layers=sizes["n_layers"], d_model=sizes["d_model"],
                                         n_heads=sizes["n_heads"], n_kv_heads=n_kv_heads, ffn_dim=ffn_dim,
                                         vocab_size=sizes["vocab_size"])
        seq, b = sizes["seq_len"] or min(arch.context_length, 1024), sizes["batch_size"] or 1
    else:
        shape = config.resolve_shape(preset, "cpu", **sizes)
        arch = memory.small_architecture(config.architecture(shape, name=preset or config.DEFAULT_PRESET["cpu"]),
                                         n_kv_heads=n_kv_heads, ffn_dim=ffn_dim)
        seq, b = shape.seq_len, shape.batch_size
    out = memory.memory_check(arch, seq_len=seq, batch_size=b, precision=precision, fake=not real)
    if as_json:
        emit_json(out)
        return
    render_memory(out)


def render_memory(out: dict) -> None:
    """Print traced vs formula memory per component."""
    a = out["architecture"]

    def mib(x):
        return "n/a" if x is None else f"{x / 2**20:,.2f}"

    rows = [(k, mib(c["traced_bytes"]), mib(c["formula_bytes"]), "n/a" if c["ratio"] is None else f"{c['ratio']:.4f}")
            for k, c in out["comparison"].items()]
    title = (f"Training-step memory of {a['name']} ({out['params']:,} parameters; {a['n_layers']} layers × {a['d_model']}, "
             f"{a['n_heads']}/{a['n_kv_heads']} heads, {a['ffn_type']} MLP {a['ffn_dim']}), batch {out['batch_size']} × "
             f"{out['seq_len']} tokens, {out['precision']} precision, {out['tracer']}")
    table(title, ["component", "traced MiB", "formula MiB", "traced/formula"], rows, justify_right=(1, 2, 3))
    print(f"formula: {out['formula_source']}")


def _write_profile(res, dev, dt, path, catalog, show):
    from costcurve.calibration import save_profile
    from costcurve.measure import validate

    with _progress(len(validate.grid(dev, "calibration")), "calibrating", show) as adv:
        prof = validate.calibrate_device(dev, dt, catalog=list(catalog) or None, measured=res, progress=adv)
    save_profile(prof, path)
    return str(path)


def _validate(dev, dt, calibration, write_calibration, accelerator, catalog, as_json, show):
    from costcurve.calibration import save_profile
    from costcurve.measure import validate

    with contextlib.ExitStack() as stack:
        cal = None if calibration else stack.enter_context(
            _progress(len(validate.grid(dev, "calibration")), "calibrating", show))
        val = stack.enter_context(_progress(len(validate.grid(dev, "validation")), "validating", show))
        prof, out = validate.calibrate_and_validate(dev, dt, calibration=calibration, accelerator=accelerator,
                                                    catalog=list(catalog) or None, calibrate_progress=cal,
                                                    validate_progress=val)
    if write_calibration and not calibration:
        save_profile(prof, write_calibration)
    if as_json:
        emit_json(out)
        return
    render_validation(out, dt)


def render_validation(out: dict, dt: str) -> None:
    """Print a validation report: the fitted model and predicted vs measured step times."""
    from costcurve.units import format_si

    m = out["model"]
    print(f"device: {out['device']} ({dt}), measured GEMM peak {format_si(out['measured_peak_flop_per_s'], 'FLOP/s')}")
    print(f"fitted on {len(out['calibration_runs'])} runs: step time = (F_dense·({m['u']:.3g} + {m['v']:.3g}/d) + "
          f"F_attn·{m['w']:.3g})/P + {m['c_layer_s'] * 1e3:.3g} ms·L + {m['c_step_s'] * 1e3:.3g} ms")
    rows = [(r["label"], f"{r['training_flop_per_step']:.3g}", f"{r['predicted_step_time_s'] * 1e3:,.1f}",
             f"{r['step_time_s'] * 1e3:,.1f}", f"{r['error']:+.1%}", "held out" if r["held_out"] else "fitted")
            for r in out["runs"]]
    table("Predicted vs measured step time (held-out configurations)",
          ["model", "FLOP/step", "predicted ms", "measured ms", "error", "set"], rows, justify_right=(1, 2, 3, 4))
    print(f"median |error| {out['median_abs_error']:.1%}, max {out['max_abs_error']:.1%}")


def render(res) -> None:
    """Print a measurement as a table."""
    from costcurve.units import format_si, format_usd

    s = res.shape
    def pct(x):
        return "n/a (device not in the catalog)" if x is None else f"{x:.1%}"

    device = (f"{res.device}" + (f" = {res.accelerator}" if res.accelerator else "") + f", {res.dtype}"
              + (", compiled" if res.compiled else "") + (f", {res.world_size} processes" if res.world_size > 1 else ""))
    rows = [
        ("device", device),
        ("model", (f"{s['n_layers']} layers × {s['d_model']} wide, {s['n_heads']} heads, vocab {s['vocab_size']}: "
                   f"{format_si(res.params)} parameters (PyTorch: {res.params_torch:,})")),
        ("batch", f"{s['batch_size']} × {s['seq_len']} tokens ({res.data})"),
        ("step time", (f"{res.step_time_s * 1e3:,.1f} ms mean, {res.step_time_median_s * 1e3:,.1f} ms median "
                       f"({res.steps} steps after {res.warmup_steps} warm-up)")),
        ("throughput", f"{res.tokens_per_second:,.0f} tokens/s"),
        ("training FLOP per step", (f"{res.training_flop_per_step:.4g} (costcurve); FlopCounterMode ratio "
                                    f"{res.flop_counter_ratio:.3f}, weights only {res.flop_counter_ratio_matmul:.3f}")),
        ("achieved", format_si(res.achieved_flop_per_s, "FLOP/s")),
        ("MFU vs measured GEMM peak", f"{res.mfu_vs_measured_peak:.1%} of {format_si(res.measured_peak_flop_per_s, 'FLOP/s')}"),
        ("MFU vs catalog peak", pct(res.mfu_vs_catalog_peak)
         + (f" of {format_si(res.catalog_peak_flop_per_s, 'FLOP/s')}" if res.catalog_peak_flop_per_s else "")),
        ("peak memory", f"{res.peak_memory_bytes / 2**30:.2f} GiB ({res.peak_memory_kind})"),
        ("loss", f"{res.loss_first:.3f} → {res.loss_last:.3f} nats/token"),
    ]
    if res.usd is not None:
        rows.append(("cost", (f"{format_usd(res.usd)} for the timed steps at ${res.price_usd_per_hour:.2f}/h; "
                              f"{format_usd(res.usd_per_million_tokens)} per million tokens")))
    else:
        rows.append(("cost", res.price_source))
    t = res.target
    if t:
        state = "reached" if t["reached"] else "NOT reached"
        cost = f", {format_usd(t['usd'])}" if t["usd"] is not None else ""
        rows.append((f"time to val loss {t['target_loss']:g}",
                     f"{state} after {t['steps']:,} steps, {t['wall_s']:,.1f} s{cost} (val loss {t['val_loss']:.3f})"))
    table("Measured training run", ["figure", "value"], rows)
    for n in res.notes:
        print(f"note: {note_text(n)}")
