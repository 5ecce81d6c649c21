"""The package version, in a module of its own so that modules of the package can read it without
importing the package facade (``costcurve/__init__``), which imports them."""

__version__ = "0.2.0"  #: keep equal to pyproject.toml [project] version
