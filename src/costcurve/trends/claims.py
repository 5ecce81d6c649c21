"""The published claims, checked: each figure of ARK Invest's AI-cost analysis recomputed twice.

For every claim (text, value, unit and source in ``data/claims_<DATA_VERSION>.csv``, as retold in the Unite.AI
article this project answers) a registered function returns

* ``ark_value``: the figure recomputed from ARK's *other* figures (is the analysis self-consistent?),
* ``computed_value``: the figure from costcurve's catalogs, series and fits,

and the table prints claim, seed value, both recomputations and their ratios to the seed value.
Claims come from a registry (:func:`claim`), so other modules add rows with a small function;
:func:`register_inference_claims` adds the serving-cost rows from :mod:`costcurve.serving.estimate`.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import math
from dataclasses import dataclass
from importlib import resources

from ..errors import CostcurveError, InputError, UnknownNameError

REPORT_DATE = dt.date(2023, 1, 31)  #: ARK Invest Big Ideas 2023 publication, the "today" of its claims
GPT3_PARAMS, GPT3_TOKENS = 175e9, 300e9  #: GPT-3 175B, 300B training tokens (Brown et al. 2020)
WORDS_PER_TOKEN = 0.75  #: English BPE rule of thumb (OpenAI tokenizer help: 1 token ≈ 3/4 word)
LAMBDA_V100_FLOP_PER_S, LAMBDA_V100_USD_PER_HOUR = 28e12, 1.50  #: Lambda Labs 2020 assumptions behind $4.6M
REGISTRY: dict = {}  #: claim id -> function(Context) -> (ark_value, ark_note, computed_value, computed_note)


def claim(claim_id: str):
    """Register the function that recomputes claim ``claim_id`` (a row of data/claims_<DATA_VERSION>.csv or given texts)."""
    def deco(fn):
        REGISTRY[claim_id] = fn
        return fn
    return deco


@functools.lru_cache(maxsize=1)
def claim_texts() -> dict:
    """id -> {claim, seed_value, unit, year, source} from data/claims_<DATA_VERSION>.csv."""
    from ..catalog import data_file

    text = resources.files("costcurve").joinpath("data", data_file("claims")).read_text(encoding="utf-8")
    return parse_claims(text, f"costcurve/data/{data_file('claims')}")


def parse_claims(text: str, path: str = "claims.csv") -> dict:
    """id -> row of a claims table ``text``, checked (texts, a finite positive seed value, unique ids)."""
    from ..errors import CatalogError

    out = {}
    for i, r in enumerate(csv.DictReader(text.splitlines()), start=2):
        for col in ("id", "claim", "seed_value", "unit", "source"):
            if not (r.get(col) or "").strip():
                raise CatalogError(path, i, col, "is empty; a value is required")
        try:
            v = float(r["seed_value"])
        except ValueError:
            raise CatalogError(path, i, "seed_value", f"got {r['seed_value']!r}; allowed: a number") from None
        if not (math.isfinite(v) and v > 0):
            raise CatalogError(path, i, "seed_value", f"got {r['seed_value']!r}; allowed: a finite number > 0")
        if r["id"] in out:
            raise CatalogError(path, i, "id", f"duplicate id {r['id']!r}")
        r["seed_value"] = v
        out[r["id"]] = r
    return out


@dataclass(frozen=True)
class ClaimRow:
    """One checked claim. Ratios are value / seed value (1.0 = the claim is reproduced)."""

    id: str
    claim: str
    seed_value: float
    unit: str
    source: str
    ark_value: float | None
    ark_note: str
    computed_value: float | None
    computed_note: str
    computed_interval: tuple | None = None  #: (low, high) of the computed value where it is a forecast
    decomposition: dict | None = None  #: a forecast's factors by driver (their logs sum to the total change)

    @property
    def ratio(self) -> float | None:
        return self.computed_value / self.seed_value if self.computed_value is not None else None

    @property
    def ark_ratio(self) -> float | None:
        return self.ark_value / self.seed_value if self.ark_value is not None else None

    def to_dict(self) -> dict:
        return {"id": self.id, "claim": self.claim, "seed_value": self.seed_value, "unit": self.unit,
                "ark_value": self.ark_value, "ark_ratio": self.ark_ratio, "ark_note": self.ark_note,
                "computed_value": self.computed_value, "ratio": self.ratio, "computed_note": self.computed_note,
                "computed_interval": None if self.computed_interval is None else list(self.computed_interval),
                "decomposition": self.decomposition, "source": self.source}


class Context:
    """Shared, lazily computed inputs of the claim functions (series, fits, decomposition)."""

    def __init__(self, catalog=None, level: float = 0.9):
        self.catalog, self.level = catalog, level
        self._cache: dict = {}

    @functools.cached_property
    def cat(self):
        from .bundled import _catalog

        return _catalog(self.catalog)

    def series(self, name):
        """A bundled series, built once per table."""
        from .bundled import get_series

        key = ("series", name)
        if key not in self._cache:
            self._cache[key] = get_series(name, catalog=self.cat)
        return self._cache[key]

    def fit(self, name, method="ols"):
        """A series' fit (``ols`` or ``rwd``) on its default points, computed once per table."""
        from .fit import fit_series

        key = ("fit", name, method)
        if key not in self._cache:
            self._cache[key] = fit_series(self.series(name), method=method, level=self.level)
        return self._cache[key]

    def structural(self, name, capability=None, year: float = 2030.5):
        """(series, model, Forecast) of the structural forecast of a bundled series at ``year``, once per table."""
        from .bundled import get_series
        from .forecast import forecast
        from .structural import build_structural

        key = ("structural", name, capability, year)
        if key not in self._cache:
            s = get_series(name, catalog=self.cat, **({"capability": capability} if capability else {}))
            m = build_structural(s, level=self.level, catalog=self.cat)
            self._cache[key] = (s, m, forecast(m, year, self.level))
        return self._cache[key]

    @functools.cached_property
    def decomposition(self):
        from .decompose import decompose

        return decompose("gpt3-level", catalog=self.cat, level=self.level)

    def ark(self, claim_id) -> float:
        return claim_texts()[claim_id]["seed_value"]


def _yr(d: dt.date) -> float:
    from ..units import decimal_year

    return decimal_year(d)


# ---- GPT-3 level ----------------------------------------------------------------------------------
@claim("gpt3_cost_2020")
def _gpt3_2020(c: Context):
    rec = c.cat.model("GPT-3 175B (davinci)")
    ark = rec["training_flop"] / LAMBDA_V100_FLOP_PER_S / 3600 * LAMBDA_V100_USD_PER_HOUR
    p = next(p for p in c.series("gpt3-level").points if p.label == rec["name"])
    return (ark, f"Lambda's arithmetic: {rec['training_flop']:.3g} FLOP at 28 TFLOP/s per V100 and $1.50/h",
            p.value, f"GPT-3 175B priced at catalog on-demand prices of {p.date}: {p.extra['gpu_hours']:.3g} "
                     f"{p.extra['gpu']}-hours at ${p.extra['price_usd_per_gpu_hour']:.2f}/h")


@claim("gpt3_cost_2022")
def _gpt3_2022(c: Context):
    f = c.fit("gpt3-level")
    ark = c.ark("gpt3_cost_2020") * (1 - c.ark("gpt3_annual_decline")) ** 2
    return (ark, "$4.6M x (1 - 70%)^2: ARK's 2020 figure at its own 70%/yr",
            float(f.predict(2022.5)), f"gpt3-level trend (OLS on {f.n} records) at mid-2022")


@claim("gpt3_annual_decline")
def _gpt3_decline(c: Context):
    from .fit import decline_between

    f = c.fit("gpt3-level")
    lo, hi = f.conf_int()["annual_decline"]
    return (decline_between(c.ark("gpt3_cost_2020"), c.ark("gpt3_cost_2022"), 2.0), "1 - (450K / 4.6M)^(1/2)",
            f.annual_decline, f"gpt3-level OLS on {f.n} records {f.t_min:.1f}-{f.t_max:.1f}, "
                              f"{int(100 * c.level)}% CI {100 * lo:.0f}%-{100 * hi:.0f}%")


def _drivers_note(fc) -> str:
    return ", ".join(f"{d['name']} x{d['factor_per_year']:.2f}/yr" for d in fc.drivers)


def driver_factors(model, fc, scale: float = 1.0) -> dict:
    """A structural forecast's change from its anchor to ``fc.year`` by driver: each driver's median factor,
    and the bounds-and-combination factor that makes their product the median (their logs sum to the total)."""
    tau = fc.year - model.anchor_year
    parts = {d["name"]: d["factor_per_year"] ** tau for d in fc.drivers}
    total = fc.median / model.anchor_value
    rest = total / math.prod(parts.values())
    return {"from_value": model.anchor_value * scale, "from_year": model.anchor_year, "from_label": model.anchor_label,
            "to_value": fc.median * scale, "to_year": fc.year, "total_factor": total, "factors": parts,
            "bounds_and_combination": rest,
            "note": "factors are each driver's median change; the last factor is what the floor, the cap at the "
                    "record in force and the median of the product add (the logs of all factors sum to the total)"}


@claim("gpt3_cost_2030")
def _gpt3_2030(c: Context):
    _, m, fc = c.structural("gpt3-level")
    return (c.ark("gpt3_cost_2022") * (1 - c.ark("gpt3_annual_decline")) ** 8, "$450K x (1 - 70%)^8",
            fc.median, f"gpt3-level structural forecast for mid-2030 from {m.anchor_label} (${m.anchor_value:,.3g}, the "
                       f"record in force); {_drivers_note(fc)}; floor ${fc.floor['value']:.2g}",
            fc.interval, driver_factors(m, fc))


# ---- ResNet-50 / DAWNBench -------------------------------------------------------------------------
def _cheapest_by(c, year_end):
    pts = [p for p in c.series("resnet50-imagenet").points if p.date.year <= year_end]
    return min(pts, key=lambda p: p.value)


@claim("resnet_cost_2017")
def _resnet_2017(c: Context):
    p = _cheapest_by(c, 2017)
    return None, "a data point, not derived", p.value, f"cheapest DAWNBench ImageNet entry of 2017: {p.label}"


@claim("resnet_cost_2019")
def _resnet_2019(c: Context):
    p = _cheapest_by(c, 2019)
    return (None, "a data point, not derived", p.value,
            f"cheapest DAWNBench ImageNet entry up to 2019: {p.label} ({p.date})")


@claim("resnet_factor_per_year")
def _resnet_factor(c: Context):
    f = c.fit("resnet50-imagenet")
    return ((c.ark("resnet_cost_2017") / c.ark("resnet_cost_2019")) ** 0.5, "($1000 / $10)^(1/2)",
            1 / f.factor_per_year, f"1 / factor of the DAWNBench OLS trend on {f.n} records {f.t_min:.1f}-{f.t_max:.1f}")


@claim("moore_50x")
def _moore(c: Context):
    f = c.fit("resnet50-imagenet")
    hw = c.fit("gpu-price-performance")
    ai, moore = (1 / f.factor_per_year) ** 2, hw.factor_per_year ** 2
    return (c.ark("resnet_cost_2017") / c.ark("resnet_cost_2019") / 2.0,
            "100x cost decline in 2 years / 2x from Moore's law (doubling every 2 years)",
            ai / moore, f"DAWNBench decline over 2 years ({ai:.3g}x) / catalog GPU FLOP/s-per-$ gain ({moore:.3g}x)")


# ---- algorithms and hardware ---------------------------------------------------------------------
@claim("compute_halving_months")
def _halving(c: Context):
    d = c.decomposition
    algo = d.parts[0]
    months = 12 * math.log(2) / -algo.slope_per_year if algo.slope_per_year < 0 else None
    years = (dt.date(2019, 5, 1) - dt.date(2012, 6, 1)).days / 365.25
    return (12 * years / math.log2(44), "OpenAI's 44x less compute, Jun 2012 to May 2019",
            months, f"halving time of training FLOP at GPT-3 level ({d.n_points} {d.points}, "
                    f"{d.start_year:.1f}-{d.end_year:.1f}); LLMs, not ImageNet")


@claim("hardware_decline")
def _hardware(c: Context):
    d = c.decomposition
    hw = d.parts[1]
    peak = f"; catalog price-performance alone {100 * d.hardware_parts[0].annual_decline:.0f}%/yr" if d.hardware_parts else ""
    return (1 - 0.25 / (1 - c.ark("software_decline")), "1 - (1 - 75%) / (1 - 47%): ARK 2024's total and software rates",
            hw.annual_decline, f"USD per model FLOP at GPT-3 level, {d.start_year:.1f}-{d.end_year:.1f}{peak}")


@claim("software_decline")
def _software(c: Context):
    d = c.decomposition
    return (1 - 0.25 / (1 - c.ark("hardware_decline")), "1 - (1 - 75%) / (1 - 53%): ARK 2024's total and hardware rates",
            d.parts[0].annual_decline, f"training FLOP needed at GPT-3 level, {d.start_year:.1f}-{d.end_year:.1f}")


# ---- the 57x / 720x model ---------------------------------------------------------------------------
def _big_model_today(c: Context):
    from .bundled import era_default_gpu
    from costcurve.training.estimate import estimate_training

    gpu = era_default_gpu(REPORT_DATE)
    est = estimate_training(params=57 * GPT3_PARAMS, tokens=720 * GPT3_TOKENS, gpu=gpu, date=REPORT_DATE, catalog=c.cat)
    return float(est.cost_cloud_usd), est


@claim("big_model_cost_today")
def _big_today(c: Context):
    cost, est = _big_model_today(c)
    ark = c.ark("gpt3_cost_2020") * (1 - c.ark("gpt3_annual_decline")) ** 2 * 57 * 720
    return (ark, "$4.6M x (1 - 70%)^2 x 57 x 720 (cost proportional to parameters x tokens)",
            cost, f"{est.training_flop:.3g} FLOP (6ND) on {est.gpus:,.0f} {est.gpu} at MFU {est.mfu:.2f}, "
                  f"${est.price_usd_per_gpu_hour:.2f}/h ({REPORT_DATE})")


@claim("big_model_cost_2030")
def _big_2030(c: Context):
    cost, _ = _big_model_today(c)
    factor = _gpt3_factor_to_2030(c)
    return (57 * 720 * c.ark("gpt3_cost_2030"), "57 x 720 x ARK's own $30 GPT-3-level cost in 2030",
            cost * factor, f"today's costcurve cost x the gpt3-level structural decline {REPORT_DATE.year}-2030 ({factor:.2g})")


def _gpt3_factor_to_2030(c: Context) -> float:
    """Median cost at GPT-3 level in mid-2030 (structural) over the record in force at ARK's report date."""
    s, _, fc = c.structural("gpt3-level")
    then = [p.value for p in s.points if p.date <= REPORT_DATE]
    return fc.median / min(then)


@claim("big_model_tokens")
def _tokens(c: Context):
    rec = c.cat.model("GPT-3 175B (davinci)")
    n = 57 * GPT3_PARAMS
    return (720 * GPT3_TOKENS, "720 x 300B", 720 * rec["training_tokens"],
            f"720 x GPT-3's tokens in the models catalog; Chinchilla-optimal for {n:.3g} parameters would be "
            f"20 x N = {20 * n:.3g} (Hoffmann et al. 2022)")


@claim("big_model_words")
def _words(c: Context):
    rec = c.cat.model("GPT-3 175B (davinci)")
    return (720 * GPT3_TOKENS * 0.75, "216T tokens x 0.75 words per token",
            720 * rec["training_tokens"] * WORDS_PER_TOKEN, "catalog tokens x 0.75 words/token (OpenAI rule of thumb)")


# ---- serving (rows from costcurve.serving.estimate) ---------------------------------------------------------
INFERENCE_CLAIMS = ("query_cost_today", "queries_per_day")
CHATBOT_MODEL = "gpt3-175b"  #: a ChatGPT-class model of Jan 2023 (GPT-3.5 is GPT-3-sized; not published)


def register_inference_claims() -> bool:
    """Add the serving-cost claims when :mod:`costcurve.serving.estimate` is installed; returns whether it was."""
    try:
        from costcurve.serving.estimate import CHAT_INPUT_TOKENS, CHAT_OUTPUT_TOKENS, estimate_inference
    except ImportError:
        return False

    def today(c: Context):
        from .bundled import era_default_gpu

        gpu = era_default_gpu(REPORT_DATE)
        # one 8-accelerator server in fp16, serving chat turns with their history (see costcurve.serving.estimate)
        return estimate_inference(model=CHATBOT_MODEL, gpu=gpu, gpus=8, dtype="fp16", date=REPORT_DATE, catalog=c.cat,
                                  input_tokens=CHAT_INPUT_TOKENS, output_tokens=CHAT_OUTPUT_TOKENS,
                                  min_tokens_per_s_per_user=None)  # ARK's claim: the throughput-optimal batch


    @claim("query_cost_today")
    def _query_today(c: Context):
        e = today(c)
        return (None, "an input of ARK's analysis", float(e.usd_per_query),
                f"{CHATBOT_MODEL} on {e.gpus:g} {e.gpu} at batch {float(e.batch):g}, {e.input_tokens:g}+{e.output_tokens:g} "
                f"tokens, ${float(e.price_usd_per_gpu_hour):.2f}/h ({REPORT_DATE})")

    @claim("queries_per_day")
    def _qpd(c: Context):
        budget = c.ark("queries_per_day") * c.ark("query_cost_2030") / 1e9
        per_query_2030 = _query_2030_structural(c)[2] / 1e9
        return (c.ark("queries_per_day"), f"an input (Google search volume); ARK's cost ${budget:,.0f}/day",
                budget / per_query_2030, f"queries/day that ARK's ${budget:,.0f}/day buys at costcurve's 2030 price per "
                                         "query (the structural forecast of the query_cost_2030 row)")

    return True


# ---- serving, from API list prices (data/api_prices_<DATA_VERSION>.csv) -----------------------------------------
CHATGPT_LAUNCH = dt.date(2022, 11, 30)  #: ChatGPT's launch (OpenAI, "Introducing ChatGPT")
CHATGPT_API_MODEL = "GPT-3.5"  #: text-davinci-003, the API model of ChatGPT's launch generation (Epoch AI's row)
CHATGPT_LEVEL = "mmlu>=64.8"  #: ChatGPT's launch model's MMLU (Epoch AI's "GPT-3.5" level)


def _chat_tokens():
    from costcurve.serving.estimate import CHAT_INPUT_TOKENS, CHAT_OUTPUT_TOKENS

    return CHAT_INPUT_TOKENS, CHAT_OUTPUT_TOKENS


@claim("query_cost_api_launch")
def _query_api_launch(c: Context):
    from .api_prices import provider_prices

    tin, tout = _chat_tokens()
    rows = [r for r in provider_prices(CHATGPT_API_MODEL) if r.date <= CHATGPT_LAUNCH]
    if not rows:
        raise CostcurveError(f"no API price of {CHATGPT_API_MODEL} on or before {CHATGPT_LAUNCH}")
    r = max(rows, key=lambda r: r.date)
    price = r.usd_per_query(tin, tout)
    model_note = ""
    if "query_cost_today" in REGISTRY:
        try:
            model_cost = REGISTRY["query_cost_today"](c)[2]
            model_note = f"; costcurve's serving model gives ${model_cost:.4f} (x{price / model_cost:.1f} is price over cost)"
        except CostcurveError:
            pass
    return (None, "an input of ARK's analysis", price,
            f"{r.model} API list price on {r.date}: ${r.usd_per_m_input:g}/${r.usd_per_m_output:g} per 1M tokens "
            f"x {tin}+{tout} tokens" + model_note)


@claim("query_cost_2030")
def _query_2030(c: Context):
    return _query_2030_structural(c)


def _query_2030_structural(c: Context):
    """ARK's $650 per billion queries by 2030, answered once: the structural forecast of the cheapest API price at
    ChatGPT's launch level, decomposed into hardware, smaller models and margin."""
    tin, tout = _chat_tokens()
    per_billion = (tin + tout) / 1e6 * 1e9  # USD per 1M tokens -> USD per 1e9 queries of tin + tout tokens
    s, m, fc = c.structural("inference-price", CHATGPT_LEVEL)
    dec = driver_factors(m, fc, per_billion)
    parts = "; ".join(f"{k} x{v:.2g}" for k, v in dec["factors"].items())
    lo, hi = (x * per_billion for x in fc.interval)
    return (c.ark("query_cost_today") * 1e9 * (1 - c.ark("gpt3_annual_decline")) ** 8, "$0.01 x 1e9 x (1 - 70%)^8",
            fc.median * per_billion,
            f"structural forecast of the cheapest API price at {CHATGPT_LEVEL} (ChatGPT's launch level) for mid-2030 x "
            f"{tin}+{tout} tokens x 1e9: from ${dec['from_value']:,.3g} ({m.anchor_label}, in force {m.anchor_year:.1f}); "
            f"{parts}; bounds x{dec['bounds_and_combination']:.2g}; floor (electricity) "
            f"${fc.floor['value'] * per_billion:.2g}",
            (lo, hi), dec)


# ---- the table ------------------------------------------------------------------------------------
def evaluate_claims(ids=None, *, catalog=None, level: float = 0.9) -> list[ClaimRow]:
    """Recompute every registered claim (or ``ids``) two ways. A claim that cannot be computed keeps None."""
    texts = claim_texts()
    ids = list(ids) if ids else [i for i in texts if i in REGISTRY] + [i for i in REGISTRY if i not in texts]
    unknown = [i for i in ids if i not in REGISTRY]
    if unknown:
        raise UnknownNameError("claim", unknown[0], REGISTRY)
    if isinstance(level, bool) or not (isinstance(level, (int, float)) and 0.0 < level < 1.0):
        raise InputError(f"got {level!r}; allowed: a fraction between 0 and 1 (e.g. 0.9)", field="level")
    ctx = Context(catalog, level)
    rows = []
    for i in ids:
        t = texts.get(i, {"claim": i, "seed_value": math.nan, "unit": "", "source": ""})
        try:
            res = REGISTRY[i](ctx)
        except CostcurveError as e:
            res = (None, "", None, f"not computed: {e}")
        ark, ark_note, val, note = res[:4]
        interval = tuple(float(x) for x in res[4]) if len(res) > 4 and res[4] is not None else None
        rows.append(ClaimRow(i, t["claim"], t["seed_value"], t["unit"], t["source"],
                             None if ark is None else float(ark), ark_note, None if val is None else float(val), note,
                             interval, res[5] if len(res) > 5 else None))
    return rows


register_inference_claims()
