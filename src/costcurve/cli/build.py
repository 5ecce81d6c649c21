"""Click commands generated from command definitions (:mod:`costcurve.commands`).

The generated command has the definition's options (same flags, help, defaults and click types),
calls ``compute`` once and hands the Outcome to the command's terminal renderer
(``costcurve.cli.<module>:show``), which prints a table or the JSON. A renderer may carry a
``check(values, outputs)`` function, run before ``compute`` (to refuse an output option early).
"""

from __future__ import annotations

import importlib
import sys

import click

from costcurve.commands.spec import Command, Option


def resolve(ref: str):
    """``"module:function"`` → the function (imported now)."""
    module, attr = ref.split(":")
    return getattr(importlib.import_module(module), attr)


def click_param(o: Option) -> click.Parameter:
    """The click option (or argument) of an option definition."""
    if not o.flags:
        t = click.Path(dir_okay=False) if o.kind == "file" else None
        return click.Argument([o.name], required=o.required, default=o.default, metavar=o.metavar, type=t)
    kw = {"help": o.help or None}
    if o.secondary is not None:
        return click.Option([f"{o.flag}/{o.secondary}", o.name], default=o.default, show_default=o.show_default, **kw)
    if o.kind == "flag":
        return click.Option([*o.flags, o.name], is_flag=True, **kw)
    if o.kind in ("file", "output"):
        t = click.Path(dir_okay=False)
    elif o.kind == "choice":
        t = click.Choice(list(o.choices))
    elif o.parse == "int":
        t = click.INT
    elif o.parse == "float":
        t = click.FLOAT
    else:
        t = None
    return click.Option([*o.flags, o.name], type=t, default=o.default, show_default=o.show_default,
                        required=o.required, multiple=o.multiple, **kw)


def click_command(cmd: Command, *, extra=(), callback=None) -> click.Command:
    """The click command of ``cmd`` (``extra``: more click parameters, e.g. report's ``--out``)."""
    from .common import verbose_param

    params = [click_param(o) for o in cmd.options]
    return click.Command(cmd.name, params=[*params, verbose_param(), *extra], callback=callback or _callback(cmd), help=cmd.help,
                         short_help=cmd.summary)


def _callback(cmd: Command):
    @click.pass_context
    def run(ctx, **kw):
        outputs = {o.name: kw.pop(o.name) for o in cmd.options if o.is_output}
        if outputs.get("plot") is not None:
            from .common import check_plot_path

            check_plot_path(outputs["plot"])
        values = {k: v for k, v in kw.items() if ctx.get_parameter_source(k) is not click.core.ParameterSource.DEFAULT}
        show = resolve(cmd.terminal)
        if hasattr(show, "check"):  # a renderer's own refusal of its outputs, before any work
            show.check(values, outputs)
        if cmd.progress:
            from .common import progress

            update, close = progress(sys.stderr.isatty() and not outputs.get("as_json"))
            try:
                result = cmd.run(values, progress=update)
            finally:
                close()
        else:
            result = cmd.run(values)
        return show(result, **outputs)

    return run


def show_generic(result, *, as_json: bool = False, **_outputs) -> None:
    """The terminal renderer of a command without its own: the JSON, or a table of its figures in their
    units (:mod:`costcurve.display`) and its notes."""
    from costcurve.commands import get
    from costcurve.display import format_value

    from .common import emit_json, notes, table

    d = result.data
    if as_json or not isinstance(d, dict):
        emit_json(d)
        return
    fields = get(result.command).fields if result.command in _known() else ()
    rows = [(k.replace("_", " "), format_value(k, v, fields)) for k, v in d.items()
            if (isinstance(v, (int, float)) and not isinstance(v, bool)) or (isinstance(v, dict) and "p50" in v)]
    rows += [(k.replace("_", " "), v) for k, v in d.items() if isinstance(v, str)]
    table(f"costcurve {result.command}", ["figure", "value"], rows)
    notes(d.get("notes") or ())


def _known():
    from costcurve.commands import names

    return names()
