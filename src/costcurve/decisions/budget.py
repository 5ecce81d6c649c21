"""The best model a budget buys: dollars → FLOP → parameters and tokens → predicted loss.

1. Dollars → FLOP through the cost chain of ``costcurve train`` (:func:`costcurve.estimate_training`,
   cloud rental at the catalog price of the accelerator and date): the cost of a run is linear in its
   FLOP except through the default MFU, which depends on the model size, so the FLOP the budget
   buys is found by a fixed point ``C ← C · budget / cost(C)`` (converges in a few steps).
2. FLOP → (N, D) from the chosen scaling law (:mod:`costcurve.decisions.scaling_laws`), with the
   predicted loss.
3. With an inference demand of ``T`` tokens, the model the same budget buys that is cheapest over
   its life (Sardana et al. 2023): smaller and trained longer, at the loss where the model minimising
   training + inference FLOP costs exactly the budget to train (it never costs more than the budget).
   Inference FLOP are ``2·N·T`` and are priced at the same dollars per FLOP as training (Sardana et
   al. §2 compare FLOP). The compute-optimal model of the budget is reported beside it.

The default law is Besiroglu et al. 2024's refit (``epoch2024``, ~20 tokens per parameter); Hoffmann
et al.'s Approach 3 as published (``chinchilla``, ~90 tokens per parameter at these budgets) is the
comparison (``law_comparison``).
4. With ``U`` unique tokens, the data-constrained optimum (Muennighoff et al. 2023); data, not
   money, is the limit when the compute-optimal tokens exceed ``U``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

import numpy as np

from ..catalog import Catalog, load_catalog
from ..errors import InputError, NoAnswerError
from ..inputs import blamed_on, check_monte_carlo_options, check_result
from ..results import jsonable
from ..units import SECONDS_PER_DAY, format_usd, number_input
from . import scaling_laws as sl
from ._chain import any_range, monte_carlo, plain, require_price, run_training

NUMERIC = ("usd", "gpus", "days", "mfu", "goodput", "price_usd_per_gpu_hour", "inference_tokens", "unique_tokens")


@dataclass(frozen=True)
class BudgetPlan:
    """Result of :func:`plan_budget`. Numeric fields are floats, or arrays under a Monte Carlo."""

    law: str
    gpu: str
    date: dt.date
    usd: object  #: the budget [USD]
    params: object  #: recommended parameters [count]
    tokens: object  #: recommended training tokens [count]
    training_flop: object  #: 6·N·D [FLOP]
    predicted_loss: object  #: [nats/token]
    cost_usd: object  #: cloud cost of training the recommended model [USD]
    wall_clock_days: object  #: [days]
    gpus: object  #: [count]
    mfu: object  #: [fraction]
    price_usd_per_gpu_hour: object  #: [USD/h]
    usd_per_flop: object  #: training dollars per model FLOP at this hardware, date and price [USD/FLOP]
    price_source: str
    law_source: str
    inference_tokens: object = None  #: tokens served over the model's life [count]
    inference_flop: object = None  #: 2·N·T [FLOP]
    total_cost_usd: object = None  #: training + inference [USD]
    chinchilla_params: object = None  #: the compute-optimal model for the budget (under ``law``) [count]
    chinchilla_tokens: object = None  #: [count]
    chinchilla_total_cost_usd: object = None  #: its training + inference [USD]
    chinchilla_loss: object = None  #: its predicted loss [nats/token]
    saving_vs_chinchilla: object = None  #: chinchilla total − recommended total [USD]
    unique_tokens: object = None  #: unique tokens available [count]
    epochs: object = None  #: tokens / unique tokens [count]
    data_limited: object = None  #: the compute-optimal tokens exceed the unique tokens
    unconstrained_loss: object = None  #: loss with unlimited unique data [nats/token]
    usd_at_data_limit: object = None  #: budget whose compute-optimal tokens equal the unique tokens [USD]
    law_comparison: dict | None = None  #: compute-optimal params, tokens and loss of each law at the same FLOP
    notes: tuple = ()

    @property
    def tokens_per_param(self):
        return self.tokens / self.params

    def to_dict(self, convert=None) -> dict:
        c = convert or jsonable
        d = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if v is None:
                continue
            if f.name == "law_comparison":
                d[f.name] = {k: {kk: c(x) for kk, x in row.items()} for k, row in v.items()}
                continue
            d[f.name] = v.isoformat() if isinstance(v, dt.date) else (list(v) if f.name == "notes" else c(v))
        d["tokens_per_param"] = c(self.tokens_per_param)
        d["law_coefficients"] = sl.get_law(self.law).to_dict()
        return d


def _allocate(law, flop, unique_tokens):
    if unique_tokens is None:
        return sl.compute_optimal(law, flop)
    return sl.data_constrained_optimal(law, flop, unique_tokens)


def plan_budget(*, usd, gpu="h100", gpus=None, days=None, law=sl.DEFAULT_LAW, inference_tokens=None, unique_tokens=None,
                mfu=None, dtype="bf16", goodput=1.0, price_usd_per_gpu_hour=None, provider=None, price_kind="on-demand",
                date=None, assumptions=None, catalog=None, samples=None, seed=None, uncertainty=False):
    """The compute-optimal model for a budget of ``usd`` dollars (see the module docstring).

    usd [USD]; gpu, gpus [count] or days [days], mfu, dtype, goodput, price_usd_per_gpu_hour [USD/h],
    provider, price_kind, date, assumptions: as :func:`costcurve.estimate_training`.
    law: ``epoch2024`` (Besiroglu et al. 2024's refit, the default) or ``chinchilla`` (Hoffmann et al.
    2022, Approach 3 as published).
    inference_tokens: tokens the model will serve [count]; unique_tokens: data available [count].
    Any number may be a range (then a seeded Monte Carlo of ``samples`` draws).
    Raises :class:`NoAnswerError` when the budget buys a model below the smallest the law was fitted on.
    """
    cat = catalog if isinstance(catalog, Catalog) else load_catalog(catalog)
    kwargs = dict(usd=usd, gpu=gpu, gpus=gpus, days=days, law=law, inference_tokens=inference_tokens,
                  unique_tokens=unique_tokens, mfu=mfu, dtype=dtype, goodput=goodput,
                  price_usd_per_gpu_hour=price_usd_per_gpu_hour, provider=provider, price_kind=price_kind, date=date,
                  assumptions=assumptions, catalog=cat)
    if uncertainty or any_range(kwargs, NUMERIC):
        return monte_carlo(plan_budget, kwargs, NUMERIC, samples=samples, seed=seed, uncertainty=uncertainty,
                           target="params", constant="usd")
    check_monte_carlo_options(samples, seed, False)
    L = sl.get_law(law)
    usd = number_input(usd, "usd")
    if usd is None:
        raise InputError("needed: the budget in USD (e.g. 2M)", field="usd")
    inference_tokens = number_input(inference_tokens, "inference_tokens")
    unique_tokens = number_input(unique_tokens, "unique_tokens")
    if inference_tokens is not None and unique_tokens is not None:
        raise InputError("cannot be combined with inference_tokens (the inference-aware optimum with repeated data "
                         "is not modelled); give one of them", field="unique_tokens")
    chain = dict(kwargs, law=None)
    given = {"usd": usd, "inference_tokens": inference_tokens, "unique_tokens": unique_tokens}
    # an overflow is an infinite figure, which _plan's checks refuse by name (not a numpy warning)
    with blamed_on(given, "training_flop", "params", "tokens", "target_loss"), np.errstate(over="ignore", invalid="ignore"):
        return _plan(L, chain, usd, unique_tokens, inference_tokens, given)


def _plan(L, chain, usd, unique_tokens, inference_tokens, given):
    """The checked body of :func:`plan_budget`: size, cost, loss, lifetime; every dollar figure finite."""
    flop, n, d = _size_for_budget(L, chain, usd, unique_tokens)
    est = run_training(chain, params=n, tokens=d)
    usd_per_flop = est.cost_cloud_usd / est.training_flop
    small = n < L.min_params
    if np.all(small):
        need = float(np.max(_flop_for_params(L, L.min_params) * usd_per_flop))
        raise NoAnswerError(f"${float(np.max(usd)):,.0f} buys {float(np.max(flop)):.2e} FLOP, a {float(np.max(n)):.3g}-parameter "
                            f"model, below the {L.min_params:.0e} parameters the {L.name} law was fitted from; "
                            f"needed: at least {format_usd(need)} on {est.gpu}", field="usd")
    nan_if_small = np.where(small, np.nan, 1.0) if np.ndim(small) else 1.0
    out = dict(law_comparison=_law_comparison(est.training_flop), law=L.name, gpu=est.gpu, date=est.date, usd=usd, params=n * nan_if_small, tokens=d,
               training_flop=est.training_flop, gpus=est.gpus, mfu=est.mfu,
               price_usd_per_gpu_hour=est.price_usd_per_gpu_hour, usd_per_flop=usd_per_flop,
               price_source=est.price_source, law_source=L.source)
    est, notes = _loss_and_lifetime(L, chain, out, est, flop, n, d, unique_tokens, inference_tokens, usd_per_flop)
    for key, what in (("total_cost_usd", "training + inference cost"), ("inference_flop", "inference FLOP"),
                      ("chinchilla_total_cost_usd", "lifetime cost of the compute-optimal model"),
                      ("usd_at_data_limit", "budget at the data limit")):
        if out.get(key) is not None:
            check_result(np.abs(out[key]) + 1e-300, what, given, unit="USD" if "usd" in key else "FLOP")
    return BudgetPlan(cost_usd=est.cost_cloud_usd, wall_clock_days=est.wall_clock_s / SECONDS_PER_DAY,
                      notes=tuple(notes + list(est.notes)), **{k: plain(v) for k, v in out.items()})


def _size_for_budget(L, chain, usd, unique_tokens):
    """(FLOP [FLOP], params [count], tokens [count]) the budget buys: a fixed point of the cost of the
    compute-optimal (or, with ``unique_tokens``, data-constrained) allocation."""
    flop = usd / 2e-18  # first guess: ~$2 per H100-hour at 40% MFU; the fixed point below corrects it
    flop = _buyable_flop(L, chain, usd, flop, None, tol=1e-9)
    if unique_tokens is None:
        n, _ = sl.compute_optimal(L, flop)
        # the planner's MFU moves in steps with the size (layouts, the shape rule), so the fixed point may
        # stop a hair off: at the chosen size the cost is linear in the tokens (goodput given), so close it
        flop = flop * usd / run_training(chain, params=n, tokens=flop / (6.0 * n)).cost_cloud_usd
        return flop, n, flop / (6.0 * n)
    # the data-constrained size differs: re-solve at that size
    flop = _buyable_flop(L, chain, usd, flop, unique_tokens, tol=1e-4, steps=3)
    n, _ = _allocate(L, flop, unique_tokens)
    # at a fixed size the cost is linear in the FLOP (the MFU depends on size and count only)
    flop = flop * usd / run_training(chain, params=n, tokens=flop / (6.0 * n)).cost_cloud_usd
    return flop, n, flop / (6.0 * n)


def _loss_and_lifetime(L, chain, out, est, flop, n, d, unique_tokens, inference_tokens, usd_per_flop):
    """Add the predicted loss (or the data-limit figures) and the inference-aware optimum to ``out``;
    returns (the estimate whose cost is reported, notes)."""
    notes = []
    if unique_tokens is None:
        out["predicted_loss"] = sl.loss(L, n, d)
    else:
        out.update(_data_limit(L, flop, n, d, unique_tokens, usd_per_flop))
        notes.append(f"repeated data: Muennighoff et al. 2023 (R*_D = {sl.R_STAR_DATA}, R*_N = {sl.R_STAR_PARAMS})")
    if inference_tokens is not None:
        out.update(_with_inference(L, chain, flop, n, d, inference_tokens, usd_per_flop, out["usd"]))
        est = out.pop("_est")
        notes.append("inference FLOP (2·N per token) priced at the training dollars per FLOP (Sardana et al. 2023 §2)")
        notes.append("for the tokens served, the budget buys a smaller model trained longer: a slightly higher loss "
                     "than the compute-optimal model of the same budget, and cheaper over its life")
    if np.any(d > sl.PUBLIC_TEXT_STOCK_TOKENS):
        notes.append(f"the compute-optimal tokens exceed the stock of public human text, ≈{sl.PUBLIC_TEXT_STOCK_TOKENS:.0e} "
                     "tokens (Villalobos et al. 2024): data, not money, limits this run; give `unique_tokens`")
    return est, notes


def _law_comparison(flop) -> dict:
    """The compute-optimal model of every published law at ``flop``: the spread between fits."""
    out = {}
    for name, law in sl.LAWS.items():
        n, d = sl.compute_optimal(law, flop)
        out[name] = {"params": n, "tokens": d, "predicted_loss": sl.loss(law, n, d)}
    return out


def _buyable_flop(law, chain, usd, flop, unique_tokens, *, tol, steps=40):
    """Fixed point ``C ← C · usd / cost(C)``: the FLOP whose cloud cost is ``usd``. [FLOP]"""
    for _ in range(steps):
        n, d = _allocate(law, flop, unique_tokens)
        est = run_training(chain, params=n, tokens=d)
        require_price(est)
        new = flop * usd / est.cost_cloud_usd
        done = np.all(np.abs(new / flop - 1.0) < tol)
        flop = new
        if done:
            break
    return flop


def _flop_for_params(law, params):
    """The compute whose optimal size is ``params``, inverting N* = G·(C/6)^a. [FLOP]"""
    g = (law.alpha * law.A / (law.beta * law.B)) ** (1.0 / (law.alpha + law.beta))
    return 6.0 * (params / g) ** (1.0 / law.params_exponent)


def _data_limit(law, flop, n, d, unique_tokens, usd_per_flop) -> dict:
    n0, d0 = sl.compute_optimal(law, flop)
    return dict(predicted_loss=sl.data_constrained_loss(law, n, d, unique_tokens), unique_tokens=unique_tokens,
                epochs=d / unique_tokens, data_limited=d0 > unique_tokens, unconstrained_loss=sl.loss(law, n0, d0),
                usd_at_data_limit=sl.flop_for_optimal_tokens(law, unique_tokens) * usd_per_flop)


def _with_inference(law, chain, flop, n0, d0, inference_tokens, usd_per_flop, usd) -> dict:
    """Sardana et al. 2023 within the budget: the inference-optimal model whose training costs ``usd``.

    The FLOP are rescaled by cost (the MFU depends on the size) until the training cost is the budget.
    """
    for _ in range(3):
        n, d = sl.inference_optimal_at_flop(law, flop, inference_tokens)
        est = run_training(chain, params=n, tokens=d)
        flop = flop * usd / est.cost_cloud_usd
    n, d = sl.inference_optimal_at_flop(law, flop, inference_tokens)
    est = run_training(chain, params=n, tokens=d)
    d = d * usd / est.cost_cloud_usd  # at this size the cost is linear in the tokens: close the budget exactly
    est = run_training(chain, params=n, tokens=d)
    total = est.cost_cloud_usd + 2.0 * n * inference_tokens * est.cost_cloud_usd / est.training_flop
    chin_total = 6.0 * n0 * d0 * usd_per_flop + 2.0 * n0 * inference_tokens * usd_per_flop
    return dict(_est=est, params=n, tokens=d, training_flop=est.training_flop, predicted_loss=sl.loss(law, n, d),
                inference_tokens=inference_tokens, inference_flop=2.0 * n * inference_tokens, total_cost_usd=total,
                chinchilla_params=n0, chinchilla_tokens=d0, chinchilla_total_cost_usd=chin_total,
                chinchilla_loss=sl.loss(law, n0, d0), saving_vs_chinchilla=chin_total - total, gpus=est.gpus,
                mfu=est.mfu, usd_per_flop=est.cost_cloud_usd / est.training_flop)
