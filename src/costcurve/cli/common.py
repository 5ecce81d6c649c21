"""Shared options and rendering for the CLI commands."""

from __future__ import annotations

import json
import sys

import click

catalog_option = click.option(
    "--catalog", "catalog", multiple=True, type=click.Path(dir_okay=False),
    help="CSV of extra or overriding catalog rows (repeatable; also COSTCURVE_CATALOG).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
calibration_option = click.option("--calibration", type=click.Path(dir_okay=False),
                                  help="Calibration profile from `costcurve measure`.")


def _stack(*decorators):
    def apply(f):
        for d in reversed(decorators):
            f = d(f)
        return f
    return apply


#: --price, --provider, --price-kind, --date: how the hourly price is chosen (train and infer)
price_options = _stack(
    click.option("--price", "price", help="Rental price in USD per accelerator-hour; default: catalog median near --date."),
    click.option("--provider", help="Take catalog prices from this provider only (e.g. aws, lambda)."),
    click.option("--price-kind", type=click.Choice(["on-demand", "spot", "1-year", "3-year"]), default="on-demand",
                 show_default=True),
    click.option("--date", help="Date of the prices, YYYY-MM-DD or a year (default: today)."),
)
#: --samples, --seed: the Monte Carlo when any input is a range
monte_carlo_options = _stack(
    click.option("--samples", help="Monte Carlo samples (default 10,000) when any input is a range."),
    click.option("--seed", type=int, help="Seed of the Monte Carlo (same seed, same answer)."),
)


def emit_json(obj) -> None:
    """Print ``obj`` as JSON (NaN becomes null)."""
    from costcurve.results import jsonable

    click.echo(json.dumps(jsonable(obj), indent=2, default=str))


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


def p50_cell(u, name: str, f) -> str:
    """``p50 (p5–p95)`` of a Monte Carlo figure formatted by ``f``; a plain value if it does not vary."""
    s = u.summary(name)
    if isinstance(s, dict):
        return f"{f(s['p50'])} ({f(s['p5'])}–{f(s['p95'])})"
    return "n/a" if s is None else f(s)


def sensitivity_table(u, what: str) -> None:
    """Print which inputs drive the spread of ``u``'s target figure."""
    sens = u.sensitivity()
    if sens:
        table(f"What drives the spread of {what} (share of rank variance)", ["input", "Spearman ρ", "share"],
              [(r["input"], f"{r['spearman']:+.2f}", f"{r['share']:.0%}") for r in sens], justify_right=(1, 2))


def finish(est, *, as_json: bool, plot_path, plot_field: str, plot_title: str, plot_xlabel: str, render, render_uncertain):
    """Render a (possibly Monte Carlo) estimate as JSON or tables; write the distribution plot if asked."""
    from costcurve.errors import CostcurveError

    uncertain = hasattr(est, "n_samples")
    if plot_path:
        if not uncertain:
            raise CostcurveError("needs a range on some input or --uncertainty", field="--plot")
        from costcurve.distplot import plot_distribution
        from costcurve.units import format_usd

        plot_distribution(getattr(est, plot_field), plot_path, title=f"{plot_title} ({est.n_samples:,} samples)",
                          xlabel=plot_xlabel, fmt=format_usd)
    if as_json:
        emit_json(est.to_dict())
        return
    render_uncertain(est) if uncertain else render(est)
    if plot_path:
        print(f"plot: {plot_path}")
