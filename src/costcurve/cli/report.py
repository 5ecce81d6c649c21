"""`costcurve report KIND [the options of KIND] --out FILE.html`: a self-contained HTML report."""

from __future__ import annotations

import click


class ReportGroup(click.Group):
    """One subcommand per report kind, with the input options of that kind's definition (built lazily)."""

    def list_commands(self, ctx):
        from costcurve.report.registry import KINDS

        return list(KINDS)

    def get_command(self, ctx, name):
        from costcurve.report.registry import KINDS, get_kind

        from .build import click_param

        if name not in KINDS:
            return None
        kind = get_kind(name)
        params = [click_param(o) for o in kind.command.inputs()]
        out = click.Option(["--out", "out"], required=True, type=click.Path(dir_okay=False),
                           help="HTML file to write (self-contained: opens from disk with no network).")
        return click.Command(name, params=[*params, out], callback=_make(name),
                             help=f"{kind.title} report: {kind.summary} Options as `costcurve {name}`.",
                             short_help=kind.summary)


def _make(kind_name):
    @click.pass_context
    def cb(ctx, out, **kw):
        from click.core import ParameterSource

        from costcurve.errors import CostcurveError
        from costcurve.report import report_html
        from costcurve.report.registry import get_kind, parameters, run_kind

        given = {k: v for k, v in kw.items() if ctx.get_parameter_source(k) is not ParameterSource.DEFAULT}
        try:
            run = run_kind(kind_name, given)
        except CostcurveError as e:
            flags = {p.name: p.flag or p.name.upper() for p in parameters(get_kind(kind_name))}
            msg = str(e)
            if e.field and msg.startswith(f"{e.field}: "):
                msg = msg[len(e.field) + 2:]
            raise CostcurveError(msg, field=flags.get(e.field, e.field)) from None
        try:
            with open(out, "w", encoding="utf-8") as f:
                f.write(report_html(run))
        except OSError as e:
            raise CostcurveError(f"cannot write {out!r}: {e.strerror}", field="--out") from None
        click.echo(f"report written to {out}")
        click.echo(f"reproduce: {run.command_line()}")
    return cb


@click.group(cls=ReportGroup)
def report():
    """Write a self-contained HTML report of a result: the answer, inputs and sources, breakdowns,
    uncertainty, trend context and the command that reproduces it.

    \b
    Examples:
      costcurve report train --model llama3-70b --tokens 15T --gpu h100 --gpus 4096 --out train.html
      costcurve report infer --model llama3-8b --gpu h100 --out serve.html
      costcurve report forecast gpt3-level --year 2030 --out gpt3.html
      costcurve report claims --out claims.html
    """
