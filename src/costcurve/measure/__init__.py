"""Measure: train a real GPT-style model on this machine, report what it achieved and cost, calibrate.

Needs PyTorch (``pip install 'costcurve[measure]'``); nothing outside this package imports it.
Modules: :mod:`.config` (shapes, presets, costcurve FLOP of a step; no torch), :mod:`.device`
(device and dtype choice, synchronisation, catalog match), :mod:`.model` (the nanoGPT-style
module), :mod:`.data`, :mod:`.peak` (GEMM and bandwidth microbenchmarks), :mod:`.run` (timed
training loop, FLOP cross-check, time-to-target), :mod:`.validate` (calibrate and validate: the
calibration grid and the held-out check of the step-time model in :mod:`costcurve.calibration`),
:mod:`.decoder` (a PyTorch decoder built from any dense :class:`costcurve.Architecture`) and
:mod:`.memory` (the memory of a training step traced with FakeTensorMode and MemTracker).
"""

from __future__ import annotations

from ..errors import CostcurveError

INSTALL_HINT = ("costcurve measure needs PyTorch: pip install 'costcurve[measure]' "
                "(or, for the CPU-only build, pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu)")


class TorchMissingError(CostcurveError):
    """PyTorch is not installed."""


def require_torch():
    """Import and return torch, or raise :class:`TorchMissingError` with how to install it."""
    try:
        import torch
    except ImportError:
        raise TorchMissingError(INSTALL_HINT) from None
    return torch
