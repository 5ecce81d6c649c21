"""Training memory of one step traced from PyTorch on the CPU, and its comparison with the formulas. [bytes]

The model of :mod:`.decoder` (built from a :class:`costcurve.Architecture`) runs two optimizer
steps; the second (steady state: gradients and optimizer state already exist, as in every step but
the first) is traced by PyTorch's ``MemTracker`` (``torch.distributed._tools.mem_tracker``), which
tags every tensor storage as parameter, gradient, optimizer state, activation or temporary and
keeps the breakdown at the peak. Under ``FakeTensorMode`` the same run allocates nothing, so sizes
far beyond this machine's memory can be traced; a real (small) CPU run gives the same bytes.

Activations are measured two ways: MemTracker's activation bytes at the end of the forward pass,
and the bytes of the distinct storages autograd saves for the backward pass
(``torch.autograd.graph.saved_tensors_hooks``) — the quantity Korthikanti et al. 2022
(arXiv 2205.05198, §4) count.

Precision (``precision``): ``mixed`` is mixed-precision Adam as ZeRO (Rajbhandari et al. 2020,
§3.1) and Megatron-LM count it: bf16 weights, gradients and activations, fp32 master weights and
Adam moments in the optimizer, ``2 + 2 + 12`` bytes per parameter. ``fp32`` is plain fp32 training
with ``torch.optim.AdamW``: ``4 + 4 + 8`` bytes per parameter, plus one fp32 step counter per
parameter tensor that PyTorch's AdamW keeps.
"""

from __future__ import annotations

import contextlib
import math

from costcurve.architecture import Architecture, param_breakdown
from costcurve.errors import InputError

PRECISIONS = ("mixed", "fp32")
#: bytes per parameter of (weights, gradients, optimizer state) [bytes]; ZeRO §3.1 for ``mixed``
BYTES_PER_PARAM = {"mixed": (2, 2, 12), "fp32": (4, 4, 8)}
ADAMW_STEP_BYTES = 4  #: torch.optim.AdamW's fp32 ``step`` counter per parameter tensor [bytes]
COMPONENTS = ("weights", "gradients", "optimizer", "activations", "other", "total")
REAL_RUN_LIMIT_BYTES = 4 * 2**30  #: largest traced peak run for real on the CPU (``fake=False``) [bytes]


def _check(precision: str, seq_len, batch_size) -> None:
    if precision not in PRECISIONS:
        raise InputError(f"got {precision!r}; allowed: {', '.join(PRECISIONS)}", field="precision")
    for name, v in (("seq_len", seq_len), ("batch_size", batch_size)):
        if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
            raise InputError(f"got {v!r}; allowed: an integer > 0", field=name)


def exact_state_bytes(params: float, precision: str = "mixed", *, param_tensors: int = 0) -> dict:
    """Weights, gradients and optimizer state of ``params`` parameters: exact closed form. [bytes]

    ``mixed``: ``2·P``, ``2·P``, ``12·P`` (fp32 master weights, momentum and variance; ZeRO §3.1).
    ``fp32``: ``4·P``, ``4·P``, ``8·P + 4·param_tensors`` (AdamW moments and step counters).
    """
    w, g, o = BYTES_PER_PARAM[precision]
    opt = o * params + (ADAMW_STEP_BYTES * param_tensors if precision == "fp32" else 0)
    return {"weights": float(w * params), "gradients": float(g * params), "optimizer": float(opt)}


def _mixed_adamw(torch):
    class MixedPrecisionAdamW(torch.optim.Optimizer):
        """AdamW over fp32 master copies of low-precision parameters (ZeRO §3.1's mixed-precision Adam).

        State per parameter: fp32 ``master``, ``exp_avg``, ``exp_avg_sq`` (12 bytes per parameter);
        the step count is a plain int in the group. After the update the master is copied back.
        """

        def __init__(self, params, lr=6e-4, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1):
            super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "t": 0})

        @torch.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                group["t"] += 1
                b1, b2 = group["betas"]
                t, lr = group["t"], group["lr"]
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    st = self.state[p]
                    if not st:
                        st["master"] = p.detach().float()
                        st["exp_avg"] = torch.zeros_like(st["master"])
                        st["exp_avg_sq"] = torch.zeros_like(st["master"])
                    g, m, v, w = p.grad.float(), st["exp_avg"], st["exp_avg_sq"], st["master"]
                    m.lerp_(g, 1 - b1)
                    v.mul_(b2).addcmul_(g, g, value=1 - b2)
                    denom = (v / (1 - b2**t)).sqrt_().add_(group["eps"])
                    w.mul_(1 - lr * group["weight_decay"]).addcdiv_(m, denom, value=-lr / (1 - b1**t))
                    p.copy_(w)

    return MixedPrecisionAdamW


class _SavedTensors:
    """Bytes of the distinct storages autograd saves for backward, apart from parameters and inputs."""

    def __init__(self, exclude):
        self.skip = {s.untyped_storage()._cdata for s in exclude}
        self.seen = {}

    def pack(self, t):
        st = t.untyped_storage()
        if st._cdata not in self.skip:
            self.seen[st._cdata] = st.nbytes()
        return t

    @property
    def nbytes(self) -> int:
        return sum(self.seen.values())


def _one_step(model, opt, x, y):
    loss = model(x, y)
    loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=False)  # gradients stay allocated, as Megatron's persistent gradient buffer


def _snapshot(snap: dict) -> dict:
    """MemTracker's categories on the CPU → weights, gradients, optimizer, activations, other, total. [bytes]"""
    by = {str(getattr(k, "value", k)): v for dev in snap.values() for k, v in dev.items()}
    out = {"weights": by.get("Parameter", 0) + by.get("Buffer", 0), "gradients": by.get("Gradient", 0),
           "optimizer": by.get("Optstate", 0), "activations": by.get("Activation", 0),
           "other": by.get("Temp", 0) + by.get("Other", 0)}
    out["total"] = sum(out.values())
    return {k: float(v) for k, v in out.items()}


def _build(torch, cls, arch, dtype):
    """``cls(arch)`` with parameters created in ``dtype`` (``.to()`` cannot swap fake parameters)."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        return cls(arch)
    finally:
        torch.set_default_dtype(old)


def trace_training_step(arch: Architecture, *, seq_len: int, batch_size: int, precision: str = "mixed",
                        fake: bool = True, seed: int = 0) -> dict:
    """Peak memory of one steady-state training step of ``arch``, traced by PyTorch. [bytes]

    Returns ``peak`` (ordered breakdown weights, gradients, optimizer, activations, other at the
    moment of the peak; sums to ``total``), ``end_of_forward`` (the same at the end of the
    forward pass), ``saved_for_backward_bytes``, ``params`` and ``param_tensors`` [count].
    ``fake``: trace under ``FakeTensorMode`` (nothing is allocated); else a real CPU run.
    """
    from costcurve.measure import require_torch

    torch = require_torch()
    from torch._subclasses.fake_tensor import FakeTensorMode
    from torch.distributed._tools.mem_tracker import MemTracker

    from costcurve.measure.decoder import Decoder, check_supported

    check_supported(arch)
    _check(precision, seq_len, batch_size)
    if seq_len > arch.context_length and arch.position == "learned":
        raise InputError(f"got {seq_len}; allowed: at most the context length {arch.context_length}", field="seq_len")
    with FakeTensorMode() if fake else contextlib.nullcontext():
        torch.manual_seed(seed)
        model = _build(torch, Decoder, arch, torch.bfloat16 if precision == "mixed" else torch.float32)
        if precision == "mixed":
            opt = _mixed_adamw(torch)(model.parameters())
        else:
            opt = torch.optim.AdamW(model.parameters(), lr=6e-4, foreach=False)
        x = torch.randint(arch.vocab_size, (batch_size, seq_len))
        y = torch.randint(arch.vocab_size, (batch_size, seq_len))
        _one_step(model, opt, x, y)  # first step: creates the gradients and the optimizer state
        saved = _SavedTensors([*model.parameters(), x, y])
        tracker = MemTracker()
        tracker.track_external(model, opt, x, y)
        with tracker:
            with torch.autograd.graph.saved_tensors_hooks(saved.pack, lambda t: t):
                loss = model(x, y)
            end_fwd = _snapshot(tracker.get_tracker_snapshot("current"))
            loss.backward()
            del loss
            opt.step()
            opt.zero_grad(set_to_none=False)
        peak = _snapshot(tracker.get_tracker_snapshot("peak"))
    params = sum(p.numel() for p in model.parameters())
    return {"peak": peak, "end_of_forward": end_fwd, "saved_for_backward_bytes": float(saved.nbytes),
            "params": params, "param_tensors": len(list(model.parameters())),
            "params_formula": math.fsum(param_breakdown(arch).values())}


def traced_breakdown(trace: dict) -> dict:
    """The traced step as an ordered breakdown that sums to the measured peak. [bytes]

    weights, gradients, optimizer: the persistent state; activations: what the forward pass leaves
    stored (MemTracker's activations at its end); other: what the peak holds beyond those (backward
    temporaries such as activation gradients and the logits' gradient); total: the peak.
    """
    p = trace["peak"]
    out = {k: p[k] for k in ("weights", "gradients", "optimizer")}
    out["activations"] = trace["end_of_forward"]["activations"]
    out["other"] = p["total"] - sum(out.values())
    out["total"] = p["total"]
    return out


def closed_form_breakdown(trace: dict, precision: str = "mixed") -> dict:
    """The exact counts that need no activation model: weights, gradients, optimizer state. [bytes]

    (:func:`exact_state_bytes` of the traced parameter count; the activations and the total are None:
    they need a formula such as the planner's.)
    """
    out = exact_state_bytes(trace["params"], precision, param_tensors=trace["param_tensors"])
    return {**out, "activations": None, "other": None, "total": None}


def planner_breakdown(arch: Architecture, *, seq_len: int, batch_size: int) -> dict:
    """The planner's memory per accelerator for this step at tp = pp = dp = 1, as the trace runs it. [bytes]

    :func:`costcurve.training.planner.memory_breakdown` with flash attention (PyTorch's SDPA), no dropout, no
    recomputation and bf16 gradients (the traced ``mixed`` step keeps gradients in the weights' dtype).
    Its ``other`` is allowances a GPU process has and this CPU trace does not (CUDA context, gradient
    buckets, fragmentation), so ``other`` and ``total`` are not like for like.
    """
    from costcurve.training.planner import memory_breakdown

    out = memory_breakdown(arch, seq_len=seq_len, microbatch=batch_size, flash_attention=True, dropout=False,
                           recompute="none", grad_bytes=BYTES_PER_PARAM["mixed"][1])
    return {k: float(out[k]) for k in COMPONENTS}


def compare_with_formula(traced: dict, formula: dict) -> dict:
    """Traced vs formula memory per component: ``{component: {traced_bytes, formula_bytes, ratio}}``.

    traced: :func:`traced_breakdown`; formula: a breakdown with the keys of :data:`COMPONENTS` (a
    missing or None value leaves the ratio None). ratio = traced / formula [1].
    """
    out = {}
    for k in COMPONENTS:
        t, f = traced.get(k), formula.get(k)
        ratio = t / f if (t is not None and f) else None
        out[k] = {"traced_bytes": t, "formula_bytes": f, "ratio": ratio}
    return out


def compare_activations(traced: dict, formula: dict) -> dict:
    """Stored activations traced vs a formula breakdown's ``activations`` (e.g. Korthikanti et al. 2022). [bytes]

    Returns traced_bytes, formula_bytes and ratio (traced / formula); None where the formula has none.
    """
    return compare_with_formula(traced, formula)["activations"]


def small_architecture(base: Architecture, **overrides) -> Architecture:
    """``base`` with any of n_layers, d_model, n_heads, n_kv_heads, head_dim, ffn_dim, ffn_type, vocab_size,
    context_length replaced (None keeps the base value): the same kind of model at a traceable size."""
    changes = {k: v for k, v in overrides.items() if v is not None}
    for k, v in changes.items():
        if k != "ffn_type" and (not isinstance(v, int) or isinstance(v, bool) or v <= 0):
            raise InputError(f"got {v!r}; allowed: an integer > 0", field=k)
    if "d_model" in changes or "n_heads" in changes:
        changes.setdefault("head_dim", None)  # re-derive d_model / n_heads unless given
    if "n_heads" in changes and base.n_kv_heads and "n_kv_heads" not in changes:
        changes["n_kv_heads"] = max(1, changes["n_heads"] * base.kv_heads // base.n_heads)
    return base.replace(name=f"{base.name} (small)" if changes else base.name, **changes)


def memory_check(arch: Architecture, *, seq_len: int, batch_size: int, precision: str = "mixed",
                 fake: bool = True, formula: dict | None = None) -> dict:
    """Trace one training step of ``arch`` and compare it with ``formula``.

    Default formula: the planner's breakdown (:func:`planner_breakdown`) for ``mixed`` precision, the
    exact closed-form counts (:func:`closed_form_breakdown`, no activation formula) for ``fp32``,
    which the planner does not model.

    Returns the architecture's shape, ``traced`` (:func:`traced_breakdown`), ``formula``,
    ``comparison`` (:func:`compare_with_formula`) and the raw ``trace``. [bytes]
    A real run (``fake=False``) is traced with fake tensors first: it is refused above
    :data:`REAL_RUN_LIMIT_BYTES`, and ``fake_equals_real`` says whether both gave the same bytes.
    """
    trace = trace_training_step(arch, seq_len=seq_len, batch_size=batch_size, precision=precision, fake=True)
    agree = None
    if not fake:
        if trace["peak"]["total"] > REAL_RUN_LIMIT_BYTES:
            raise InputError(f"the step needs {trace['peak']['total'] / 2**30:.1f} GiB; a real CPU run is allowed up to "
                             f"{REAL_RUN_LIMIT_BYTES / 2**30:g} GiB: trace it with fake tensors (drop `real`) or shrink it",
                             field="real")
        fake_trace = trace
        trace = trace_training_step(arch, seq_len=seq_len, batch_size=batch_size, precision=precision, fake=False)
        agree = all(fake_trace[k] == trace[k] for k in ("peak", "end_of_forward", "saved_for_backward_bytes"))
    traced = traced_breakdown(trace)
    source = "given"
    if formula is None and precision == "mixed":
        formula = planner_breakdown(arch, seq_len=seq_len, batch_size=batch_size)
        source = ("costcurve.training.planner.memory_breakdown (tp = pp = dp = 1, flash attention, no recomputation, bf16 "
                  "gradients); its other = allowances for a GPU process (CUDA context, buckets, fragmentation)")
    elif formula is None:
        formula = closed_form_breakdown(trace, precision)
        source = "exact counts of weights, gradients and AdamW state (the planner models mixed precision only)"
    return {
        "architecture": {"name": arch.name, "n_layers": arch.n_layers, "d_model": arch.d_model,
                         "n_heads": arch.n_heads, "n_kv_heads": arch.kv_heads, "head_dim": arch.head_size,
                         "ffn_dim": arch.ffn_dim, "ffn_type": arch.ffn_type, "vocab_size": arch.vocab_size,
                         "position": arch.position, "norm": arch.norm},
        "seq_len": seq_len, "batch_size": batch_size, "precision": precision,
        "tracer": "FakeTensorMode + MemTracker" if fake else "CPU run + MemTracker",
        "params": trace["params"], "traced": traced, "formula": formula, "formula_source": source,
        "comparison": compare_with_formula(traced, formula),
        "saved_for_backward_bytes": trace["saved_for_backward_bytes"], "peak_snapshot": trace["peak"],
        "fake_equals_real": agree,
    }
