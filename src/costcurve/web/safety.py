"""Limits of the web calculator: request size, Monte Carlo samples, uploads, no file-system paths.

The library validates every value (its errors carry the parameter's name); this module adds only what
a page open to a browser needs on top: caps per request and no paths chosen by the client.
"""

from __future__ import annotations

import tempfile
from contextlib import contextmanager
from pathlib import Path

from costcurve.errors import InputError

MAX_BODY_BYTES = 2_000_000  #: largest request body [bytes] (uploads included)
MAX_UPLOAD_BYTES = 512_000  #: largest uploaded file (config.json, catalog CSV, series CSV, calibration) [bytes]
MAX_SAMPLES = 20_000  #: Monte Carlo samples per request (the CLI allows 10,000,000)
MAX_TEXT = 200  #: longest text option [characters]
MAX_LIST = 20  #: most values of a repeatable option
MAX_SEARCH_OPTIONS = 6  #: most comma-separated candidates of a search option (``--gpu-options``, ``--gpus-options``)
MAX_TOP = 50  #: most plans listed (``--top``)

#: suffix of the temporary file written for each upload parameter
UPLOAD_SUFFIX = {"catalog": ".csv", "csv_path": ".csv", "calibration": ".json", "model": ".json"}


def check_values(values: dict) -> None:
    """Refuse what the CLI would read from disk, and Monte Carlo runs above the cap."""
    model = values.get("model")
    if isinstance(model, str) and (model.strip().endswith(".json") or "/" in model or "\\" in model):
        raise InputError("file paths are not accepted here; upload the config.json instead (field config_json)",
                         field="model")
    for key, v in values.items():
        if key.endswith("_options") and isinstance(v, str) and len([x for x in v.split(",") if x.strip()]) > MAX_SEARCH_OPTIONS:
            raise InputError(f"at most {MAX_SEARCH_OPTIONS} candidates per search here (the command line allows more)",
                             field=key)
    top = values.get("top")
    if top not in (None, "") and str(top).strip().isdigit() and int(str(top).strip()) > MAX_TOP:
        raise InputError(f"got {top}; allowed here: at most {MAX_TOP}", field="top")
    samples = values.get("samples")
    if samples not in (None, ""):
        from costcurve.units import parse_quantity

        n = parse_quantity(str(samples), "samples")
        if n > MAX_SAMPLES:
            raise InputError(f"got {n:,.0f}; allowed here: at most {MAX_SAMPLES:,} samples per request "
                             f"(the command line allows more)", field="samples")


@contextmanager
def uploads(files: dict):
    """Write uploaded contents {parameter: text or [texts]} to a temporary folder; yield {parameter: path(s)}."""
    with tempfile.TemporaryDirectory(prefix="costcurve-web-") as d:
        out = {}
        for name, content in files.items():
            texts = content if isinstance(content, list) else [content]
            paths = []
            for i, text in enumerate(texts):
                if len(text.encode("utf-8")) > MAX_UPLOAD_BYTES:
                    raise InputError(f"upload larger than {MAX_UPLOAD_BYTES:,} bytes", field=_upload_field(name))
                tag = "" if len(texts) == 1 else f"-{i + 1}"
                p = Path(d) / f"uploaded-{name}{tag}{UPLOAD_SUFFIX.get(name, '.txt')}"
                p.write_text(text, encoding="utf-8")
                paths.append(str(p))
            out[name] = paths if isinstance(content, list) else paths[0]
        yield out


def _upload_field(name: str) -> str:
    return "config_json" if name == "model" else name
