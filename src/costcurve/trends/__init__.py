"""Cost trends: dated series, fits, forecasts, backtests, decompositions and published claims checked.

Modules (import what you use; nothing here is loaded by ``import costcurve``):

* :mod:`.series` — the data types :class:`~.series.Series` and :class:`~.series.Point`,
* :mod:`.bundled` — the bundled series (:func:`~.bundled.get_series`, :data:`~.bundled.SERIES`),
* :mod:`.sources` — a user's CSV and Epoch AI's exports (:func:`~.sources.load_source`),
* :mod:`.fit` — exponential, random-walk and Wright's-law fits,
* :mod:`.forecast` — forecasts to a year, ``when``, backtests (coverage, interval score, width),
* :mod:`.structural` — the forecast from the drivers, bounded by physical floors,
* :mod:`.drivers` — the driver series (FLOP needed, price-performance, MFU, model size, margin) and fits,
* :mod:`.floors` — the energy floor of a FLOP,
* :mod:`.validation` — backtests pooled over capability levels,
* :mod:`.decompose` — the decline split into hardware and algorithms,
* :mod:`.claims` — ARK Invest's AI-cost claims recomputed two ways.
"""
