"""Invariants of the estimators (hypothesis), and pins of the named steps and constants."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import costcurve
from costcurve.training import estimate as training
from costcurve.serving.estimate import estimate_inference
from costcurve.training.estimate import estimate_training
from costcurve.uncertainty import sensitivity

counts = st.integers(1, 20_000)
token_counts = st.floats(1e9, 1e14)


@settings(max_examples=40, deadline=None)
@given(tokens=token_counts, k=st.floats(1.01, 100), gpus=counts)
def test_more_tokens_cost_more(tokens, k, gpus):
    # goodput held: the planner's failure model (the --params default since the shape rule) loses a larger
    # share of a longer run, so energy is linear in tokens only at a fixed goodput
    kw = dict(params=7e9, gpu="h100", gpus=gpus, date="2025-01-01", goodput=1.0)
    a, b = estimate_training(tokens=tokens, **kw), estimate_training(tokens=tokens * k, **kw)
    assert b.cost_cloud_usd > a.cost_cloud_usd and b.cost_amortized_usd > a.cost_amortized_usd
    assert b.energy_kwh == pytest.approx(a.energy_kwh * k)


@settings(max_examples=40, deadline=None)
@given(gpus=st.integers(1, 10_000), more=st.integers(1, 10_000))
def test_more_accelerators_less_time_with_default_mfu(gpus, more):
    # the regression's MFU (the fallback default): the planner's, the default wherever it places the run,
    # depends on the count's divisors (a count with a large prime factor has few layouts), so time is not
    # monotone in the count there
    from costcurve.catalog import load_catalog
    from costcurve.training.efficiency import default_mfu_model, era_of

    cat = load_catalog()
    acc = cat.accelerator("h100")
    reg = lambda n: default_mfu_model(cat).predict(era_of(acc.generation, acc.release_date.year), n, 70e9)  # noqa: E731
    kw = dict(params=70e9, tokens=2e12, gpu="h100", price_usd_per_gpu_hour=2.0, goodput=1.0)
    a, b = estimate_training(gpus=gpus, mfu=reg(gpus), **kw), estimate_training(gpus=gpus + more, mfu=reg(gpus + more), **kw)
    assert b.wall_clock_s < a.wall_clock_s


@settings(max_examples=20, deadline=None)
@given(gpus=st.sampled_from([1, 2, 4]), extra=st.sampled_from([2, 4]))
def test_more_accelerators_per_replica_less_time_to_first_token(gpus, extra):
    """Inside one H100 NVLink domain (8); a tensor-parallel group across the network pays its all-reduces there
    and may be slower (docs/serving.md "Tensor and pipeline parallel scaling")."""
    if gpus * extra > 8:
        gpus = 8 // extra
    a = estimate_inference(model="llama3-8b", gpu="h100", gpus=gpus, batch=1, price_usd_per_gpu_hour=2.0)
    b = estimate_inference(model="llama3-8b", gpu="h100", gpus=gpus * extra, batch=1, price_usd_per_gpu_hour=2.0)
    assert b.time_to_first_token_s < a.time_to_first_token_s


@settings(max_examples=20, deadline=None)
@given(out=st.integers(16, 2000), k=st.integers(2, 4))
def test_more_output_tokens_cost_more_per_query(out, k):
    kw = dict(model="llama3-8b", gpu="h100", gpus=1, batch=8, price_usd_per_gpu_hour=2.0, input_tokens=128)
    a = estimate_inference(output_tokens=out, **kw)
    b = estimate_inference(output_tokens=min(out * k, 7000), **kw)
    assert b.usd_per_query > a.usd_per_query


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32), lo=st.floats(0.1, 0.5), width=st.floats(1.01, 1.9))
def test_same_seed_same_answer_and_ordered_percentiles(seed, lo, width):
    kw = dict(params=7e9, tokens="1T..3T", gpu="h100", gpus=64, mfu=f"{lo}..{min(lo * width, 1.0)}",
              price_usd_per_gpu_hour=2.0, samples=500, seed=seed)
    a, b = estimate_training(**kw), estimate_training(**kw)
    assert np.array_equal(a.cost_cloud_usd, b.cost_cloud_usd)
    for name in ("cost_cloud_usd", "wall_clock_s", "energy_kwh"):
        s = a.summary(name)
        assert s["p5"] <= s["p50"] <= s["p95"]


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**32))
def test_inference_same_seed_same_answer(seed):
    kw = dict(model="llama3-8b", gpu="h100", gpus=1, batch="8..64", price_usd_per_gpu_hour=2.0, samples=300, seed=seed)
    a, b = estimate_inference(**kw), estimate_inference(**kw)
    assert np.array_equal(a.usd_per_query, b.usd_per_query)
    s = a.summary("usd_per_query")
    assert s["p5"] <= s["p50"] <= s["p95"]


@settings(max_examples=15, deadline=None)
@given(tokens=st.lists(token_counts, min_size=2, max_size=6), gpus=st.lists(counts, min_size=2, max_size=6))
def test_vector_equals_scalar_training(tokens, gpus):
    n = min(len(tokens), len(gpus))
    t, g = np.array(tokens[:n]), np.array(gpus[:n], dtype=float)
    kw = dict(params=13e9, gpu="a100", date="2024-06-01")
    vec = estimate_training(tokens=t, gpus=g, **kw)
    for i in range(n):
        one = estimate_training(tokens=float(t[i]), gpus=float(g[i]), **kw)
        for f in ("wall_clock_s", "cost_cloud_usd", "cost_amortized_usd", "energy_kwh", "mfu"):
            assert getattr(vec, f)[i] == pytest.approx(getattr(one, f), rel=1e-12)


@settings(max_examples=10, deadline=None)
@given(batch=st.lists(st.integers(1, 256), min_size=2, max_size=5))
def test_vector_equals_scalar_inference(batch):
    kw = dict(model="llama3-8b", gpu="h100", gpus=1, price_usd_per_gpu_hour=2.0)
    vec = estimate_inference(batch=np.array(batch, dtype=float), **kw)
    for i, b in enumerate(batch):
        one = estimate_inference(batch=b, **kw)
        for f in ("time_per_output_token_s", "usd_per_query", "tokens_per_second"):
            assert np.asarray(getattr(vec, f))[i] == pytest.approx(getattr(one, f), rel=1e-12)


# ---- the named steps and constants ------------------------------------------------------------
def test_days_fixed_point_has_converged():
    """FIXED_POINT_ITERATIONS leaves the solved count where one more iteration would not move it."""
    est = estimate_training(params=70e9, tokens=15e12, gpu="h100", days=60, price_usd_per_gpu_hour=2.0)
    n = est.gpus
    from costcurve.training.efficiency import default_mfu_model, era_of
    from costcurve.catalog import load_catalog

    cat = load_catalog()
    acc = cat.accelerator("h100")
    model = default_mfu_model(cat)
    mfu_fn = lambda x: model.predict(era_of(acc.generation, acc.release_date.year), x, 70e9, False)  # noqa: E731
    target = 60 * 86400.0
    x = est.training_flop / (acc.peak_flop_per_s("bf16") * training.MFU_START * target)
    steps = []
    for _ in range(training.FIXED_POINT_ITERATIONS + 1):
        new = est.training_flop / (acc.peak_flop_per_s("bf16") * mfu_fn(max(x, 1.0)) * target)
        steps.append(abs(new - x) / new)
        x = new
    assert steps[-1] < 1e-6 and math.ceil(x) == n
    assert est.wall_clock_days <= 60


def test_default_count_by_run_size():
    small = estimate_training(params=7e9, tokens=1e12, gpu="h100", price_usd_per_gpu_hour=2.0)
    large = estimate_training(params=175e9, tokens=300e9 * 2, gpu="h100", price_usd_per_gpu_hour=2.0)
    assert small.gpus == training.DEFAULT_GPUS_SMALL_RUN and large.gpus == training.DEFAULT_GPUS_LARGE_RUN
    assert any("gpus not given" in n for n in small.notes)


def test_spearman_handles_ties_like_scipy():
    """The hand-written rank correlation broke ties by position: a tied input looked correlated."""
    from scipy.stats import spearmanr

    x = np.array([1.0] * 50 + [2.0] * 50)  # an integer input with ties
    y = np.arange(100.0)[::-1] % 7  # unrelated output
    rho = sensitivity({"x": x}, y)[0]["spearman"]
    assert rho == pytest.approx(spearmanr(x, y).statistic)
    constant = sensitivity({"c": np.ones(100), "x": x}, y)
    assert {r["input"]: r["spearman"] for r in constant}["c"] == 0.0


PKG = Path(costcurve.__file__).resolve().parent  # src/costcurve


def _imports(path: Path) -> set:
    """Absolute costcurve modules that ``path`` imports (relative imports resolved)."""
    parts = path.relative_to(PKG.parent).with_suffix("").parts
    package = parts[:-1] if parts[-1] != "__init__" else parts
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = list(package[:len(package) - node.level + 1]) if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            out.add(target)
            out |= {f"{target}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
    return out


def _imports_any(path: Path, modules) -> bool:
    return any(m == t or m.startswith(t + ".") for m in _imports(path) for t in modules)


def test_no_training_uncertainty_import_cycle():
    assert not (PKG / "uncertainty_training.py").exists()
    assert not _imports_any(PKG / "uncertainty.py", ["costcurve.training"])
    # serving shares costcurve.inputs with training instead of importing it
    assert not _imports_any(PKG / "serving" / "estimate.py", ["costcurve.training"])
    for name in ("units", "inputs", "costs"):
        assert not _imports_any(PKG / f"{name}.py", ["costcurve.training", "costcurve.serving.estimate"])


def test_estimators_split_into_steps():
    """No step of the two estimators is longer than ~60 lines."""
    for mod in ("training/estimate.py", "serving/estimate.py"):
        tree = ast.parse((PKG / mod).read_text())
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                body = node.body[1:] if ast.get_docstring(node) else node.body
                length = body[-1].end_lineno - body[0].lineno + 1
                assert length <= 60, (mod, node.name, length)


# ---- import cycles over the whole package ----------------------------------------------------------
def _package_modules() -> dict:
    root = Path(costcurve.__file__).parent
    out = {}
    for p in root.rglob("*.py"):
        parts = list(p.relative_to(root.parent).with_suffix("").parts)
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = p
    return out


def _import_graph(module_level: bool) -> dict:
    """{module: modules of the package it imports}, read from the source (nothing is imported).

    ``module_level``: only imports run when the module loads (its body and top-level if/try, not
    ``if TYPE_CHECKING``); else also those inside functions (lazy imports). ``from . import x`` of a
    submodule is an edge to the submodule, not to the package's ``__init__``.
    """
    mods = _package_modules()
    graph = {}
    for m, p in mods.items():
        pkg = m if p.name == "__init__.py" else m.rsplit(".", 1)[0]
        tree = ast.parse(p.read_text(encoding="utf-8"))
        if module_level:
            nodes = []
            for n in tree.body:
                if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test):
                    continue
                nodes += list(ast.walk(n)) if isinstance(n, (ast.If, ast.Try)) else [n]
        else:
            nodes = list(ast.walk(tree))
        edges = set()
        for n in nodes:
            if isinstance(n, ast.ImportFrom):
                base = pkg.split(".")[:len(pkg.split(".")) - (n.level - 1)] if n.level else []
                b = ".".join(base + ([n.module] if n.module else []))
                subs = [f"{b}.{a.name}" for a in n.names if f"{b}.{a.name}" in mods]
                targets = subs + ([b] if len(subs) < len(n.names) else [])
            elif isinstance(n, ast.Import):
                targets = [a.name for a in n.names]
            else:
                continue
            for t in targets:
                while t and t not in mods:
                    t = t.rsplit(".", 1)[0] if "." in t else ""
                if t and t != m:
                    edges.add(t)
        graph[m] = edges
    return graph


def _cycles(graph: dict) -> list:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while not comp or comp[-1] != v:
                comp.append(stack.pop())
                on.discard(comp[-1])
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle_in_the_package():
    """Every module of the package, torch/fastapi users included (the source is read, not imported)."""
    graph = _import_graph(module_level=True)
    assert len(graph) > 60 and "costcurve.measure.peak" in graph and "costcurve.trends.forecast" in graph
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_cycles():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_version_matches_pyproject():
    import costcurve

    text = (Path(costcurve.__file__).parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    assert f'version = "{costcurve.__version__}"' in text
