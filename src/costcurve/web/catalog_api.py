"""What the page needs besides the commands: the catalogs for its pickers, its labels and examples, and
the per-part roofline table of a served model (:func:`costcurve.serving.layers.serving_layers`).

``GET /api/catalog``: accelerators (memory in GiB, 16-bit peak, bandwidth, price) and models for
the searchable pickers, bundled series, the labels, page help and examples of :mod:`.labels`.
``GET /api/layers``: FLOP, bytes, arithmetic intensity and roofline time of each part of a model for
one prefill and one decode step, and the two operating points for the roofline chart.
"""

from __future__ import annotations

import math
from typing import Optional

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from .labels import ui_spec

router = APIRouter()


def catalog_spec() -> dict:
    from costcurve.catalog import load_catalog
    from costcurve.trends.bundled import list_series

    cat = load_catalog()
    accs = [{"name": a.name, "vendor": a.vendor, "aliases": list(a.aliases), "memory_gib": a.memory_bytes / 2**30,
             "peak_flop_per_s_16bit": a.peak_flop_per_s(a.half_dtype),
             "bandwidth_bytes_per_s": a.memory_bandwidth_bytes_per_s, "price_usd": a.price_usd}
            for a in sorted(cat.accelerators.values(), key=lambda a: a.name)]
    presets = [{"name": n, "kind": "architecture preset"} for n in sorted(cat.architectures)]
    trained = [{"name": m["name"], "kind": "published model", "params": m.get("params_total")}
               for m in sorted(cat.models.values(), key=lambda m: m["name"].lower()) if "/" not in m["name"]]
    return {"accelerators": accs, "models": presets + trained,
            "series": [{"name": n, "title": t} for n, t in list_series()], **ui_spec()}


def _finite(d):
    if isinstance(d, dict):
        return {k: _finite(v) for k, v in d.items()}
    if isinstance(d, list):
        return [_finite(v) for v in d]
    return None if isinstance(d, float) and not math.isfinite(d) else d


@router.get("/api/catalog", summary="Accelerators, models and series for the page's pickers; labels", tags=["meta"])
def catalog():
    return JSONResponse(catalog_spec())


@router.get("/api/layers", summary="Per-part FLOP, bytes, intensity and roofline time of a served model",
            tags=["serving"])
def layers(model: str = Query(..., max_length=200), gpu: str = Query("h100", max_length=200),
           dtype: Optional[str] = Query(None, max_length=20), kv_dtype: Optional[str] = Query(None, max_length=20),
           gpus: int = Query(1, ge=1, le=4096), batch: float = Query(1, ge=1, le=1e7),
           input_tokens: float = Query(161, ge=1, le=1e7), output_tokens: float = Query(338, ge=0, le=1e7),
           flop_efficiency: float = Query(1.0, gt=0, le=1), bandwidth_efficiency: float = Query(1.0, gt=0, le=1)):
    from costcurve.serving.layers import serving_layers

    if "/" in model or "\\" in model or model.endswith(".json"):
        from costcurve.errors import InputError

        raise InputError("names only (a preset); paths are not read here", field="model")
    return JSONResponse(_finite(serving_layers(model=model, gpu=gpu, dtype=dtype, kv_dtype=kv_dtype, gpus=gpus,
                                               batch=batch, input_tokens=input_tokens, output_tokens=output_tokens,
                                               flop_efficiency=flop_efficiency,
                                               bandwidth_efficiency=bandwidth_efficiency)))


#: files of static/ served under /static/<folder>/<name> besides app.js and style.css
EXTRA_STATIC = {("vendor", "plotly-basic.min.js"): "text/javascript; charset=utf-8",
                ("vendor", "plotly-LICENSE.txt"): "text/plain; charset=utf-8",
                ("js", "charts.js"): "text/javascript; charset=utf-8"}
ICON = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" '
        'fill="#2f6fb3"/><path d="M3 12 L7 8 L10 10 L13 4" stroke="#fff" stroke-width="2" fill="none"/></svg>')


@router.get("/static/{folder}/{name}", include_in_schema=False)
def static_file(folder: str, name: str):
    from importlib import resources

    from fastapi.responses import Response

    media = EXTRA_STATIC.get((folder, name))
    if media is None:
        return JSONResponse({"error": "not found", "field": None}, status_code=404)
    data = resources.files("costcurve.web").joinpath("static", folder, name).read_bytes()
    return Response(data, media_type=media, headers={"cache-control": "public, max-age=86400"})


@router.get("/favicon.ico", include_in_schema=False)
def favicon():
    from fastapi.responses import Response

    return Response(ICON, media_type="image/svg+xml")
