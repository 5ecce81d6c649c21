"""Command line: parses, calls the library, renders. Subcommands load lazily so ``--help`` is fast.

Every user error (a :class:`costcurve.errors.CostcurveError`, or a bad option) becomes one line on
stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import importlib
import sys

import click

# name -> (module, attribute, one-line help), in the order of `costcurve --help`. Listing help never
# imports the command modules. A command generated from its definition (costcurve.commands) has no
# help here ("" ): its one line is the definition's summary.
COMMANDS = {
    "train": ("costcurve.cli.train", "train", ""),
    "plan": ("costcurve.cli.plan", "plan", ""),
    "infer": ("costcurve.cli.infer", "infer", ""),
    "deploy": ("costcurve.cli.deploy", "deploy", ""),
    "catalog": ("costcurve.cli.catalog", "catalog", "List the bundled catalogs: gpus, models, prices, presets, mfu."),
    "measure": ("costcurve.cli.measure", "measure", "Train a real model here: throughput, MFU, dollars; calibrate estimates."),
    "trend": ("costcurve.cli.trends", "trend", ""),
    "forecast": ("costcurve.cli.trends", "forecast", ""),
    "when": ("costcurve.cli.trends", "when", "The year a series falls below (or rises above) a value."),
    "backtest": ("costcurve.cli.trends", "backtest", "Hindcast the forecasts: log error and interval coverage."),
    "decompose": ("costcurve.cli.trends", "decompose", ""),
    "claims": ("costcurve.cli.trends", "claims", ""),
    "series": ("costcurve.cli.trends", "series", ""),
    "budget": ("costcurve.cli.decide", "budget", ""),
    "finetune": ("costcurve.cli.decide", "finetune", ""),
    "rent-vs-buy": ("costcurve.cli.decide", "rent_vs_buy", ""),
    "wait": ("costcurve.cli.decide", "wait", ""),
    "lifecycle": ("costcurve.cli.lifecycle", "lifecycle", ""),
    "posttrain": ("costcurve.cli.lifecycle", "posttrain", ""),
    "report": ("costcurve.cli.report", "report", "Write a self-contained HTML report of a result (train, plan, infer, forecast, claims, ...)."),
    "web": ("costcurve.cli.web", "web", "Run the local web calculator (pip install 'costcurve[web]')."),
}


def one_line(name: str) -> str:
    """The one-line help of a command: its definition's summary, else its COMMANDS entry."""
    from costcurve import commands

    if name not in COMMANDS or (not COMMANDS[name][2] and name in commands.names()):
        return commands.get(name).summary
    return COMMANDS[name][2]


def _defined_only() -> list[str]:
    """Commands that have a definition (costcurve.commands) but no COMMANDS entry: generated here."""
    from costcurve import commands

    return [n for n in commands.names() if n not in COMMANDS]


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        names = [n for n in COMMANDS if n not in ("report", "web")]
        return names + _defined_only() + [n for n in ("report", "web") if n in COMMANDS]

    def get_command(self, ctx, name):
        if name in COMMANDS:
            module, attr, _ = COMMANDS[name]
            return getattr(importlib.import_module(module), attr)
        if name in _defined_only():
            from costcurve.commands import get

            from .build import click_command

            return click_command(get(name))
        return None

    def format_commands(self, ctx, formatter):
        rows = [(name, one_line(name)) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def resolve_command(self, ctx, args):
        name = args[0] if args else None
        known = self.list_commands(ctx)
        if name is not None and name not in known and not name.startswith("-"):
            import difflib

            close = difflib.get_close_matches(name, known, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else f"; allowed: {', '.join(known)}"
            raise click.UsageError(f"unknown command {name!r}{hint}")
        resolved = super().resolve_command(ctx, args)
        ctx.meta["costcurve.command"] = resolved[1]
        return resolved

    def invoke(self, ctx):
        """Run the subcommand; a library error's ``field`` is mapped to the option the user typed."""
        from costcurve.errors import CostcurveError

        try:
            rv = super().invoke(ctx)
        except CostcurveError as e:
            e.option = option_for(ctx.meta.get("costcurve.command"), e.field)
            e.message = with_options(getattr(e, "message", None) or str(e), ctx.meta.get("costcurve.command"))
            raise
        from .common import folded_hint

        if folded_hint():  # something printed was folded to one line: say how to see it whole
            click.echo(folded_hint())
        return rv


def with_options(text: str, command) -> str:
    """The library's field names in backticks (```gpus``` , ```global_batch```) → the options of ``command``
    that set them (``--gpus``, ``--global-batch``); a name no option sets loses its backticks only."""
    import re

    if "`" not in text:
        return text
    return re.sub(r"`([A-Za-z_][A-Za-z0-9_]*)`", lambda m: option_for(command, m.group(1)) or m.group(1), text)


def option_for(command, field):
    """The option (``--latency-target``) of ``command`` whose parameter name is ``field``; else ``field``.

    Library parameters and click parameters share names (``max_time_per_output_token_s`` is the
    parameter of ``--latency-target``), so this mapping is the whole of the CLI's part in validation.
    """
    if not field or command is None:
        return field
    commands = [command, *getattr(command, "commands", {}).values()]
    for cmd in commands:
        for p in cmd.params:
            if p.name == field and p.opts:
                return max(p.opts, key=len) if isinstance(p, click.Option) else p.human_readable_name
    return field


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="costcurve")
def cli():
    """costcurve: what AI training and serving cost, and how fast that cost falls.

    \b
    Examples:
      costcurve train --model llama3.1-405b --gpu h100 --gpus 16384
      costcurve train --params 7B --tokens 2T --gpu a100 --days 30 --json
      costcurve catalog gpus
    """


def main(argv=None):
    """Entry point: run the CLI, turning user errors into one line and exit code 2."""
    import warnings

    from costcurve.errors import CostcurveError

    # numpy's overflow warnings from costcurve's own arithmetic: the library checks every result and
    # refuses a non-finite one in one line; the warning would add lines of its own before that line
    warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"costcurve(\.|$)")
    try:
        rv = cli.main(args=argv, prog_name="costcurve", standalone_mode=False)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.exceptions.Abort:
        click.echo("error: aborted", err=True)
        sys.exit(1)
    except click.UsageError as e:
        msg = e.format_message().splitlines()[0] if e.format_message() else str(e)
        cmd = e.ctx.command_path if e.ctx else "costcurve"
        click.echo(f"error: {msg} (see `{cmd} --help`)", err=True)
        sys.exit(2)
    except click.ClickException as e:
        click.echo(f"error: {e.format_message()}", err=True)
        sys.exit(e.exit_code)
    except CostcurveError as e:
        option = getattr(e, "option", None) or e.field
        message = getattr(e, "message", None) or str(e)
        text = f"{option}: {message}" if option and e.field else message
        click.echo(f"error: {' '.join(text.split())}", err=True)
        sys.exit(2)
    except BrokenPipeError:
        sys.exit(0)
    sys.exit(rv if isinstance(rv, int) else 0)
