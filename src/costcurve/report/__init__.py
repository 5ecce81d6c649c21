"""Self-contained HTML reports of costcurve results (``costcurve report KIND ... --out FILE.html``).

:func:`report_html` takes a computed kind (:mod:`.registry`: the command definition's ``compute``) and
renders its sections (:mod:`.sections`) into one HTML file: inline CSS, inline SVG charts, the inputs and results
embedded as JSON, nothing fetched. :func:`sections_html` renders the same sections for the web page
and for notebooks (``_repr_html_``, :mod:`.notebook`).
"""

from __future__ import annotations

import importlib



def build_sections(kind_name: str, data, *, values=None, command=None, full: bool = True, result=None):
    """The report sections of a kind's JSON answer ``data``; ``result`` (an Outcome) carries the library's
    objects (a fit, its series, a forecast) that charts draw without computing."""
    from .registry import get_kind

    spec = get_kind(kind_name).sections
    if spec is None:
        from .generic import generic_sections

        return generic_sections(kind_name, data, values=values, command=command, full=full)
    module, fn = spec
    return getattr(importlib.import_module(module), fn)(data, values=values, command=command, full=full, result=result)


def sections_html(run, *, full: bool = True) -> str:
    from .html import render_sections

    return render_sections(build_sections(run.kind, run.data, values=run.values, command=run.command_line(), full=full,
                                          result=run.outcome))


def report_html(run) -> str:
    """The whole report page of a computed kind (a :class:`.registry.Run`)."""
    from . import html as H
    from .registry import get_kind

    kind = get_kind(run.kind)
    body = sections_html(run)
    payload = {"kind": run.kind, "command": run.command_line(), "inputs": run.values, "result": run.data}
    return H.page(f"costcurve — {kind.title}", kind.summary, body, payload)
