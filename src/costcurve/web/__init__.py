"""The local web calculator (``costcurve web``; needs ``pip install 'costcurve[web]'``: FastAPI + uvicorn).

:func:`costcurve.web.app.create_app` builds the app; the pages are plain HTML and JavaScript in
``static/`` (no build step, nothing from a CDN) and every figure is computed by the library on the
server, through the same CLI commands and ``--json`` as the terminal.
"""
