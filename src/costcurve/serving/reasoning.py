"""Thinking (reasoning) tokens of a query: decoded before the visible answer, so a serving model
decodes ``answer + reasoning`` tokens per query; an API bills them as output tokens.

A count may be a distribution (``500..4000``, ``lognormal(p5,p95)``, ...); a model that needs one
length takes its mean, estimated from a fixed-seed sample (:data:`MEAN_SAMPLES` draws, standard error
well under 1% for the spreads people type).
"""

from __future__ import annotations

import numpy as np

from ..uncertainty import is_distribution, parse_dist
from ..units import number_input

MEAN_SAMPLES = 20_000  #: draws behind the mean of a token-count distribution [count]


def mean_tokens(value, field: str = "reasoning_tokens") -> float:
    """Mean of a token count [tokens]: the number itself, or a distribution's mean; None → 0."""
    if value is None:
        return 0.0
    if is_distribution(value):
        d = parse_dist(value, field)
        x = d.sample(np.random.default_rng(0), MEAN_SAMPLES, 0.0, np.inf, low_inclusive=True, field=field)
        return float(x.mean())
    return float(number_input(value, field, allow_zero=True))
