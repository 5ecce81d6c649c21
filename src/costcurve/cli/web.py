"""`costcurve web`: the local web calculator (optional extra: pip install 'costcurve[web]')."""

from __future__ import annotations

import click

LOCAL = ("127.0.0.1", "localhost", "::1")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback makes the calculator reachable by others.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="TCP port.")
def web(host, port):
    """Run the local web calculator: forms for training, serving, trends and claims; a JSON API that
    mirrors the CLI (POST /api/train, /api/infer, /api/forecast, /api/trend, /api/claims) with its
    OpenAPI schema at /api/openapi.json.

    \b
    Examples:
      costcurve web
      costcurve web --port 8080
    """
    from costcurve.errors import CostcurveError

    try:
        import uvicorn

        from costcurve.web.app import create_app
    except ImportError as e:
        raise CostcurveError(f"needs the web extra: pip install 'costcurve[web]' ({e.name} is missing)",
                             field="web") from None
    if host not in LOCAL:
        click.echo(f"warning: listening on {host}, not 127.0.0.1: anyone who can reach this address can use the "
                   "calculator (it has no login)", err=True)
    click.echo(f"costcurve web: http://{'[' + host + ']' if ':' in host else host}:{port}/  (Ctrl-C stops)", err=True)
    uvicorn.run(create_app(), host=host, port=port, log_level="warning")
