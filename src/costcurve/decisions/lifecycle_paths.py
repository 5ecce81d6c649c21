"""The cheapest path through the options of :mod:`.lifecycle`: an option alone, one switch or two.

Pay-as-you-go options (api, rent) can be left any month: their present value from month ``k`` on is a
suffix sum of their discounted monthly bills. Owned or committed capacity is a final stage (it is
never left): its present value when it starts in month ``k`` is recomputed from ``k`` (the fleet is
bought or committed from then on). The model phase is paid when the first self-hosted stage starts.

    NPV(A until k, then B)              = Σ_{m<k} pv_A[m] + from_B[k]
    NPV(A until k1, B until k2, then C) = Σ_{m<k1} pv_A[m] + Σ_{k1≤m<k2} pv_B[m] + from_C[k2]

A path with more switches is kept only when it is at least :data:`PATH_GAIN` cheaper than the best
with fewer (a switch for a rounding error is no advice).
"""

from __future__ import annotations

import numpy as np

SEPARABLE = ("api", "rent")
PATH_GAIN = 0.005


def cheapest_path(pv: dict, start_npv: dict, phase_pv, self_hosted) -> dict:
    """The cheapest path. ``pv``: option -> discounted monthly bills (M,) of the pay-as-you-go options;
    ``start_npv``: option -> (M,) present value of running it from month k (index) to the end, phase
    excluded; ``phase_pv``: (M,) present value of the model phase paid at the start of month k.

    Returns {"segments": [(option, first month index)], "npv_usd"}.
    """
    names = list(start_npv)
    M = len(next(iter(start_npv.values())))
    pre = {o: np.concatenate([[0.0], np.cumsum(pv[o])]) for o in pv}  # pre[o][k] = Σ_{m<k}

    def stage_cost(o, k):  # from month k on, with the phase if o is self-hosted
        return start_npv[o][k] + (phase_pv[k] if o in self_hosted else 0.0)

    best = [min(((stage_cost(o, 0), [(o, 0)]) for o in names), key=lambda x: x[0])]
    one = []
    for a in (x for x in names if x in pv):
        for b in names:
            if b == a:
                continue
            ks = np.arange(1, M)
            phase = phase_pv[ks] if (b in self_hosted and a not in self_hosted) else 0.0
            tot = pre[a][ks] + start_npv[b][ks] + phase
            if a in self_hosted:  # the phase was paid at month 0 for a self-hosted first stage
                tot = tot + phase_pv[0]
            if tot.size:
                i = int(np.argmin(tot))
                one.append((float(tot[i]), [(a, 0), (b, int(ks[i]))]))
    best.append(min(one, key=lambda x: x[0]) if one else best[0])
    two = []
    k1, k2 = np.meshgrid(np.arange(1, M), np.arange(1, M), indexing="ij")
    ok = k2 > k1
    for a in (x for x in names if x in pv):
        for b in (x for x in names if x in pv and x != a):
            for c in (x for x in names if x != b):
                first_host = a if a in self_hosted else b if b in self_hosted else c if c in self_hosted else None
                phase = (phase_pv[0] if first_host == a else phase_pv[k1] if first_host == b
                         else phase_pv[k2] if first_host == c else 0.0)
                tot = pre[a][k1] + pre[b][k2] - pre[b][k1] + start_npv[c][k2] + phase
                tot = np.where(ok, tot, np.inf)
                if ok.any():
                    i = np.unravel_index(int(np.argmin(tot)), tot.shape)
                    two.append((float(tot[i]), [(a, 0), (b, int(k1[i])), (c, int(k2[i]))]))
    best.append(min(two, key=lambda x: x[0]) if two else best[1])
    chosen = best[0]
    for cand in best[1:]:
        if cand[0] < chosen[0] * (1 - PATH_GAIN):
            chosen = cand
    return {"segments": chosen[1], "npv_usd": chosen[0]}
