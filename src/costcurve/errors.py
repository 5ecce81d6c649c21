"""Typed errors. The command line turns each into one line and exit code 2."""

from __future__ import annotations


class CostcurveError(ValueError):
    """Base class for every error a user can cause (bad input, unknown names, bad files)."""

    def __init__(self, message: str, *, field: str | None = None):
        self.field = field
        self.message = message  #: the message without the field name (the CLI puts the option there)
        super().__init__(f"{field}: {message}" if field else message)


class InputError(CostcurveError):
    """A numeric or textual argument is out of range or cannot be parsed."""


class UnknownNameError(CostcurveError):
    """A name (accelerator, model, series, ...) is not in the catalog; suggests close matches."""

    def __init__(self, kind: str, name: str, choices, *, field: str | None = None):
        import difflib

        choices = sorted(set(choices))
        close = difflib.get_close_matches(str(name).lower(), [c.lower() for c in choices], n=5, cutoff=0.5)
        lower = {c.lower(): c for c in choices}
        close = [lower[c] for c in close]
        hint = f"; closest: {', '.join(close)}" if close else f"; known: {', '.join(choices[:12])}{' ...' if len(choices) > 12 else ''}"
        super().__init__(f"unknown {kind} {name!r}{hint}", field=field or kind)
        self.name = name
        self.suggestions = close


class CatalogError(CostcurveError):
    """A catalog file (bundled or the user's) has a malformed row; names file, row and column."""

    def __init__(self, path: str, row: int | None, column: str | None, message: str):
        where = str(path)
        if row is not None:
            where += f", row {row}"
        if column:
            where += f", column {column!r}"
        super().__init__(f"{where}: {message}")
        self.path, self.row, self.column = path, row, column


class FileInputError(InputError):
    """A file the user named cannot be used: not a regular file, too large, not UTF-8, malformed JSON/CSV.

    ``field`` is the parameter the path came from (``model``, ``catalog``, ``calibration``, ``csv``,
    ``source``); ``path`` the file, with control characters escaped.
    """

    def __init__(self, message: str, *, field: str | None = None, path: str | None = None):
        super().__init__(message, field=field)
        self.path = path


class NoAnswerError(CostcurveError):
    """A decision has no answer for these inputs (a budget below the smallest sensible run, a model
    that fits on no accelerator set); the message says what would be needed."""


class DoesNotFitError(CostcurveError):
    """A training layout needs more memory per accelerator than there is; says what would fit."""

    def __init__(self, message: str, *, needed_bytes: float, capacity_bytes: float, suggestion: dict | None = None,
                 field: str | None = None):
        super().__init__(message, field=field)
        self.needed_bytes, self.capacity_bytes, self.suggestion = needed_bytes, capacity_bytes, suggestion
