"""The device a measurement runs on: choice (cpu/cuda), training dtype, synchronisation, catalog match.

Kept apart from :mod:`.run` (the training loop) and :mod:`.peak` (the microbenchmarks) so that
both can use it without importing each other.
"""

from __future__ import annotations

import contextlib
import platform

import torch

from ..errors import CostcurveError, InputError, UnknownNameError

MEASURE_DTYPES = ("auto", "fp32", "tf32", "bf16", "fp16")
_TORCH_DTYPE = {"fp32": torch.float32, "tf32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


def torch_dtype(dtype: str):
    """The torch dtype of a costcurve dtype name (tf32 is fp32 storage with TF32 matmuls)."""
    if dtype not in _TORCH_DTYPE:
        raise InputError(f"got {dtype!r}; allowed: {', '.join(_TORCH_DTYPE)}", field="dtype")
    return _TORCH_DTYPE[dtype]


def gemm_dtype(dtype: str) -> str:
    """The dtype a GEMM peak is measured in for a training dtype (tf32 runs fp32 tensors)."""
    return "fp32" if dtype == "tf32" else dtype


def autocast(device: torch.device, dtype: str):
    """``torch.autocast`` for bf16/fp16 mixed precision on ``device``; a no-op context for fp32/tf32."""
    if dtype in ("bf16", "fp16"):
        return torch.autocast(torch.device(device).type, dtype=torch_dtype(dtype))
    return contextlib.nullcontext()


def pick_device(device: str = "auto") -> torch.device:
    """``auto`` → ``cuda`` when a GPU is visible, else ``cpu``; checks an explicit choice exists."""
    name = (device or "auto").strip().lower()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(name)
    except RuntimeError:
        raise InputError(f"got {device!r}; allowed: auto, cpu, cuda, cuda:N", field="device") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise InputError("no CUDA device is visible to PyTorch (is this the CPU build?); use `device` cpu",
                             field="device")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise InputError(f"got {device!r}; this machine has {torch.cuda.device_count()} CUDA device(s)", field="device")
    elif dev.type != "cpu":
        raise InputError(f"got {device!r}; allowed: auto, cpu, cuda, cuda:N", field="device")
    return dev


def pick_dtype(dtype: str, device: torch.device) -> str:
    """``auto`` → bf16 on a GPU that supports it (else fp16), fp32 on CPU; refuses tf32 off CUDA."""
    if dtype not in MEASURE_DTYPES:
        raise InputError(f"got {dtype!r}; allowed: {', '.join(MEASURE_DTYPES)}", field="dtype")
    if dtype == "auto":
        if device.type == "cuda":
            return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        return "fp32"
    if dtype == "tf32" and device.type != "cuda":
        raise InputError("tf32 is a CUDA matmul mode; on CPU use fp32 or bf16", field="dtype")
    if dtype == "bf16" and device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise InputError("this GPU has no bf16; use `dtype` fp16", field="dtype")
    return dtype


def sync(device) -> None:
    """Wait for queued device work (CUDA kernels run asynchronously)."""
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


def device_name(device: torch.device) -> str:
    """``torch.cuda.get_device_name`` on a GPU; the CPU model and thread count on a CPU."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            model = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), model)
    except OSError:
        pass
    return f"cpu: {model} ({torch.get_num_threads()} threads)"


def match_accelerator(name: str, catalog):
    """Catalog accelerator for a device name (``NVIDIA H100 80GB HBM3`` → h100-sxm5), or None.

    Drops vendor words, then tries the longest leading run of words, joined by ``-``, against
    catalog names and aliases.
    """
    words = [w for w in name.lower().replace("_", " ").replace("-", " ").split()
             if w not in ("nvidia", "tesla", "geforce", "amd", "instinct", "radeon", "intel")]
    for n in range(len(words), 0, -1):
        with contextlib.suppress(UnknownNameError):  # unknown: try a shorter run of words
            return catalog.accelerator("-".join(words[:n]))
    return None


def catalog_accelerator(name: str, accelerator=None, catalog=None):
    """``(catalog, accelerator or None, note or None)`` for a device called ``name``.

    ``accelerator`` (a catalog name) overrides the name match, and an unknown one is an error; a
    catalog that cannot be loaded without it is reported in the note, not raised.
    """
    from ..catalog import load_catalog

    try:
        cat = load_catalog(catalog)
        acc = cat.accelerator(accelerator) if accelerator else match_accelerator(name, cat)
    except CostcurveError as e:
        if accelerator:
            raise
        return None, None, f"catalog not used: {e}"
    return cat, acc, None


def catalog_peak(acc, dtype: str):
    """Datasheet dense peak of catalog accelerator ``acc`` in ``dtype``, or None when none is listed. [FLOP/s]"""
    if acc is None:
        return None
    try:
        return acc.peak_flop_per_s(dtype)
    except CostcurveError:  # the catalog lists no figure for this dtype
        return None
