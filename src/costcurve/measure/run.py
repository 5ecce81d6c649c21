"""Timed training of a real model on this machine: throughput, FLOP/s, MFU, memory and dollars.

    achieved FLOP/s = training FLOP of a step / step time
    MFU             = achieved FLOP/s / peak FLOP/s      (Chowdhery et al. 2022, Appendix B)

The FLOP of a step come from costcurve's own accounting (:mod:`costcurve.flop`, ``3 × forward``,
causal attention) for the exact model trained, and are cross-checked against PyTorch's
``FlopCounterMode``. The peak is both the catalog's datasheet figure (when the device is a known
accelerator) and a GEMM measured here (:mod:`costcurve.measure.peak`).
"""

from __future__ import annotations

import math
import resource
import sys
import time
from dataclasses import asdict, dataclass, field

import torch

from ..errors import InputError
from ..units import SECONDS_PER_HOUR
from . import config
from .config import ModelShape
from .data import BYTE_VOCAB, TokenData, synthetic, text_file
from .device import autocast, catalog_accelerator, catalog_peak, device_name, gemm_dtype, pick_device, pick_dtype, sync
from .model import GPT, num_params

# ---- the training step --------------------------------------------------------------------------
class Trainer:
    """A GPT model, AdamW and the precision settings of one device; :meth:`step` is one optimizer step."""

    def __init__(self, shape: ModelShape, device: torch.device, dtype: str, *, compile: bool = False,
                 lr: float = 6e-4, seed: int = 0, ddp: bool = False):
        self.shape, self.device, self.dtype = shape, device, dtype
        if device.type == "cuda":
            torch.backends.cuda.matmul.allow_tf32 = dtype == "tf32"
            torch.backends.cudnn.allow_tf32 = dtype == "tf32"
        torch.manual_seed(seed)
        self.model = GPT(shape).to(device)
        self.params = num_params(self.model)
        fused = device.type == "cuda"
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=lr, betas=(0.9, 0.95), weight_decay=0.1,
                                     **({"fused": True} if fused else {}))
        self.scaler = torch.amp.GradScaler(device.type) if dtype == "fp16" else None
        net = self.model
        if ddp:
            from torch.nn.parallel import DistributedDataParallel

            net = DistributedDataParallel(net, device_ids=[device.index] if device.type == "cuda" else None)
        self.net = torch.compile(net) if compile else net

    def autocast(self):
        """bf16/fp16 autocast on this device, or a no-op for fp32/tf32."""
        return autocast(self.device, self.dtype)

    def step(self, x, y):
        """Forward, backward and AdamW update on one batch; returns the loss (a 0-d tensor) [nats/token]."""
        with self.autocast():
            _, loss = self.net(x, y)
        if self.scaler is not None:
            self.scaler.scale(loss).backward()
            self.scaler.step(self.opt)
            self.scaler.update()
        else:
            loss.backward()
            self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        return loss.detach()

    @torch.no_grad()
    def eval_loss(self, data: TokenData, batches: int = 8, generator=None) -> float:
        """Mean validation loss over ``batches`` random batches. [nats/token]"""
        self.model.eval()
        total = 0.0
        for _ in range(batches):
            x, y = data.batch("val", self.shape.batch_size, self.shape.seq_len, generator)
            with self.autocast():
                _, loss = self.model(x, y)
            total += float(loss)
        self.model.train()
        return total / batches


@dataclass
class StepTimes:
    """Timings of a training loop."""

    step_times_s: list  #: seconds of each timed step [s]
    warmup_s: float  #: wall-clock of the warm-up steps (incl. compilation) [s]
    losses: list  #: training loss of every step, warm-up included [nats/token]
    peak_memory_bytes: float  #: see peak_memory_kind [bytes]
    peak_memory_kind: str

    @property
    def mean_s(self) -> float:
        return sum(self.step_times_s) / len(self.step_times_s)

    @property
    def min_s(self) -> float:
        """Best step: the least disturbed by other work on the machine (as ``timeit`` recommends). [s]"""
        return min(self.step_times_s)

    @property
    def median_s(self) -> float:
        s = sorted(self.step_times_s)
        n = len(s)
        return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def _memory_start(device):
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)


def _memory_peak(device):
    if device.type == "cuda":
        return float(torch.cuda.max_memory_allocated(device)), "torch.cuda.max_memory_allocated"
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return float(rss * (1 if sys.platform == "darwin" else 1024)), "process peak RSS"


def run_steps(trainer: Trainer, data: TokenData, steps: int, warmup: int, *, progress=None, seed: int = 0) -> StepTimes:
    """Run ``warmup`` untimed then ``steps`` timed optimizer steps, synchronising around each timed one."""
    s, dev = trainer.shape, trainer.device
    g = torch.Generator().manual_seed(seed)
    losses = []
    _memory_start(dev)
    t0 = time.perf_counter()
    for _ in range(warmup):
        losses.append(float(trainer.step(*data.batch("train", s.batch_size, s.seq_len, g))))
        if progress:
            progress(1)
    sync(dev)
    warm = time.perf_counter() - t0
    times = []
    for _ in range(steps):
        x, y = data.batch("train", s.batch_size, s.seq_len, g)
        sync(dev)
        t = time.perf_counter()
        loss = trainer.step(x, y)
        sync(dev)
        times.append(time.perf_counter() - t)
        losses.append(float(loss))
        if progress:
            progress(1)
    mem, kind = _memory_peak(dev)
    return StepTimes(times, warm, losses, mem, kind)


# ---- FLOP cross-check ---------------------------------------------------------------------------
def _cpu_sdpa_mapping():
    """FlopCounterMode has no formula for the CPU flash-attention kernels; count them as on CUDA."""
    from torch.utils.flop_counter import sdpa_backward_flop_count, sdpa_flop_count

    aten = torch.ops.aten
    out = {}
    if hasattr(aten, "_scaled_dot_product_flash_attention_for_cpu"):
        out[aten._scaled_dot_product_flash_attention_for_cpu] = (
            lambda q, k, v, *a, out_shape=None, **kw: sdpa_flop_count(q, k, v))
    if hasattr(aten, "_scaled_dot_product_flash_attention_for_cpu_backward"):
        out[aten._scaled_dot_product_flash_attention_for_cpu_backward] = (
            lambda g, q, k, v, *a, out_shape=None, **kw: sdpa_backward_flop_count(g, q, k, v))
    return out


def count_flop_torch(shape: ModelShape, device, dtype: str = "fp32") -> dict:
    """FLOP of one training step (forward + backward) counted by ``torch.utils.flop_counter``. [FLOP]

    Returns ``total``, ``attention`` (the SDPA kernels: full ``S×S`` scores, and the flash backward
    recomputes them) and ``matmul`` (everything else: the weight matmuls) and ``forward``.
    """
    from torch.utils.flop_counter import FlopCounterMode

    device = torch.device(device)
    torch.manual_seed(0)
    model = GPT(shape).to(device)
    x = torch.randint(shape.vocab_size, (shape.batch_size, shape.seq_len), device=device)
    ctx = autocast(device, dtype)
    mapping = _cpu_sdpa_mapping()
    with FlopCounterMode(display=False, custom_mapping=mapping) as fc, ctx:
        _, loss = model(x, x)
    fwd = fc.get_total_flops()
    with FlopCounterMode(display=False, custom_mapping=mapping) as fc:
        with ctx:
            _, loss = model(x, x)
        loss.backward()
    counts = fc.get_flop_counts()["Global"]
    total = float(sum(counts.values()))
    attention = float(sum(v for k, v in counts.items() if "attention" in str(k)))
    return {"total": total, "attention": attention, "matmul": total - attention, "forward": float(fwd)}


# ---- the measurement ------------------------------------------------------------------------------
@dataclass
class MeasureResult:
    """What ``costcurve measure`` reports. Rates in FLOP/s, times in s, memory in bytes, money in USD."""

    device: str  #: device name (GPU name, or CPU model and threads)
    device_type: str  #: cpu | cuda
    accelerator: str | None  #: catalog name of the device, None when it is not in the catalog
    dtype: str
    compiled: bool
    world_size: int  #: data-parallel processes (torchrun) [count]
    shape: dict  #: n_layers, d_model, n_heads, seq_len, batch_size, vocab_size
    data: str  #: synthetic | bytes of FILE
    params: float  #: costcurve's parameter count [count]
    params_torch: int  #: sum of numel() of the PyTorch module [count]
    steps: int
    warmup_steps: int
    warmup_s: float  #: warm-up wall-clock incl. compilation [s]
    step_time_s: float  #: mean time of a timed step [s]
    step_time_median_s: float  #: [s]
    step_time_min_s: float  #: best timed step [s]
    tokens_per_step: int  #: all processes [tokens]
    tokens_per_second: float  #: [tokens/s]
    training_flop_per_step: float  #: costcurve: 3 × forward, causal attention [FLOP]
    flop_counter_flop_per_step: float  #: torch FlopCounterMode, one process [FLOP]
    flop_counter_ratio: float  #: costcurve / FlopCounterMode, whole step [1]
    flop_counter_ratio_matmul: float  #: the same without the attention kernels [1]
    achieved_flop_per_s: float  #: [FLOP/s]
    measured_peak_flop_per_s: float  #: GEMM peak of one device measured here [FLOP/s]
    catalog_peak_flop_per_s: float | None  #: datasheet dense peak of one device [FLOP/s]
    mfu_vs_measured_peak: float  #: [fraction]
    mfu_vs_catalog_peak: float | None  #: [fraction]
    measured_memory_bandwidth_bytes_per_s: float | None  #: copy bandwidth measured here [bytes/s]
    peak_memory_bytes: float  #: [bytes]
    peak_memory_kind: str
    loss_first: float  #: [nats/token]
    loss_last: float  #: [nats/token]
    price_usd_per_hour: float | None  #: price of the machine (all its devices) [USD/h]
    price_source: str
    usd: float | None  #: cost of the timed steps at price_usd_per_hour [USD]
    usd_per_million_tokens: float | None  #: [USD per 1e6 tokens]
    target: dict | None = None  #: time-to-target result (see :func:`train_to_target`)
    notes: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def load_data(shape: ModelShape, device, data_path=None, seed: int = 0) -> TokenData:
    """Synthetic Markov tokens (default) or the bytes of ``data_path``."""
    if data_path is None:
        return synthetic(shape.vocab_size, shape.seq_len, shape.batch_size, device, seed=seed)
    if shape.vocab_size < BYTE_VOCAB:
        raise InputError(f"byte-level text needs a vocabulary of at least {BYTE_VOCAB}; got {shape.vocab_size}",
                         field="vocab_size")
    return text_file(data_path, shape.seq_len, device)


def catalog_price(catalog, acc):
    """Median on-demand catalog price of ``acc`` today, or ``(None, reason)``. [USD/h]"""
    import datetime as dt

    from ..prices import choose_price

    choice = choose_price(catalog, acc.name, dt.date.today())
    if choice is None:
        return None, f"no catalog price for {acc.name}; give `price_usd_per_gpu_hour`"
    return choice.price_usd_per_gpu_hour, choice.describe()


def _check_args(steps, warmup, lr, price_usd_per_hour) -> None:
    """Whole step counts, a finite positive learning rate and price (fields named like the CLI options)."""
    from ..units import check_positive

    for name, v, low in (("steps", steps, 1), ("warmup", warmup, 0)):
        if not isinstance(v, int) or isinstance(v, bool) or v < low:
            raise InputError(f"got {v!r}; allowed: integer >= {low}", field=name)
    check_positive(lr, "lr")
    if price_usd_per_hour is not None:
        check_positive(price_usd_per_hour, "price_usd_per_hour")


def _price(price_usd_per_hour, cat, acc, world: int):
    """Hourly price of the devices used and where it came from: given, or catalog median × world size. [USD/h]"""
    if price_usd_per_hour is not None:
        return price_usd_per_hour, "given"
    if acc is None:
        return None, "no price: give `price_usd_per_gpu_hour` (USD per hour)"
    unit, source = catalog_price(cat, acc)
    return (None if unit is None else unit * world), source


def measure(shape: ModelShape, *, device="auto", dtype="auto", steps: int = 10, warmup: int = 3, compile: bool = False,
            data_path=None, price_usd_per_hour=None, accelerator=None, catalog=None, lr: float = 6e-4,
            seed: int = 0, progress=None, flop_counter: bool = True, peak=None) -> MeasureResult:
    """Train ``shape`` for ``warmup`` + ``steps`` steps on this machine and report what it achieved and cost.

    Steps: device and catalog match → data → peaks (GEMM, copy bandwidth) and FLOP cross-check →
    timed training → rates, MFU and dollars.
    price_usd_per_hour: hourly price of the devices used [USD/h]; default the catalog's median for
    a known accelerator (× world size). accelerator: catalog name overriding the name match.
    peak: a GEMM peak already measured [FLOP/s] (default: measure it).
    """
    from .peak import matmul_peak, memory_bandwidth

    _check_args(steps, warmup, lr, price_usd_per_hour)
    dist = _distributed()
    dev = dist["device"] if dist else pick_device(device)
    dt_name = pick_dtype(dtype, dev)
    world = dist["world_size"] if dist else 1
    name = device_name(dev)
    cat, cat_acc, note = catalog_accelerator(name, accelerator, catalog)
    notes = [note] if note else []
    cat_peak = catalog_peak(cat_acc, dt_name)

    data = load_data(shape, dev, data_path, seed)
    if peak is None:
        peak = matmul_peak(dev, gemm_dtype(dt_name)).flop_per_s
    bandwidth = memory_bandwidth(dev)
    counted = count_flop_torch(shape, dev, dt_name) if flop_counter else None

    trainer = Trainer(shape, dev, dt_name, compile=compile, lr=lr, seed=seed, ddp=bool(dist))
    times = run_steps(trainer, data, steps, warmup, progress=progress, seed=seed + (dist["rank"] if dist else 0))
    step_s = _all_reduce_max(times.mean_s, dev) if dist else times.mean_s
    flop_step = config.training_flop_per_step(shape)
    achieved = flop_step / step_s  # per device
    attn = 3.0 * config.forward_flop_per_step_breakdown(shape)["attention/scores"]

    price, price_source = _price(price_usd_per_hour, cat, cat_acc, world)
    usd = None if price is None else price * step_s * steps / SECONDS_PER_HOUR
    tokens_step = shape.tokens_per_step * world
    tps = tokens_step / step_s
    if times.losses and times.losses[-1] >= times.losses[0]:
        notes.append("loss did not fall during the run (too few steps?)")
    return MeasureResult(
        device=name, device_type=dev.type, accelerator=cat_acc.name if cat_acc else None, dtype=dt_name,
        compiled=compile, world_size=world, shape=asdict(shape), data=data.kind, params=config.params(shape),
        params_torch=trainer.params, steps=steps, warmup_steps=warmup, warmup_s=times.warmup_s, step_time_s=step_s,
        step_time_median_s=times.median_s, step_time_min_s=times.min_s, tokens_per_step=tokens_step, tokens_per_second=tps,
        training_flop_per_step=flop_step,
        flop_counter_flop_per_step=counted["total"] if counted else math.nan,
        flop_counter_ratio=flop_step / counted["total"] if counted else math.nan,
        flop_counter_ratio_matmul=(flop_step - attn) / counted["matmul"] if counted else math.nan,
        achieved_flop_per_s=achieved, measured_peak_flop_per_s=peak, catalog_peak_flop_per_s=cat_peak,
        mfu_vs_measured_peak=achieved / peak, mfu_vs_catalog_peak=achieved / cat_peak if cat_peak else None,
        measured_memory_bandwidth_bytes_per_s=bandwidth, peak_memory_bytes=times.peak_memory_bytes,
        peak_memory_kind=times.peak_memory_kind, loss_first=times.losses[0], loss_last=times.losses[-1],
        price_usd_per_hour=price, price_source=price_source, usd=usd,
        usd_per_million_tokens=None if price is None else price / SECONDS_PER_HOUR / tps * 1e6, notes=notes,
    )


# ---- time to target (DAWNBench: Coleman et al. 2017) ----------------------------------------------
def train_to_target(trainer: Trainer, data: TokenData, target_loss: float, *, eval_interval: int = 25,
                    eval_batches: int = 8, max_steps: int = 5000, max_time_s: float = 3600.0,
                    price_usd_per_hour=None, progress=None, seed: int = 0) -> dict:
    """Train until the validation loss is at most ``target_loss`` [nats/token]; report time and dollars.

    Time counts everything from the first step to the evaluation that reached the target,
    evaluations included (as DAWNBench does). Stops without reaching it after ``max_steps`` steps or
    ``max_time_s`` seconds.
    """
    from ..units import check_positive

    check_positive(target_loss, "target_loss")
    check_positive(max_time_s, "max_time_s")
    for name, v in (("eval_interval", eval_interval), ("max_steps", max_steps), ("eval_batches", eval_batches)):
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise InputError(f"got {v!r}; allowed: integer >= 1", field=name)
    s, dev = trainer.shape, trainer.device
    g = torch.Generator().manual_seed(seed)
    ge = torch.Generator().manual_seed(seed + 1)
    history, reached, step, eval_s = [], False, 0, 0.0
    sync(dev)
    t0 = time.perf_counter()
    while step < max_steps:
        trainer.step(*data.batch("train", s.batch_size, s.seq_len, g))
        step += 1
        if progress:
            progress(1)
        if step % eval_interval == 0 or step == max_steps:
            sync(dev)
            te = time.perf_counter()
            loss = trainer.eval_loss(data, eval_batches, ge)
            eval_s += time.perf_counter() - te
            elapsed = time.perf_counter() - t0
            history.append({"step": step, "elapsed_s": elapsed, "val_loss": loss})
            if loss <= target_loss:
                reached = True
                break
            if elapsed > max_time_s:
                break
    wall = time.perf_counter() - t0
    tokens = step * s.tokens_per_step
    return {
        "target_loss": target_loss, "reached": reached, "steps": step, "tokens": tokens, "wall_s": wall,
        "eval_s": eval_s, "val_loss": history[-1]["val_loss"] if history else None,
        "training_flop": config.training_flop_per_step(s) * step,
        "usd": None if price_usd_per_hour is None else price_usd_per_hour * wall / SECONDS_PER_HOUR,
        "history": history,
    }


def measure_time_to_target(shape: ModelShape, target_loss: float, *, device="auto", dtype="auto",
                           data_path=None, compile: bool = False, lr: float = 6e-4, seed: int = 0,
                           **options) -> dict:
    """Train a fresh model of ``shape`` until the validation loss reaches ``target_loss`` [nats/token].

    ``options`` go to :func:`train_to_target` (eval_interval, eval_batches, max_steps, max_time_s,
    price_usd_per_hour, progress).
    """
    dev = pick_device(str(device))
    dt_name = pick_dtype(dtype, dev)
    data = load_data(shape, dev, data_path, seed)
    trainer = Trainer(shape, dev, dt_name, compile=compile, lr=lr, seed=seed)
    return train_to_target(trainer, data, target_loss, seed=seed, **options)


# ---- data parallel (torchrun) -----------------------------------------------------------------------
def _distributed():
    """Initialise torch.distributed when launched by torchrun (WORLD_SIZE > 1), else None."""
    import os

    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return None
    import torch.distributed as tdist

    local = int(os.environ.get("LOCAL_RANK", "0"))
    if torch.cuda.is_available():
        torch.cuda.set_device(local)
        dev, backend = torch.device("cuda", local), "nccl"
    else:
        dev, backend = torch.device("cpu"), "gloo"
    if not tdist.is_initialized():
        tdist.init_process_group(backend)
    return {"device": dev, "world_size": world, "rank": tdist.get_rank()}


def _all_reduce_max(value: float, device) -> float:
    import torch.distributed as tdist

    t = torch.tensor([value], dtype=torch.float64, device=device)
    tdist.all_reduce(t, op=tdist.ReduceOp.MAX)
    return float(t.item())


def is_main_process() -> bool:
    import os

    return int(os.environ.get("RANK", "0")) == 0
