"""Shared options and rendering for the CLI commands."""

from __future__ import annotations

import json
import math
import sys

import click

catalog_option = click.option(
    "--catalog", "catalog", multiple=True, type=click.Path(dir_okay=False),
    help="CSV of extra or overriding catalog rows (repeatable; also COSTCURVE_CATALOG).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")


def emit_json(obj) -> None:
    """Print ``obj`` as JSON (NaN becomes null)."""
    click.echo(json.dumps(_clean(obj), indent=2, default=str))


def _clean(v):
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if hasattr(v, "item") and getattr(v, "ndim", 1) == 0:
        return _clean(v.item())
    if hasattr(v, "tolist"):
        return _clean(v.tolist())
    return v


def console():
    """A rich console on stdout (imported lazily)."""
    from rich.console import Console

    return Console(file=sys.stdout, soft_wrap=False, width=None if sys.stdout.isatty() else 110)


def table(title: str, columns, rows, *, justify_right=()):
    """Print a rich table: ``columns`` names, ``rows`` lists of strings."""
    from rich.markup import escape
    from rich.table import Table

    t = Table(title=escape(title), title_justify="left", header_style="bold")
    for i, c in enumerate(columns):
        t.add_column(escape(c), justify="right" if i in justify_right else "left", overflow="fold")
    for r in rows:
        t.add_row(*[escape(str(x)) for x in r])
    console().print(t)
