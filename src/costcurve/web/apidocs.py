"""``/api/docs``: the JSON API described from its own OpenAPI schema, as a plain page served by the
package (FastAPI's Swagger UI loads its script and styles from a CDN; this page asks nothing of any
host but 127.0.0.1)."""

from __future__ import annotations

from html import escape


def _type(prop: dict) -> str:
    """A property's JSON type as a person reads it ("number or text", "one of: a, b", "list of text")."""
    if "enum" in prop:
        return "one of: " + ", ".join(map(str, prop["enum"]))
    if "const" in prop:
        return str(prop["const"])
    names = {"string": "text", "integer": "whole number", "number": "number", "boolean": "true/false", "array": "list"}
    kinds = [p for p in prop.get("anyOf", ()) if p.get("type") != "null"] or [prop]
    out = []
    for k in kinds:
        if "enum" in k:
            out.append("one of: " + ", ".join(map(str, k["enum"])))
        elif k.get("type") == "array":
            out.append("list of " + names.get((k.get("items") or {}).get("type"), "values"))
        else:
            out.append(names.get(k.get("type"), k.get("type") or "value"))
    if "number" in out and "whole number" in out:  # a JSON integer is a number too
        out.remove("whole number")
    return " or ".join(dict.fromkeys(out))


def _body(schema: dict, op: dict) -> str:
    ref = (((op.get("requestBody") or {}).get("content") or {}).get("application/json") or {}).get("schema") or {}
    name = ref.get("$ref", "").rsplit("/", 1)[-1]
    model = (schema.get("components") or {}).get("schemas", {}).get(name) or {}
    props, required = model.get("properties") or {}, set(model.get("required") or ())
    if not props:
        return ""
    rows = "".join(f"<tr><td><code>{escape(k)}</code>{' *' if k in required else ''}</td><td>{escape(_type(p))}</td>"
                   f"<td>{escape(p.get('description', ''))}</td></tr>" for k, p in props.items())
    return ('<div class="table-wrap"><table><thead><tr><th>key</th><th>value</th><th>meaning</th></tr></thead>'
            f"<tbody>{rows}</tbody></table></div>")


def api_docs_html(schema: dict) -> str:
    """The page: every documented endpoint, its summary, its request keys (* required) and their meaning."""
    info = schema.get("info") or {}
    parts = []
    for path, ops in (schema.get("paths") or {}).items():
        for method, op in ops.items():
            parts.append(f'<section><h2><code>{method.upper()} {escape(path)}</code> — {escape(op.get("summary", ""))}</h2>'
                         f'<p>{escape(op.get("description", ""))}</p>{_body(schema, op)}</section>')
    return ('<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width,initial-scale=1"><title>costcurve — JSON API</title>'
            '<link rel="stylesheet" href="/static/style.css"></head><body><header><a class="brand" href="/">costcurve</a>'
            '</header><main class="apidocs"><h1>JSON API</h1>'
            f'<p class="sub">{escape(info.get("description", ""))} Version {escape(str(info.get("version", "")))}; the '
            'schema as JSON: <a href="/api/openapi.json">/api/openapi.json</a>. A number may be a JSON number or the '
            'command line\'s text ("8", "15T", "0.3..0.5"); a bad value is answered 422 with the key in '
            '<code>field</code>.</p>' + "".join(parts) + "</main></body></html>")
