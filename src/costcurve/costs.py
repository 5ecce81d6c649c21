"""Dollar and energy cost of running accelerators: the three methods of Cottier et al. (2024).

``cloud``        accelerator-hours × hourly rental price.
``amortized``    the share of the cluster's capital cost used up during the run, plus the energy:
                 ``capex × (1 − exp(−r·t)) + energy_kwh × usd_per_kwh`` where capex = accelerators ×
                 chip price × server/cluster overhead, ``r`` the depreciation rate [1/year] and ``t``
                 the wall-clock time [years] (exponential depreciation, Cottier et al. 2024, §2 and
                 Appendix; Epoch AI training-cost-trends).
``acquisition``  accelerators × chip price × server/cluster overhead: buying the whole cluster.

Energy: ``accelerators × TDP × server power overhead × PUE × utilisation × time``.

All functions take floats or numpy arrays and broadcast. Defaults and their sources are in
:data:`DEFAULTS` and docs/cost-defaults.md.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from .units import JOULES_PER_KWH, SECONDS_PER_YEAR


@dataclass(frozen=True)
class CostAssumptions:
    """Defaults for the amortized and acquisition methods and for energy (see docs/cost-defaults.md)."""

    server_overhead: float  #: cluster capex / accelerator capex (servers, CPUs, networking) [1]
    depreciation_per_year: float  #: exponential depreciation rate of hardware value [1/year]
    server_power_overhead: float  #: server power / accelerator TDP (CPUs, memory, fans, network) [1]
    power_utilization: float  #: average draw / TDP while training [1]
    pue: float  #: data-centre power usage effectiveness [1]
    electricity_usd_per_kwh: float  #: [USD/kWh]
    grid_kg_co2_per_kwh: float  #: carbon intensity of the electricity [kg CO2 / kWh]

    def __post_init__(self):
        """Check every field (a number, an array, or a range for the Monte Carlo, e.g. ``"1.1..1.5"``)."""
        from .errors import InputError
        from .uncertainty import is_distribution, parse_dist
        from .units import number_input

        for name, (low, upper, allow_zero) in ASSUMPTION_RANGES.items():
            v = getattr(self, name)
            if v is None:
                raise InputError("got None; allowed: a number", field=name)
            if is_distribution(v):
                parse_dist(v, name)
                continue
            object.__setattr__(self, name, number_input(v, name, kind="plain", low=low, upper=upper,
                                                        allow_zero=allow_zero))

    def to_dict(self) -> dict:
        return asdict(self)


#: allowed range of each field: (lower bound or None, upper bound or None, zero allowed)
ASSUMPTION_RANGES = {
    "server_overhead": (1.0, None, False),  # a cluster costs at least its accelerators
    "depreciation_per_year": (None, None, True),  # 0: no depreciation
    "server_power_overhead": (1.0, None, False),  # a server draws at least its accelerators' power
    "power_utilization": (None, 1.0, False),
    "pue": (1.0, None, False),  # facility power >= IT power by definition
    "electricity_usd_per_kwh": (None, None, True),
    "grid_kg_co2_per_kwh": (None, None, True),
}


def acquisition_cost_usd(n_accelerators, chip_price_usd, server_overhead):
    """Capital cost of the cluster: ``n × chip price × overhead``. [USD]"""
    return n_accelerators * chip_price_usd * server_overhead


def energy_kwh(n_accelerators, tdp_w, seconds, *, server_power_overhead, power_utilization, pue):
    """Facility energy of a run: ``n × TDP × overhead × utilisation × PUE × time``. [kWh]"""
    return n_accelerators * tdp_w * server_power_overhead * power_utilization * pue * seconds / JOULES_PER_KWH


def amortized_capex_usd(capex_usd, seconds, depreciation_per_year):
    """Hardware value used up during a run of ``seconds``: ``capex·(1 − e^(−r·t))``. [USD]"""
    years = seconds / SECONDS_PER_YEAR
    if isinstance(years, float) and isinstance(depreciation_per_year, float):
        return capex_usd * -math.expm1(-depreciation_per_year * years)
    return capex_usd * -np.expm1(-np.asarray(depreciation_per_year) * years)


def cloud_cost_usd(accelerator_hours, usd_per_accelerator_hour):
    """Rental cost: accelerator-hours × hourly price. [USD]"""
    return accelerator_hours * usd_per_accelerator_hour


#: keys of :func:`run_costs`, in order
RUN_COST_KEYS = ("cost_cloud_usd", "cost_amortized_usd", "cost_acquisition_usd", "cost_energy_usd", "energy_kwh",
                 "co2_kg")


def run_costs(assumptions, *, n_accelerators, tdp_w, wall_clock_s, accelerator_hours, usd_per_accelerator_hour,
              chip_price_usd) -> dict:
    """The cost chain of one run (or arrays of runs): the three costs, energy and CO2.

    The one place the chain is built; :func:`costcurve.training.estimate_training`, the planner
    (:mod:`costcurve.training.planner.cost`) and the decisions (through ``estimate_training``) call it.
    Keys (:data:`RUN_COST_KEYS`): ``cost_cloud_usd`` = accelerator-hours × price [USD];
    ``cost_amortized_usd`` = ``capex·(1 − e^(−r·t))`` + energy × electricity price [USD];
    ``cost_acquisition_usd`` = capex [USD]; ``cost_energy_usd`` [USD]; ``energy_kwh`` [kWh];
    ``co2_kg`` = energy × grid intensity [kg]. ``assumptions``: a :class:`CostAssumptions`;
    ``tdp_w`` [W] and ``chip_price_usd`` [USD] NaN where unknown (their costs are then NaN).
    """
    A = assumptions
    energy = energy_kwh(n_accelerators, tdp_w, wall_clock_s, server_power_overhead=A.server_power_overhead,
                        power_utilization=A.power_utilization, pue=A.pue)
    energy_usd = energy * A.electricity_usd_per_kwh
    capex = acquisition_cost_usd(n_accelerators, chip_price_usd, A.server_overhead)
    return {"cost_cloud_usd": cloud_cost_usd(accelerator_hours, usd_per_accelerator_hour),
            "cost_amortized_usd": amortized_capex_usd(capex, wall_clock_s, A.depreciation_per_year) + energy_usd,
            "cost_acquisition_usd": capex, "cost_energy_usd": energy_usd, "energy_kwh": energy,
            "co2_kg": energy * A.grid_kg_co2_per_kwh}


# Defaults (docs/cost-defaults.md gives each source in full):
#: chip-to-server cost 1.64 (Cottier et al. 2024, App. A.1) with cluster interconnect 19% of the total
#: (ibid., CLUSTER_INTERCONNECT_COST_FRACTION in Epoch's training-cost-trends): 1.64 / (1 - 0.19)
SERVER_OVERHEAD = 1.64 / (1 - 0.19)
#: price-performance improves 0.14 orders of magnitude a year (Cottier et al. 2024, §2.2, App. A.3): r = 0.14·ln 10
DEPRECIATION_PER_YEAR = 0.14 * math.log(10)

DEFAULT_ASSUMPTIONS = CostAssumptions(
    server_overhead=SERVER_OVERHEAD,
    depreciation_per_year=DEPRECIATION_PER_YEAR,
    server_power_overhead=1.8,  # chip-to-server power, "other GPUs" (Epoch training-cost-trends energy.py)
    power_utilization=0.75,  # average power / server TDP for GPUs (Cottier et al. 2024, App. A.4)
    pue=1.1,  # hyperscale data centre (Cottier et al. 2024, App. A.4)
    electricity_usd_per_kwh=0.0826,  # US industrial average 2025 (EIA Electric Power Monthly Table 5.6.A)
    grid_kg_co2_per_kwh=0.367,  # US average 2023, 0.81 lb/kWh (EIA FAQ id=74)
)
