

def test_poisson_quantile_matches_scipy():
    """The capped Poisson quantile of the record process equals scipy's ppf, capped, on a grid of means."""
    import numpy as np
    from scipy import stats

    from costcurve.trends.records import poisson_quantile

    rng = np.random.default_rng(3)
    u = rng.random((400, 1))
    lam = np.array([0.0, 1e-3, 0.3, 1.0, 4.0, 17.0, 55.0, 200.0])[None, :]
    want = np.minimum(np.nan_to_num(stats.poisson.ppf(u, lam), nan=0.0), 60).astype(int)
    got = poisson_quantile(u, lam, 60)
    assert got.shape == want.shape and (got == want).mean() > 0.999
    assert np.abs(got - want).max() <= 1
    assert (np.diff(poisson_quantile(u, np.linspace(0, 30, 12)[None, :], 60), axis=1) >= 0).all()  # grows with tau
