"""The local web calculator: a JSON API that mirrors the CLI, and plain HTML + JavaScript pages.

``POST /api/<kind>`` takes the command's options as a JSON object (the definition's option names:
``{"model": "llama3-8b", "gpus": 8}``; a number may be a JSON number or the command line's text,
``"8"``, ``"0.3..0.5"``) and returns exactly what ``costcurve <kind> --json`` prints. Request models,
the OpenAPI schema and the forms' spec are generated from the command definitions
(:mod:`costcurve.commands`). Files are sent as their content (``config_json``, ``catalog``,
``csv_path``, ``calibration``), never as paths. A bad value gives 422 with the parameter's name in
``field``.

Requests run concurrently: cheap kinds in the server's threads, the searches (plan, deploy) in a
bounded pool of worker processes (:mod:`.workers`), so a search does not hold up a cheap request.
"""

from importlib import resources
from typing import Annotated, Literal, Union

from fastapi import Body, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import AfterValidator, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr, create_model

from costcurve.commands.spec import NUMERIC, Option
from costcurve.errors import CostcurveError, InputError
from costcurve.report import registry
from costcurve.report.registry import get_kind, run_kind

from . import catalog_api, safety
from .workers import Busy, Workers

PAGES = [("training", "Training"), ("serving", "Serving"), ("decisions", "Decisions"), ("trends", "Trends and forecasts"),
         ("claims", "Claims")]
STATIC = {"app.js": "text/javascript; charset=utf-8", "style.css": "text/css; charset=utf-8"}


# ---- request models built from the CLI's options ------------------------------------------------------
#: example values in the schema (shown in /api/docs; schemathesis tries them too)
EXAMPLES = {"model": ["llama3-8b"], "gpu": ["h100"], "gpus": ["8"], "tokens": ["1T"], "mfu": ["0.3..0.5"],
            "name": ["gpt3-level"], "year": ["2030"], "date": ["2025-06-01"], "samples": ["1000"]}


def _scalar(v):
    """A finite JSON number or text of at most MAX_TEXT characters (pydantic has checked the type)."""
    import math

    if isinstance(v, float) and not math.isfinite(v):
        raise ValueError("got a number that is not finite; allowed: a finite number")
    if isinstance(v, str) and len(v) > safety.MAX_TEXT:
        raise ValueError(f"got {len(v):,} characters; allowed: at most {safety.MAX_TEXT:,}")
    return v


#: a value that may be a JSON number or the command line's text ("8", "7B", "0.3..0.5", "50ms")
NumberOrText = Annotated[Union[StrictInt, StrictFloat, StrictStr], AfterValidator(_scalar)]
NUMBER_HELP = " A JSON number or the command line's text (suffixes such as 15T, ranges such as 0.3..0.5)."


def _field(o: Option):
    """(type, Field) of an option in the request model. Leaving a key out takes the default; a null, an
    object or a list where one value goes is refused (422 naming the key)."""
    desc = o.help + (f" [unit: {o.unit}]" if o.unit and o.unit != "1" else "") \
        + (f" [default: {o.default}]" if o.default not in (None, False) else "")
    ex = {"examples": EXAMPLES[o.name]} if o.name in EXAMPLES else {}
    default = ... if o.required else None
    if o.kind == "flag":
        return (StrictBool, Field(default, description=desc))
    if o.kind == "file":
        if o.multiple:
            return (list[StrictStr], Field(default, description="Contents of the files (not paths). " + desc,
                                           max_length=safety.MAX_LIST))
        return (StrictStr, Field(default, description="Content of the file (not a path). " + desc,
                                 max_length=safety.MAX_UPLOAD_BYTES))
    if o.multiple:
        return (list[StrictStr], Field(default, description=desc, max_length=safety.MAX_LIST))
    if o.kind == "choice":
        return (Literal[tuple(o.choices)], Field(default, description=desc))
    if o.parse == "int":
        return (Annotated[Union[StrictInt, StrictStr], AfterValidator(_scalar)],
                Field(default, description=desc + NUMBER_HELP, **ex))
    if o.parse == "float" or o.kind in NUMERIC or o.kind == "date":
        return (NumberOrText, Field(default, description=desc + NUMBER_HELP, **ex))
    return (StrictStr, Field(default, description=desc, max_length=safety.MAX_TEXT, **ex))


_MODELS: dict = {}


def request_model(kind_name: str):
    """A pydantic model of ``kind``'s options (unknown keys refused), built once per kind."""
    cmd = get_kind(kind_name).command
    if (kind_name, cmd) in _MODELS:
        return _MODELS[kind_name, cmd]
    options = cmd.inputs(web=True)
    fields = {o.name: _field(o) for o in options}
    if "model" in fields:  # a name, or the uploaded config.json instead
        fields["model"] = (StrictStr, Field(None, description=fields["model"][1].description,
                                            max_length=safety.MAX_TEXT, examples=EXAMPLES["model"]))
        fields["config_json"] = (StrictStr, Field(None, max_length=safety.MAX_UPLOAD_BYTES,
                                                  description="Content of a Hugging Face config.json (instead of --model)."))
    name = "".join(w.capitalize() for w in kind_name.split("-")) + "Request"
    model = create_model(name, __config__=ConfigDict(extra="forbid"), **fields)
    _MODELS[kind_name, cmd] = model
    return model


# ---- computing -----------------------------------------------------------------------------------------
def _split(kind_name: str, body: dict) -> tuple[dict, dict]:
    """Options → (plain values, uploaded file contents by parameter)."""
    files_params = {o.name for o in get_kind(kind_name).command.inputs(web=True) if o.kind == "file"}
    values, files = {}, {}
    for k, v in body.items():
        if v is None or v == "" or v == []:
            continue
        if k == "config_json":
            files["model"] = v
        elif k in files_params:
            files[k] = v
        else:
            values[k] = v
    return values, files


def compute(kind_name: str, body: dict, workers: Workers | None = None):
    """Validate, write uploads to a temporary folder, run the kind (a search in a worker process);
    errors name the parameter."""
    values, files = _split(kind_name, body)
    safety.check_values(values)
    if "model" in files and "model" in values:
        raise InputError("give a model name or upload a config.json, not both", field="config_json")
    cmd = get_kind(kind_name).command
    try:
        with safety.uploads(files) as paths:
            given = {**values, **paths}
            heavy = workers is not None and cmd.is_heavy(given)
            run = workers.run(kind_name, given) if heavy else run_kind(kind_name, given)
            if paths:  # the reproduce line and the inputs name the upload, not the temporary path
                shown = {k: ("uploaded " + k if k in paths else v) for k, v in run.values.items()}
                run = type(run)(run.kind, shown, tuple(_unpath(a, paths) for a in run.argv), run.data, run.outcome)
            return run
    except Busy:
        raise
    except CostcurveError as e:
        if files:
            raise _without_paths(e) from None
        raise


def _unpath(arg: str, paths: dict) -> str:
    for name, p in paths.items():
        for x in (p if isinstance(p, list) else [p]):
            arg = arg.replace(x, f"<uploaded {name}>")
    return arg


def _without_paths(e: CostcurveError) -> CostcurveError:
    import re

    pattern = r"/\S*costcurve-web-[^/\s]*/uploaded-([a-z_]+)(-\d+)?\.(json|csv)"
    found = re.search(pattern, str(e))
    msg = re.sub(pattern, r"uploaded \1", str(e))
    if e.field and msg.startswith(f"{e.field}: "):
        msg = msg[len(e.field) + 2:]
    field = e.field or (found.group(1) if found else None)  # a bad file's error names the upload
    return CostcurveError(msg, field="config_json" if field == "model" and found else field)


def _error(e: CostcurveError) -> JSONResponse:
    if isinstance(e, Busy):
        return JSONResponse({"error": str(e), "field": None}, status_code=e.status,
                            headers={"retry-after": "5"})
    msg = str(e)
    if e.field and msg.startswith(f"{e.field}: "):
        msg = msg[len(e.field) + 2:]
    field = "config_json" if e.field == "model" and "uploaded" in msg else e.field
    return JSONResponse({"error": msg, "field": field,
                         "detail": [{"loc": ["body", field] if field else ["body"], "msg": msg, "type": "value_error"}]},
                        status_code=422)


class BodyLimit:
    """ASGI middleware: refuse request bodies over ``limit`` bytes with 413 (declared or streamed)."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            response = JSONResponse({"error": f"request body larger than {self.limit:,} bytes", "field": None},
                                    status_code=413)
            return await response(scope, receive, send)
        seen = 0

        async def limited():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise HTTPException(413, detail=f"request body larger than {self.limit:,} bytes")
            return message

        await self.app(scope, limited, send)


# ---- the app -------------------------------------------------------------------------------------------
def create_app(*, workers: Workers | None = None, processes: int | None = None) -> FastAPI:
    """The web app; searches run in ``workers`` (default: a pool of ``processes`` worker processes,
    started at the first search; 0 runs them in the server's threads)."""
    from contextlib import asynccontextmanager

    pool = workers if workers is not None else Workers(
        processes if processes is not None else _processes_from_env())

    @asynccontextmanager
    async def lifespan(app):
        import threading

        threading.Thread(target=pool.warm, daemon=True, name="costcurve-warm").start()  # the first search is quick
        yield
        pool.close()

    app = FastAPI(title="costcurve", version=_version(), docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json", lifespan=lifespan,
                  description="The economics of AI compute. Each endpoint mirrors a `costcurve` command: the body "
                              "holds its options, the answer is what `--json` prints.")
    app.state.workers = pool

    app.add_middleware(BodyLimit, limit=safety.MAX_BODY_BYTES)

    @app.exception_handler(CostcurveError)
    async def on_costcurve_error(request, exc: CostcurveError):
        return _error(exc)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request, exc: RequestValidationError):
        errs = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in exc.errors()]
        field = next((_field_of(e["loc"]) for e in errs if _field_of(e["loc"])), None)
        for e in errs:  # the key the client sent, not pydantic's union branch ("gpus", not "str")
            if _field_of(e["loc"]):
                e["loc"] = ["body", _field_of(e["loc"])]
        msg = errs[0]["msg"] if errs else "invalid request"
        return JSONResponse({"error": msg, "field": field, "detail": errs}, status_code=422)

    for name in registry.refresh():
        _routes(app, name)
    _pages(app)
    app.include_router(catalog_api.router)  # the pickers' catalogs, labels, per-part roofline
    return app


def _field_of(loc) -> str | None:
    """The request key an error location names: ("body", "gpus", "str") → "gpus"."""
    parts = [p for p in loc if p not in ("body", "query")]
    return str(parts[0]) if parts and isinstance(parts[0], str) else None


def _processes_from_env() -> int:
    import os

    from .workers import DEFAULT_PROCESSES

    text = os.environ.get("COSTCURVE_WEB_WORKERS", "")
    return int(text) if text.strip().isdigit() else DEFAULT_PROCESSES


def _routes(app: FastAPI, kind_name: str) -> None:
    kind = get_kind(kind_name)
    Model = request_model(kind_name)
    pool = app.state.workers

    def api(body: Model = Body(...)):  # type: ignore[valid-type]
        return JSONResponse(compute(kind_name, body.model_dump(exclude_unset=True), pool).data)

    def view(body: Model = Body(...)):  # type: ignore[valid-type]
        from costcurve.report import sections_html

        run = compute(kind_name, body.model_dump(exclude_unset=True), pool)
        from costcurve.display import units

        return {"html": sections_html(run), "command": run.command_line(), "data": run.data,
                "units": units(run.data, kind.command.fields)}

    def get_json(request: Request):
        return JSONResponse(compute(kind_name, _query(kind_name, request), pool).data)

    def get_report(request: Request):
        from costcurve.report import report_html

        return HTMLResponse(report_html(compute(kind_name, _query(kind_name, request), pool)))

    app.post(f"/api/{kind_name}", summary=kind.title, description=kind.summary, tags=[kind.page],
             name=f"api_{kind_name}")(api)
    app.post(f"/api/{kind_name}/view", include_in_schema=False)(view)
    app.get(f"/api/{kind_name}", include_in_schema=False)(get_json)
    app.get(f"/report/{kind_name}", include_in_schema=False)(get_report)


def _query(kind_name: str, request: Request) -> dict:
    """Query parameters → options (repeatable ones as lists; flags as true/1/on), checked by the model."""
    from pydantic import ValidationError

    params = {o.name: o for o in get_kind(kind_name).command.inputs(web=True)}
    out = {}
    for k in request.query_params:
        if k == "kind":
            continue
        vals = request.query_params.getlist(k)
        p = params.get(k)
        if p is not None and p.kind == "flag":
            out[k] = vals[-1].lower() in ("1", "true", "on", "yes")
        elif p is not None and p.multiple:
            out[k] = vals
        else:
            out[k] = vals[-1]
    try:
        return request_model(kind_name).model_validate(out).model_dump(exclude_unset=True)
    except ValidationError as e:
        raise RequestValidationError(e.errors()) from None


def spec() -> dict:
    """What the page needs to build its forms: kinds, their options (CLI defaults and help), suggestions."""
    kinds = []
    for name, k in registry.refresh().items():
        ps = [o.describe() for o in k.command.inputs(web=True)]
        if any(p["name"] == "model" for p in ps):
            ps.append({"name": "config_json", "flag": None, "label": "config.json", "type": "file", "kind": "file",
                       "unit": "", "default": None, "required": False, "choices": [],
                       "help": "Upload a Hugging Face config.json instead of naming a model."})
        for p in ps:
            p["suggest"] = suggestions(p["name"])
        kinds.append({"name": name, "title": k.title, "page": k.page, "summary": k.summary, "params": ps,
                      "fields": result_fields(k.command)})
    pages = [{"id": pid, "title": t} for pid, t in PAGES if any(k["page"] == pid for k in kinds)]
    return {"pages": pages, "kinds": kinds, "limits": {"max_samples": safety.MAX_SAMPLES,
                                                       "max_upload_bytes": safety.MAX_UPLOAD_BYTES}}


def result_fields(cmd) -> dict:
    """The units of a kind's result keys that its definition states (the rest follow the naming
    convention of :mod:`costcurve.display`)."""
    return dict(cmd.fields)


def suggestions(param: str) -> list[str]:
    from costcurve.catalog import load_catalog

    if param == "gpu":
        return sorted(load_catalog().accelerators)
    if param == "model":
        cat = load_catalog()
        return sorted(cat.architectures) + sorted(m["name"] for m in cat.models.values() if "/" not in m["name"])
    if param == "name":
        from costcurve.trends.bundled import list_series

        return [n for n, _ in list_series()]
    return []


def _pages(app: FastAPI) -> None:
    index = resources.files("costcurve.web").joinpath("static", "index.html")

    @app.get("/api/kinds", summary="Kinds, their options and CLI defaults", tags=["meta"])
    def kinds():
        return spec()

    @app.get("/api/docs", include_in_schema=False)
    def api_docs():  # the schema as a page served here (FastAPI's Swagger UI would load a CDN's script)
        from .apidocs import api_docs_html

        return HTMLResponse(api_docs_html(app.openapi()))

    @app.get("/", include_in_schema=False)
    def home():
        return HTMLResponse(index.read_text(encoding="utf-8"))

    for pid, _ in PAGES:
        app.get(f"/{pid}", include_in_schema=False)(home)

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str):
        if name not in STATIC:
            return JSONResponse({"error": "not found", "field": None}, status_code=404)
        text = resources.files("costcurve.web").joinpath("static", name).read_text(encoding="utf-8")
        return Response(text, media_type=STATIC[name])


def _version() -> str:
    from costcurve import __version__

    return __version__
