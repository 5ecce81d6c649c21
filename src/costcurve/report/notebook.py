"""Notebook display of result objects: ``_repr_html_`` (the report's own sections, compact) and
``to_frame()`` (a sweep or a Monte Carlo run as a pandas DataFrame, when pandas is installed).

A result class opts in with two lines: inherit :class:`costcurve.results.NotebookMixin` and name its
report kind (``_report_kind = "train"``); the mixin imports this module only when a notebook draws,
so no model module imports the report package. Importing this module costs nothing beyond the
standard library.
"""

from __future__ import annotations

import math

SWEEP_ROWS = 12  #: rows of a sweep shown in a notebook (``to_frame()`` has them all)


from costcurve.results import NotebookMixin  # noqa: E402,F401  (the protocol this module fulfils)


def _columns(obj) -> dict:
    """Numeric and text fields of a result, broadcast to a common length (Monte Carlo: the samples)."""
    import dataclasses

    import numpy as np

    base = getattr(obj, "samples", obj) if hasattr(obj, "n_samples") else obj
    cols = {}
    for f in dataclasses.fields(base):
        v = getattr(base, f.name)
        if isinstance(v, (str, int, float, np.ndarray, np.generic)) and not isinstance(v, bool):
            cols[f.name] = v
    if hasattr(obj, "n_samples"):
        cols.update({f"input:{k}": v for k, v in obj.inputs.items()})
    arrays = [np.asarray(v) for v in cols.values() if isinstance(v, np.ndarray)]
    shape = np.broadcast_shapes(*(a.shape for a in arrays)) if arrays else ()
    n = int(np.prod(shape)) if shape else 1
    return {k: (np.broadcast_to(np.asarray(v), shape).reshape(n) if shape else [v]) for k, v in cols.items()}


def is_sweep(obj) -> bool:
    import dataclasses

    import numpy as np

    if hasattr(obj, "n_samples") or not dataclasses.is_dataclass(obj):
        return False
    return any(isinstance(getattr(obj, f.name), np.ndarray) and getattr(obj, f.name).size > 1
               for f in dataclasses.fields(obj))


def to_frame(obj, samples: bool = False):
    """``obj`` as a pandas DataFrame (pandas is optional: a clear error names the missing package).

    A Monte Carlo result gives one row per figure (index) with ``p5``, ``p50``, ``p95`` and ``mean``
    of its finite samples, and ``invalid_share`` where some samples gave no value; ``samples=True``
    gives every sample and its sampled inputs (``input:mfu``, ...) instead.
    """
    try:
        import pandas as pd
    except ImportError:
        from costcurve.errors import CostcurveError

        raise CostcurveError("to_frame() needs pandas: pip install pandas", field="pandas") from None
    from costcurve.display import unit_of

    if hasattr(obj, "n_samples") and not samples:
        df = pd.DataFrame(percentiles(obj)).T
        df.attrs["units"] = {k: unit_of(k) for k in df.index if unit_of(k)}  # of each figure (row)
        return df
    df = pd.DataFrame(_columns(obj))
    df.attrs["units"] = {c: unit_of(c.split(":", 1)[-1]) for c in df.columns if unit_of(c.split(":", 1)[-1])}
    return df


def percentiles(obj) -> dict:
    """Figure → {p5, p50, p95, mean, invalid_share} over the finite samples of a Monte Carlo result."""
    import numpy as np

    out = {}
    for k, v in _columns(obj).items():
        try:
            a = np.asarray(v, dtype=float)
        except (TypeError, ValueError):
            continue
        ok = a[np.isfinite(a)]
        if not ok.size:
            continue
        p5, p50, p95 = np.percentile(ok, [5, 50, 95])
        out[k] = {"p5": p5, "p50": p50, "p95": p95, "mean": float(ok.mean()), "invalid_share": 1 - ok.size / a.size}
    return out


def repr_html(obj) -> str:
    """The report's sections of one result (no inputs, context or command: a notebook has them), or the
    first rows of a sweep."""
    from html import escape

    from . import build_sections
    from .html import CSS, render_sections, table

    kind = getattr(obj, "_report_kind", None)
    if is_sweep(obj):
        cols = _columns(obj)
        n = len(next(iter(cols.values())))
        keys = [k for k, v in cols.items() if len(set(map(str, v[:SWEEP_ROWS]))) > 1 or k in ("model", "gpu")][:10]
        rows = [[_cell(cols[k][i]) for k in keys] for i in range(min(n, SWEEP_ROWS))]
        body = (f"<p>A sweep of {n:,} configurations; the first {len(rows)} (all of them: <code>.to_frame()</code>)."
                f"</p>" + table(keys, rows))
    else:
        from costcurve.results import jsonable

        body = render_sections(build_sections(kind, jsonable(obj.to_dict()), full=False))
    return f'<div class="{ROOT}"><style>{scope_css(CSS, "." + ROOT)}</style><b>{escape(type(obj).__name__)}</b>{body}</div>'


ROOT = "costcurve-nb"  #: class of the notebook display's container; every CSS rule sits under it


def _scope_selector(sel: str, root: str) -> str:
    sel = sel.strip()
    if sel in (":root", "html", "body"):
        return root
    if sel == "*":
        return f"{root},{root} *"
    return f"{root} {sel}"


def scope_css(css: str, root: str) -> str:
    """``css`` with every selector under ``root`` (``:root``/``body`` become ``root`` itself), ``@media``
    blocks scoped inside, ``@page`` dropped: a notebook's own tables and headings keep their style."""
    out, i, n = [], 0, len(css)
    while i < n:
        j = css.find("{", i)
        if j < 0:
            break
        head = css[i:j].strip()
        depth, k = 1, j + 1
        while k < n and depth:
            depth += {"{": 1, "}": -1}.get(css[k], 0)
            k += 1
        inner = css[j + 1:k - 1]
        if head.startswith("@media"):
            out.append(f"{head}{{{scope_css(inner, root)}}}")
        elif head and not head.startswith("@"):
            out.append(",".join(_scope_selector(x, root) for x in head.split(",")) + "{" + inner + "}")
        i = k
    return "".join(out)


def _cell(v) -> str:
    if isinstance(v, float) and math.isfinite(v) and (abs(v) >= 1e6 or 0 < abs(v) < 1e-3):
        return f"{v:.4g}"
    return str(v)
