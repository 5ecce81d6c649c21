"""Plot the distribution of a Monte Carlo figure (matplotlib, imported lazily)."""

from __future__ import annotations

import numpy as np


def plot_distribution(samples, path, *, title: str, xlabel: str, unit_scale: float = 1.0, fmt=None) -> str:
    """Histogram on a log x-axis with p5/p50/p95 marked, plus the empirical CDF; writes ``path``.

    ``path`` must end in .png, .svg or .pdf and its folder must exist (else InputError, field
    ``plot``); returns the path written.
    """
    from .errors import InputError
    from .plot import check_path

    path = check_path(path)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        from .errors import CostcurveError

        raise CostcurveError("plots need matplotlib: pip install 'costcurve[plot]'", field="plot") from None
    x = np.asarray(samples, dtype=float) / unit_scale
    x = x[np.isfinite(x) & (x > 0)]
    if x.size < 2:
        raise InputError("fewer than 2 of the samples have a positive finite value; nothing to plot", field="plot")
    p5, p50, p95 = np.percentile(x, (5, 50, 95))
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    lo, hi = x.min(), x.max()
    bins = np.geomspace(lo, hi if hi > lo else lo * 1.01, 60)
    ax.hist(x, bins=bins, color="#4C72B0", alpha=0.85)
    ax.set_xscale("log")
    for v, ls, lab in ((p5, ":", "p5"), (p50, "-", "p50"), (p95, ":", "p95")):
        ax.axvline(v, color="#C44E52", ls=ls, lw=1.5)
        ax.annotate(f"{lab} {fmt(v) if fmt else format(v, ',.3g')}", (v, ax.get_ylim()[1] * 0.92), rotation=90, ha="right", va="top", fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("samples")
    ax.set_title(title, fontsize=10)
    xs = np.sort(x)
    ax2.plot(xs, np.arange(1, len(xs) + 1) / len(xs), color="#4C72B0")
    ax2.set_xscale("log")
    ax2.set_ylim(0, 1)
    ax2.axhspan(0.05, 0.95, color="#DDDDDD", alpha=0.5, label="90% interval")
    ax2.set_xlabel(xlabel)
    ax2.set_ylabel("cumulative probability")
    ax2.legend(loc="lower right", fontsize=8)
    ax2.grid(alpha=0.3, which="both")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return str(path)
