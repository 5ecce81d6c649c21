"""Deployment cost against published API list prices of the same open model (``deploy --compare-api``).

An API's price of a query is its input and output list prices times the query's mean lengths
(``ApiPrice.usd_per_query``: the 3:1 blend when no split is published); the ratio ``api / deployment``
says how far above costcurve's cost of the cheapest deployment each offer sits. Prices come from the
bundled API price table (:mod:`costcurve.trends.api_prices`), each row with its source and date.
"""

from __future__ import annotations


def api_comparison(result, *, latest_only=True) -> list[dict]:
    """Every listed API price of ``result.model`` (latest per provider), cheapest first, with its ratio to
    ``result``'s cost per query; [] when the table has no price for that model."""
    from ..trends.api_prices import prices_for_architecture

    rows = prices_for_architecture(result.model)
    if latest_only:
        latest = {}
        for r in rows:
            if r.provider not in latest or r.date > latest[r.provider].date:
                latest[r.provider] = r
        rows = list(latest.values())
    I, O = result.input_tokens_mean, result.output_tokens_mean
    ours = result.best.usd_per_query
    out = [{"provider": r.provider, "date": r.date.isoformat(), "usd_per_million_input_tokens": r.usd_per_m_input,
            "usd_per_million_output_tokens": r.usd_per_m_output, "usd_per_million_blended": r.usd_per_m_blended,
            "usd_per_query": r.usd_per_query(I, O), "ratio_to_deployment": r.usd_per_query(I, O) / ours,
            "source": r.source} for r in rows]
    return sorted(out, key=lambda d: d["usd_per_query"])
