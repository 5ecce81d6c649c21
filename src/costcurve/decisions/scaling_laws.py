"""Fitted scaling laws: loss from parameters and tokens, the compute-optimal split, and two
corrections to it (inference demand, repeated data).

Parametric loss (Hoffmann et al. 2022, *Training Compute-Optimal Large Language Models*, §3.3, eq. 2):

    L(N, D) = E + A / N^α + B / D^β            [nats per token; N parameters, D training tokens]

Minimising L under ``C = 6·N·D`` (ibid., eq. 4):

    G = (α·A / (β·B))^(1/(α+β)),   N* = G·(C/6)^a,   D* = (C/6)^b / G,   a = β/(α+β), b = α/(α+β)

**Inference demand** (Sardana et al. 2023, *Beyond Chinchilla-Optimal: Accounting for Inference
in Language Model Scaling Laws*, §2, eq. 3): for a target loss ℓ and ``T`` tokens served over the
model's life, minimise ``6·N·D(N) + 2·N·T`` with ``D(N) = (B / (ℓ − E − A/N^α))^(1/β)``, the
tokens that reach ℓ at size N. The optimum lies between the smallest model that can reach ℓ and
the Chinchilla-optimal N* (where the derivative of the training term is zero).

**Repeated data** (Muennighoff et al. 2023, *Scaling Data-Constrained Language Models*, §3.1,
eqs. 5–6): with ``U_D`` unique tokens, ``D`` tokens seen count as

    D' = U_D + U_D·R*_D·(1 − exp(−R_D / R*_D)),   R_D = D/U_D − 1 repetitions,  R*_D = 15.4

and parameters beyond the compute-optimal size for ``U_D`` (``U_N``) count as
``N' = U_N + U_N·R*_N·(1 − exp(−R_N/R*_N))``, ``R_N = N/U_N − 1``, ``R*_N = 5.3``. The loss is
``L(N', D')``. (Muennighoff et al. fit R* with their own E, A, B, α, β; here they are combined
with the chosen law's coefficients.)

Every function broadcasts over numpy arrays of compute, tokens and loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError, UnknownNameError
from ..units import check_positive, show


@dataclass(frozen=True)
class ScalingLaw:
    """Coefficients of ``L = E + A/N^α + B/D^β`` and where they come from."""

    name: str
    E: float  #: irreducible loss [nats/token]
    A: float
    B: float
    alpha: float
    beta: float
    source: str
    min_params: float  #: smallest model the fit saw [count]; below it the law is extrapolated
    max_params: float  #: largest model the fit saw [count]

    @property
    def params_exponent(self) -> float:
        """a = β/(α+β): N* ∝ C^a."""
        return self.beta / (self.alpha + self.beta)

    @property
    def tokens_exponent(self) -> float:
        """b = α/(α+β): D* ∝ C^b."""
        return self.alpha / (self.alpha + self.beta)

    def to_dict(self) -> dict:
        return {"name": self.name, "E": self.E, "A": self.A, "B": self.B, "alpha": self.alpha, "beta": self.beta,
                "source": self.source}


LAWS = {
    "chinchilla": ScalingLaw(
        "chinchilla", 1.69, 406.4, 410.7, 0.34, 0.28,
        "Hoffmann et al. 2022, arXiv:2203.15556, §3.3 eq. 10 (Approach 3, parametric fit)", 70e6, 16e9),
    "epoch2024": ScalingLaw(
        "epoch2024", 1.8172, 482.01, 2085.43, 0.3478, 0.3658,
        "Besiroglu, Erdil, Barnett & You 2024, Chinchilla Scaling: A replication attempt, arXiv:2404.10102, "
        "eq. 3 (refit of Approach 3 on the data of Hoffmann et al. Fig. 4; SEs 0.03, 124.58, 1293.23, 0.02, 0.02)",
        70e6, 16e9),
}

#: the law :func:`costcurve.decisions.budget.plan_budget` uses unless told: Besiroglu et al. 2024 showed
#: that Hoffmann et al.'s published Approach 3 parameters do not fit Hoffmann's own data (their §3: the
#: published fit implies ~70 tokens per parameter at Chinchilla's compute against the ~20 of Approaches 1
#: and 2 and of the Chinchilla model itself); the refit gives ~20 tokens per parameter, as those do
DEFAULT_LAW = "epoch2024"

#: Muennighoff et al. 2023, §3.1 and Fig. 3: fitted half-lives of repeated tokens and excess parameters
R_STAR_DATA = 15.4
R_STAR_PARAMS = 5.3
#: Villalobos et al. 2024, *Will we run out of data?*, ICML (arXiv:2211.04325v2) §3: effective stock of
#: quality-adjusted public human text ≈ 300T tokens (90% CI 100T–1000T)
PUBLIC_TEXT_STOCK_TOKENS = 300e12
PUBLIC_TEXT_STOCK_CI_TOKENS = (100e12, 1000e12)


def get_law(name) -> ScalingLaw:
    """A law by name (``epoch2024``, the default, or ``chinchilla``) or a :class:`ScalingLaw` as is."""
    if isinstance(name, ScalingLaw):
        return name
    key = str(name).strip().lower()
    if key not in LAWS:
        raise UnknownNameError("law", name, LAWS, field="law")
    return LAWS[key]


def loss(law: ScalingLaw, params, tokens):
    """Predicted loss ``E + A/N^α + B/D^β``. [nats/token]"""
    params, tokens = check_positive(params, "params"), check_positive(tokens, "tokens")
    return law.E + law.A / np.power(params, law.alpha) + law.B / np.power(tokens, law.beta)


def compute_optimal(law: ScalingLaw, training_flop):
    """(N*, D*) minimising the loss at ``C = 6ND`` (Hoffmann et al. 2022, eq. 4). [count, count]"""
    g = (law.alpha * law.A / (law.beta * law.B)) ** (1.0 / (law.alpha + law.beta))
    c6 = np.asarray(check_positive(training_flop, "training_flop"), dtype=float) / 6.0
    n = g * c6 ** law.params_exponent
    return _plain(n), _plain(c6 / n)


def flop_for_optimal_tokens(law: ScalingLaw, tokens):
    """The compute whose optimal token count is ``tokens``: inverse of D*(C). [FLOP]"""
    g = (law.alpha * law.A / (law.beta * law.B)) ** (1.0 / (law.alpha + law.beta))
    return _plain(6.0 * (np.asarray(tokens, dtype=float) * g) ** (1.0 / law.tokens_exponent))


def tokens_for_loss(law: ScalingLaw, params, target_loss):
    """Tokens a model of ``params`` needs to reach ``target_loss``; inf where it never can. [count]"""
    gap = np.asarray(target_loss - law.E - law.A / np.power(params, law.alpha), dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(gap > 0, (law.B / np.where(gap > 0, gap, 1.0)) ** (1.0 / law.beta), np.inf)
    return _plain(d)


def smallest_params_for_loss(law: ScalingLaw, target_loss):
    """The size below which no amount of data reaches ``target_loss``: ``(A/(ℓ−E))^(1/α)``. [count]"""
    return _plain((law.A / (_reachable(law, target_loss) - law.E)) ** (1.0 / law.alpha))


def _reachable(law: ScalingLaw, target_loss) -> np.ndarray:
    """``target_loss`` as floats, each above the law's irreducible loss E (else no model reaches it)."""
    loss_ = np.asarray(check_positive(target_loss, "target_loss"), dtype=float)
    if np.any(loss_ <= law.E):
        raise InputError(f"got {show(float(np.min(loss_)))}; allowed: a loss above {law.name}'s irreducible "
                         f"E = {law.E:g} nats/token", field="target_loss")
    return loss_


_GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0


def inference_optimal_at_flop(law: ScalingLaw, training_flop, inference_tokens, steps: int = 40):
    """(N, D) of the inference-optimal model (Sardana et al. 2023) whose training compute is ``training_flop``.

    The loss ℓ is found by bisection: the training FLOP ``6·N(ℓ)·D(ℓ)`` of the model minimising
    ``6ND + 2NT`` at loss ℓ falls as ℓ rises, from at least ``training_flop`` at the compute-optimal
    loss of ``training_flop`` (where it equals it only for T = 0) to the FLOP of a model 1,000 times
    smaller. [count, count]
    """
    c = np.asarray(training_flop, dtype=float)
    n0, d0 = compute_optimal(law, c)
    lo = np.asarray(loss(law, n0, d0), dtype=float)
    n_small, d_small = compute_optimal(law, c / 1e3)
    hi = np.asarray(loss(law, n_small, d_small), dtype=float)
    lo, hi = (np.broadcast_to(x, np.broadcast(lo, hi, c).shape).astype(float) for x in (lo, hi))
    for _ in range(steps):
        mid = (lo + hi) / 2.0
        n, d = inference_optimal(law, mid, inference_tokens, compute_optimal(law, _flop_at_loss(law, mid))[0])
        over = 6.0 * n * d > c
        lo, hi = np.where(over, mid, lo), np.where(over, hi, mid)
    ell = (lo + hi) / 2.0
    n, d = inference_optimal(law, ell, inference_tokens, compute_optimal(law, _flop_at_loss(law, ell))[0])
    return _plain(n), _plain(d)


def _flop_at_loss(law: ScalingLaw, target_loss):
    """The compute whose compute-optimal model reaches ``target_loss``: at the optimum both terms scale as
    ``(C/6)^-γ``, γ = αβ/(α+β), so ``L* − E = K·(C/6)^-γ`` with ``K = A·G^-α + B·G^β`` and
    ``C = 6·(K/(ℓ−E))^(1/γ)``. [FLOP]"""
    g = (law.alpha * law.A / (law.beta * law.B)) ** (1.0 / (law.alpha + law.beta))
    gamma = law.alpha * law.beta / (law.alpha + law.beta)
    k = law.A * g ** -law.alpha + law.B * g ** law.beta
    return _plain(6.0 * (k / (_reachable(law, target_loss) - law.E)) ** (1.0 / gamma))


def inference_optimal(law: ScalingLaw, target_loss, inference_tokens, n_upper):
    """(N, D) minimising ``6·N·D(N) + 2·N·T`` at loss ``target_loss`` (Sardana et al. 2023).

    Golden-section search on ln N over (smallest size that reaches the loss, ``n_upper``], where
    ``n_upper`` is the Chinchilla-optimal size for that loss. [count, count]
    """
    lo = np.log(smallest_params_for_loss(law, target_loss)) + 1e-9
    hi = np.log(np.asarray(n_upper, dtype=float))
    lo, hi = np.broadcast_arrays(np.minimum(lo, hi), hi)
    lo, hi = lo.astype(float), hi.astype(float)

    def cost(ln_n):
        n = np.exp(ln_n)
        return 6.0 * n * tokens_for_loss(law, n, target_loss) + 2.0 * n * inference_tokens

    for _ in range(80):
        m1 = hi - _GOLDEN * (hi - lo)
        m2 = lo + _GOLDEN * (hi - lo)
        left = cost(m1) < cost(m2)
        hi = np.where(left, m2, hi)
        lo = np.where(left, lo, m1)
    n = np.exp((lo + hi) / 2.0)
    return _plain(n), _plain(tokens_for_loss(law, n, target_loss))


def effective_tokens(tokens, unique_tokens, r_star: float = R_STAR_DATA):
    """Muennighoff et al. 2023, eq. 5: the tokens ``tokens`` seen over ``unique_tokens`` are worth. [count]"""
    tokens = np.asarray(check_positive(tokens, "tokens"), dtype=float)
    unique_tokens = check_positive(unique_tokens, "unique_tokens")
    reps = np.maximum(tokens / unique_tokens - 1.0, 0.0)
    eff = unique_tokens + unique_tokens * r_star * -np.expm1(-reps / r_star)
    return _plain(np.where(tokens <= unique_tokens, tokens, eff))


def unique_params(law: ScalingLaw, unique_tokens):
    """``U_N``: the compute-optimal size for a budget whose optimal tokens are ``unique_tokens``. [count]"""
    return compute_optimal(law, flop_for_optimal_tokens(law, unique_tokens))[0]


def effective_params(law: ScalingLaw, params, unique_tokens, r_star: float = R_STAR_PARAMS, *, u_n=None):
    """Muennighoff et al. 2023, eq. 6: parameters beyond the optimal size for ``unique_tokens`` decay.
    ``u_n`` may pass :func:`unique_params` precomputed. [count]"""
    u_n = np.minimum(unique_params(law, unique_tokens) if u_n is None else u_n, params)
    reps = np.maximum(np.asarray(params, dtype=float) / u_n - 1.0, 0.0)
    return _plain(u_n + u_n * r_star * -np.expm1(-reps / r_star))


def data_constrained_loss(law: ScalingLaw, params, tokens, unique_tokens, *, u_n=None):
    """``L(N', D')`` with repeated data (Muennighoff et al. 2023). [nats/token]"""
    return loss(law, effective_params(law, params, unique_tokens, u_n=u_n), effective_tokens(tokens, unique_tokens))


def data_constrained_optimal(law: ScalingLaw, training_flop, unique_tokens, points: int = 41):
    """(N, D) minimising the data-constrained loss at ``C = 6ND``: a log grid of ``points`` sizes from
    N*/1000 to 10·N* brackets the minimum, a golden-section search refines it to ~1e-6 in ln N. [count, count]"""
    c = np.asarray(training_flop, dtype=float)[..., None]
    u = np.asarray(unique_tokens, dtype=float)[..., None]
    ln_star = np.log(compute_optimal(law, c)[0])
    u_n = unique_params(law, u)

    def f(ln_n):
        n = np.exp(ln_n)
        return data_constrained_loss(law, n, c / (6.0 * n), u, u_n=u_n)

    grid = ln_star + np.linspace(-3.0 * np.log(10), np.log(10), points)
    i = np.argmin(f(grid), axis=-1)[..., None]
    step = grid[..., 1:2] - grid[..., 0:1]
    best = np.take_along_axis(grid, i, axis=-1)
    lo, hi = best - step, best + step
    for _ in range(30):
        m1, m2 = hi - _GOLDEN * (hi - lo), lo + _GOLDEN * (hi - lo)
        left = f(m1) < f(m2)
        hi, lo = np.where(left, m2, hi), np.where(left, lo, m1)
    n = np.exp((lo + hi) / 2.0)[..., 0]
    return _plain(n), _plain(c[..., 0] / (6.0 * n))


def _plain(x):
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x
