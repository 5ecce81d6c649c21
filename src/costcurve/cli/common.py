"""Shared options and rendering for the CLI commands (the generated ones take their options from
:mod:`costcurve.commands`)."""

from __future__ import annotations

import json
import sys

import click

catalog_option = click.option(
    "--catalog", "catalog", multiple=True, type=click.Path(dir_okay=False),
    help="CSV of extra or overriding catalog rows (repeatable; also COSTCURVE_CATALOG).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
#: ``--verbose``: it only changes how the terminal prints (not an input of the command, not on the web)
VERBOSE = {"is_flag": True, "expose_value": False, "help": "Print notes and price sources in full (by default "
           "each long one is folded to one line)."}


def _set_verbose(ctx, _param, value):
    ctx.meta["costcurve.verbose"] = bool(value)
    return value


def verbose_param() -> click.Option:
    """``--verbose`` of every command that prints notes (the generated ones take it through
    :func:`costcurve.cli.build.click_command`)."""
    return click.Option(["--verbose"], callback=_set_verbose, **VERBOSE)


def verbose_option(f):
    """:func:`verbose_param` as a decorator, for the hand-written click commands."""
    return click.option("--verbose", callback=_set_verbose, **VERBOSE)(f)


def _meta() -> dict:
    ctx = click.get_current_context(silent=True)
    return ctx.meta if ctx is not None else {}


def is_verbose() -> bool:
    return bool(_meta().get("costcurve.verbose"))


def folded(text: str, width: int) -> str:
    """``text`` as one line of at most ``width`` characters, cut at a space with " …", unless --verbose."""
    text = " ".join(str(text).split())
    if is_verbose() or len(text) <= width:
        return text
    cut = text[: max(width - 2, 10)]
    cut = cut.rsplit(" ", 1)[0] if " " in cut else cut
    _meta()["costcurve.folded"] = True
    return cut + " …"


def line(text: str) -> None:
    """Print one line of free text (a note, the price used), folded to the terminal's width; with
    --verbose all of it, wrapped on spaces."""
    if is_verbose():
        para(text)
    else:
        print(folded(text, console().width))


def para(text: str) -> None:
    """Print a line of figures wrapped on spaces at the terminal's width (continuation lines indented)."""
    import textwrap

    text, width = str(text), console().width
    if len(text) <= width:  # as it is (column alignment kept)
        print(text)
        return
    print("\n".join(textwrap.wrap(" ".join(text.split()), width, subsequent_indent="  ",
                                   break_long_words=False, break_on_hyphens=False)))


def notes(items, *, prefix: str = "note") -> None:
    """Print library notes, each on one line (the rest behind --verbose), field names as options."""
    for n in items:
        if n:
            line(f"{prefix}: {note_text(n)}")


def folded_hint() -> str | None:
    """The closing line when something was folded: how to see it whole."""
    return "(long notes are folded to one line; --verbose prints them in full)" if _meta().get("costcurve.folded") else None


def price_source(source: str) -> str:
    """A catalog price's source in a table cell: its rule and how many quotes (the dates and providers
    behind --verbose), from the figures it carries (costcurve.prices.PriceSource); any other source
    (a given price, none known) as given."""
    n_quotes = getattr(source, "n_quotes", None)
    if is_verbose() or n_quotes is None:
        return str(source)
    short = f"{source.method}, {n_quotes} quotes from {source.n_providers} providers"
    if not source.meets_rule:
        short += "; too few quotes: give --price to be sure"
    _meta()["costcurve.folded"] = True
    return short + " …"


def check_plot_path(path):
    """Refuse a --plot path with an unsupported suffix or a missing folder before any work is done."""
    if path is not None:
        from costcurve.plot import check_path

        check_path(path)


def progress(enabled: bool):
    """A progress callback that shows a rich bar on a terminal once a search has run for 1 s; and its close."""
    import time

    if not enabled:
        return None, lambda: None
    start = time.monotonic()
    state = {}

    def update(done, total):
        if "bar" not in state:
            if time.monotonic() - start < 1.0:
                return
            from rich.console import Console
            from rich.progress import Progress

            state["bar"] = Progress(console=Console(file=sys.stderr), transient=True)
            state["bar"].start()
            state["task"] = state["bar"].add_task("searching layouts", total=total)
        state["bar"].update(state["task"], completed=done, total=total)

    def close():
        if "bar" in state:
            state["bar"].stop()

    return update, close


def emit_json(obj) -> None:
    """Print ``obj`` as JSON (NaN becomes null)."""
    from costcurve.results import jsonable

    click.echo(json.dumps(jsonable(obj), indent=2, default=str))


def console():
    """A rich console on stdout (imported lazily)."""
    from rich.console import Console

    import os

    # a terminal's own width; a pipe 110 columns unless COLUMNS says otherwise
    return Console(file=sys.stdout, soft_wrap=False, width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 110)


def table(title: str, columns, rows, *, justify_right=()):
    """Print a rich table: ``columns`` names, ``rows`` lists of strings."""
    from rich.markup import escape
    from rich.table import Table

    from .layout import fit, stacked_lines

    con, rows = console(), [list(r) for r in rows]
    lay = fit(columns, rows, con.width)  # no word split across lines: wrap on spaces, abbreviate or stack
    if lay.stacked:
        con.print(escape("\n".join(stacked_lines(title, columns, rows))), highlight=False)
        return
    if title:  # its own line(s), wrapped at the terminal's width, not squeezed into a narrow table's
        from rich.text import Text

        con.print(Text(title, style="italic"), highlight=False)
    t = Table(header_style="bold", **_borderless(lay))
    for i, (c, w) in enumerate(zip(lay.headers, lay.min_widths)):
        t.add_column(escape(c), justify="right" if i in justify_right else "left", overflow="fold", width=w)
    for r in rows:
        t.add_row(*[escape(note_text(x)) for x in r])  # a price source may name a field: the option
    con.print(t)


def _borderless(lay) -> dict:
    """rich Table arguments of a layout without rules (one space between columns when compact)."""
    if not lay.borderless:
        return {}
    return {"box": None, "pad_edge": False, **({"padding": (0, 1, 0, 0)} if lay.compact else {})}


def p50_cell(u, name: str, f) -> str:
    """``p50 (p5–p95)`` of a Monte Carlo figure formatted by ``f``; a plain value if it does not vary.

    When some samples gave no value (e.g. a batch that does not fit), the cell says what share.
    """
    s = u.summary(name)
    if isinstance(s, dict):
        cell = f"{f(s['p50'])} ({f(s['p5'])}–{f(s['p95'])})"
        if s.get("invalid_share"):
            cell += f" [{s['invalid_share']:.1%} of samples dropped]"
        return cell
    if s is None:
        return "n/a (no sample gave a value)"
    try:
        return f(s)
    except (TypeError, ValueError):
        return str(s)


def dropped_samples_note(u, names) -> str | None:
    """A note when some Monte Carlo samples of ``names`` gave no value, saying how many and why."""
    import numpy as np

    shares = {}
    for name in names:
        v = np.asarray(getattr(u.samples, name), dtype=float)
        if v.ndim and v.size > 1 and not np.isfinite(v).all():
            shares[name] = 1 - float(np.isfinite(v).mean())
    if not shares:
        return None
    worst = max(shares.values())
    return (f"{worst:.1%} of the {u.n_samples:,} samples gave no value for {', '.join(shares)} and are left out of "
            "the percentiles (see the notes; in JSON: invalid_share)")


def sensitivity_table(u, what: str) -> None:
    """Print which inputs drive the spread of ``u``'s target figure."""
    sens = u.sensitivity()
    if sens:
        table(f"What drives the spread of {what} (share of rank variance)", ["input", "Spearman ρ", "share"],
              [(r["input"], f"{r['spearman']:+.2f}", f"{r['share']:.0%}") for r in sens], justify_right=(1, 2))


def finish(est, *, as_json: bool, plot, plot_field: str, plot_title: str, plot_xlabel: str, render, render_uncertain,
           data):
    """Render a (possibly Monte Carlo) estimate as JSON (``data``, the Outcome's answer) or tables; write
    the distribution plot if asked."""
    from costcurve.errors import InputError

    uncertain = hasattr(est, "n_samples")
    written = None
    if plot:
        if not uncertain:
            raise InputError("needs a range on some input or --uncertainty", field="plot")
        from costcurve.distplot import plot_distribution
        from costcurve.units import format_usd

        written = plot_distribution(getattr(est, plot_field), plot, title=f"{plot_title} ({est.n_samples:,} samples)",
                                    xlabel=plot_xlabel, fmt=format_usd)
    if as_json:
        emit_json(data)
        return
    render_uncertain(est) if uncertain else render(est)
    if written:
        print(f"plot: {written}")


def note_text(text: str) -> str:
    """A library note with its field names (```unique_tokens```) as the options of the running command."""
    from costcurve.cli import with_options

    ctx = click.get_current_context(silent=True)
    return with_options(str(text), ctx.meta.get("costcurve.command") if ctx is not None else None)
