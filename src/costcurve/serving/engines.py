"""Serving engine profiles: achieved efficiencies and fixed overheads of TensorRT-LLM, vLLM and SGLang.

A profile is a handful of numbers that turn the roofline of :mod:`costcurve.serving.step` into
what one engine version achieves:

* ``flop_efficiency``, ``bandwidth_efficiency`` [1]: achieved / peak dense FLOP/s and HBM bandwidth;
* ``interconnect_efficiency`` [1]: achieved / peak one-direction link bandwidth in collectives;
* ``allreduce_latency_s`` [s]: the fixed cost of one small all-reduce inside a node;
* ``step_overhead_s`` [s]: launch and scheduling time added to every forward step (CPU work
  not hidden by CUDA graphs or multi-step scheduling);
* ``request_overhead_s`` [s]: per request (tokenize, schedule, detokenize), paid in its prefill;
* ``max_batch`` [count]: the engine's default cap on running sequences;
* ``scheduler_steps`` [count]: decode steps between two scheduling decisions (vLLM multi-step);
* ``memory_utilization`` [1]: the engine's memory share: of all accelerator memory for weights + KV cache
  (vLLM ``gpu_memory_utilization``, SGLang ``mem_fraction_static``), or, with ``kv_fraction_of_free``, of the
  memory still free once the weights and activation workspace are loaded, for the KV cache alone;
* ``kv_fraction_of_free`` [0 or 1]: 1 when ``memory_utilization`` is TensorRT-LLM's
  ``KvCacheConfig.free_gpu_memory_fraction`` (:meth:`EngineProfile.kv_budget_bytes`);
* ``moe_dispatch_allgather`` [0 or 1]: 1 when, under attention data parallel, the engine all-gathers every
  rank's tokens to the experts and reduce-scatters their outputs unless the hardware has its all-to-all
  (:func:`costcurve.serving.moe.gathers_tokens`); 0: an all-to-all to each token's experts;
* ``decode_chunked_attention`` [0 or 1]: 1 when chunked local attention (Llama 4) also bounds the decode
  steps and the KV cache; 0 when the engine applies it to prompts only, so decode keeps and reads the whole
  context in every layer (:attr:`costcurve.serving.step.Replica.decode_arch`);
* ``reserve_full_sequence`` [0 or 1]: 1 when the scheduler admits a request only with KV room for its
  whole prompt + output (TensorRT-LLM's GUARANTEED_NO_EVICT), 0 when it allocates as sequences grow
  and preempts (vLLM, SGLang); the batch memory holds is then ``free / KV(I+O)``, not ``free / KV(I+O/2)``.

The bundled table ``data/engines_2026-11.csv`` gives every figure with how it was obtained
(``fitted`` on which published measurements, or ``documented`` engine default), the date of its
source and the source. :func:`fit_profile` is the fit that produced the ``fitted`` rows: a grid
search of the FLOP and bandwidth fractions and the step overhead minimising the squared log error
of predicted vs published throughput (tests/serving/test_serving_engines.py keeps the published figures,
refits, and checks held-out figures of each engine).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import math
from dataclasses import dataclass, fields, replace
from importlib import resources

from ..errors import CatalogError, InputError

DATA_FILE = "engines_2026-11.csv"
ENGINES = ("trtllm", "vllm", "sglang")
DEFAULT_ENGINE = "trtllm"

#: parameter → (unit, low, high); the loader checks every value against its range
PARAMETERS = {
    "flop_efficiency": ("1", 0.01, 1.0),
    "bandwidth_efficiency": ("1", 0.01, 1.0),
    "interconnect_efficiency": ("1", 0.01, 1.0),
    "allreduce_latency_s": ("s", 0.0, 1e-2),
    "step_overhead_s": ("s", 0.0, 0.1),
    "request_overhead_s": ("s", 0.0, 1.0),
    "max_batch": ("count", 1, 65536),
    "scheduler_steps": ("count", 1, 64),
    "memory_utilization": ("1", 0.1, 1.0),
    "reserve_full_sequence": ("count", 0, 1),
    "kv_fraction_of_free": ("count", 0, 1),
    "moe_dispatch_allgather": ("count", 0, 1),
    "decode_chunked_attention": ("count", 0, 1),
}
#: accelerator vendors each engine runs on: TensorRT-LLM is NVIDIA's CUDA library; vLLM documents CUDA, ROCm,
#: TPU, Gaudi and Neuron back-ends (docs.vllm.ai, "Installation"); SGLang documents CUDA and ROCm (docs.sglang.ai)
ENGINE_VENDORS = {"trtllm": ("nvidia",), "vllm": ("nvidia", "amd", "google", "intel", "aws"), "sglang": ("nvidia", "amd")}
COLUMNS = ("engine", "version", "parameter", "value", "unit", "how", "source_date", "source")
HOW = ("fitted", "documented", "measured", "assumed")


@dataclass(frozen=True)
class EngineProfile:
    """Efficiencies and overheads of one serving engine version (see the module docstring for units)."""

    engine: str
    version: str
    flop_efficiency: float
    bandwidth_efficiency: float
    interconnect_efficiency: float
    allreduce_latency_s: float
    step_overhead_s: float
    request_overhead_s: float
    max_batch: int
    scheduler_steps: int
    memory_utilization: float
    reserve_full_sequence: int = 0
    kv_fraction_of_free: int = 0
    moe_dispatch_allgather: int = 0
    decode_chunked_attention: int = 1
    sources: tuple = ()  #: (parameter, how, source date, source) per figure
    #: share of the roofline a decode-time grouped MoE GEMM reaches relative to a dense GEMM (1 in the
    #: roofline bound); the figure and its source: :data:`costcurve.serving.moe.GROUPED_GEMM_DECODE_RATIO`
    grouped_gemm_ratio: float = 0.81

    def __post_init__(self):
        for name, (_, lo, hi) in PARAMETERS.items():
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and lo <= v <= hi):
                raise InputError(f"got {v!r}; allowed: {lo:g}..{hi:g}", field=name)

    def kv_budget_bytes(self, memory_bytes, fixed_bytes):
        """KV cache one accelerator may hold, given its memory and the weights + activations on it. [bytes]

        ``f·(M − fixed)`` when the share is of the free memory (TensorRT-LLM: "allocate 90% of free GPU memory for
        KV cache", docs "How to Change KV Cache Behavior"; the C++ runtime's "remaining free GPU memory",
        docs/source/reference/memory.md; ``KvCacheConfig.free_gpu_memory_fraction``, tensorrt_llm/llmapi/
        llm_args.py, measured after the model is loaded and a forward pass at ``max_num_tokens`` has run),
        else ``f·M − fixed`` (vLLM, SGLang: a share of all memory for weights, activations and cache).
        """
        return memory_room_bytes(memory_bytes, fixed_bytes, self.memory_utilization, self.kv_fraction_of_free)[1]

    def runs_on(self, acc) -> bool:
        """Whether this engine has a back-end for ``acc``'s vendor (:data:`ENGINE_VENDORS`)."""
        return acc.vendor in ENGINE_VENDORS[self.engine]

    def with_overrides(self, **kw) -> "EngineProfile":
        """A copy with the given (non-None) parameters replaced, e.g. a user's ``flop_efficiency``."""
        kw = {k: v for k, v in kw.items() if v is not None}
        unknown = set(kw) - set(PARAMETERS)
        if unknown:
            raise InputError(f"unknown engine parameter(s) {sorted(unknown)}; allowed: {', '.join(PARAMETERS)}",
                             field="engine")
        return replace(self, **kw)

    def to_dict(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("sources", "grouped_gemm_ratio")}
        d["sources"] = [dict(zip(("parameter", "how", "source_date", "source"), s)) for s in self.sources]
        return d


def memory_room_bytes(memory_bytes, fixed_bytes, share, of_free):
    """(usable, KV cache) bytes of one accelerator of ``memory_bytes`` holding ``fixed_bytes`` of weights and
    activations, for an engine's memory ``share``: with ``of_free`` (TensorRT-LLM's KV fraction) the KV cache is
    ``share`` of the memory the fixed bytes leave free, ``share·(M − fixed)``, and usable is fixed + that; else
    (vLLM, SGLang) usable is ``share·M`` and the KV cache what the fixed bytes leave of it. [bytes]"""
    if of_free:
        kv = share * (memory_bytes - fixed_bytes)
        return fixed_bytes + kv, kv
    usable = share * memory_bytes
    return usable, usable - fixed_bytes


def _parse_row(path: str, i: int, row: dict):
    missing = [c for c in COLUMNS if not (row.get(c) or "").strip()]
    if missing:
        raise CatalogError(path, i, missing[0], "empty; every figure needs a value, unit, how, date and source")
    eng, par = row["engine"].strip(), row["parameter"].strip()
    if eng not in ENGINES:
        raise CatalogError(path, i, "engine", f"got {eng!r}; allowed: {', '.join(ENGINES)}")
    if par not in PARAMETERS:
        raise CatalogError(path, i, "parameter", f"got {par!r}; allowed: {', '.join(PARAMETERS)}")
    unit, lo, hi = PARAMETERS[par]
    if row["unit"].strip() != unit:
        raise CatalogError(path, i, "unit", f"got {row['unit']!r}; allowed: {unit}")
    if row["how"].strip() not in HOW:
        raise CatalogError(path, i, "how", f"got {row['how']!r}; allowed: {', '.join(HOW)}")
    try:
        value = float(row["value"])
        dt.date.fromisoformat(row["source_date"].strip())
    except ValueError as e:
        raise CatalogError(path, i, "value/source_date", f"cannot read: {e}") from None
    if not (math.isfinite(value) and lo <= value <= hi):
        raise CatalogError(path, i, "value", f"got {value!r}; allowed: {lo:g}..{hi:g} {unit}")
    if unit == "count" and value != int(value):  # a count or a 0/1 switch: never truncated to one
        raise CatalogError(path, i, "value", f"got {value!r}; allowed: a whole number {lo:g}..{hi:g}")
    return eng, row["version"].strip(), par, value, (par, row["how"].strip(), row["source_date"].strip(),
                                                      row["source"].strip())


def read_profiles(path=None) -> dict:
    """Parse an engine table (the bundled one by default) into ``{engine: EngineProfile}``; checks every cell."""
    if path is None:
        text = resources.files("costcurve").joinpath("data", DATA_FILE).read_text(encoding="utf-8")
        path = DATA_FILE
    else:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    reader = csv.DictReader(text.splitlines())
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise CatalogError(str(path), None, None, f"header must be {','.join(COLUMNS)}")
    values: dict = {}
    for i, row in enumerate(reader, start=2):
        eng, version, par, value, src = _parse_row(str(path), i, row)
        d = values.setdefault(eng, {"version": version, "sources": []})
        if par in d:
            raise CatalogError(str(path), i, "parameter", f"{eng} {par} given twice")
        d[par], d["version"] = value, version
        d["sources"].append(src)
    out = {}
    for eng, d in values.items():
        missing = [p for p in PARAMETERS if p not in d]
        if missing:
            raise CatalogError(str(path), None, "parameter", f"{eng} lacks {', '.join(missing)}")
        kw = {p: (int(d[p]) if PARAMETERS[p][0] == "count" else d[p]) for p in PARAMETERS}
        out[eng] = EngineProfile(engine=eng, version=d["version"], sources=tuple(d["sources"]), **kw)
    return out


@functools.lru_cache(maxsize=1)
def _bundled() -> dict:
    return read_profiles()


def engine_profile(engine=None) -> EngineProfile:
    """The bundled profile of ``engine`` (trtllm | vllm | sglang; default trtllm), or ``engine`` itself."""
    if isinstance(engine, EngineProfile):
        return engine
    name = DEFAULT_ENGINE if engine is None else str(engine).strip().lower()
    aliases = {"tensorrt-llm": "trtllm", "trt-llm": "trtllm", "trt": "trtllm"}
    name = aliases.get(name, name)
    if name not in ENGINES:
        raise InputError(f"got {engine!r}; allowed: {', '.join(ENGINES)}", field="engine")
    return _bundled()[name]


def fit_profile(base: EngineProfile, predict, measured, *, flop_grid=None, bandwidth_grid=None,
                overhead_grid_s=None) -> tuple[EngineProfile, float]:
    """Fit the FLOP and bandwidth fractions and the step overhead of ``base`` to published throughputs.

    ``predict(profile) -> sequence of predicted tokens/s`` (one per measurement, same order as
    ``measured``). Grid search minimising ``Σ log²(predicted/measured)``; returns the best profile
    and its root-mean-square log error. Grids default to 0.20..0.80 (FLOP), 0.40..0.95 (bandwidth)
    in steps of 0.05 and 0..8 ms step overhead in steps of 0.5 ms.
    """
    import numpy as np

    fg = np.arange(0.20, 0.801, 0.05) if flop_grid is None else np.asarray(flop_grid)
    bg = np.arange(0.40, 0.951, 0.05) if bandwidth_grid is None else np.asarray(bandwidth_grid)
    og = np.arange(0.0, 0.00801, 0.0005) if overhead_grid_s is None else np.asarray(overhead_grid_s)
    m = np.log(np.asarray(measured, dtype=float))
    best = (math.inf, base)
    for f in fg:
        for b in bg:
            for o in og:
                p = replace(base, flop_efficiency=round(float(f), 4), bandwidth_efficiency=round(float(b), 4),
                            step_overhead_s=round(float(o), 6))
                err = float(np.sum((np.log(np.asarray(predict(p), dtype=float)) - m) ** 2))
                if err < best[0]:
                    best = (err, p)
    return best[1], math.sqrt(best[0] / len(m))
