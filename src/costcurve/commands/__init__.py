"""The command definitions: one module per command, each with one :class:`~.spec.Command` (``COMMAND``).

The command line, the web API and forms, the HTML reports and the notebook display are generated from
these definitions; :data:`MODULES` lists them in the order ``costcurve --help`` shows. Adding a
command is one module here (options, ``compute``), one line in :data:`MODULES`, its terminal
renderer and its tests (docs/architecture.md). Definitions import the standard library only; the
model is imported when ``compute`` runs.
"""

from __future__ import annotations

import importlib

from .spec import Command, Option, Outcome

__all__ = ["Command", "Option", "Outcome", "MODULES", "get", "names", "all_commands", "register"]

#: command name -> module holding its ``COMMAND``, in the order of ``costcurve --help``
MODULES = {
    "train": "costcurve.commands.train",
    "plan": "costcurve.commands.plan",
    "infer": "costcurve.commands.infer",
    "deploy": "costcurve.commands.deploy",
    "trend": "costcurve.commands.trends",
    "forecast": "costcurve.commands.trends",
    "decompose": "costcurve.commands.trends",
    "claims": "costcurve.commands.trends",
    "series": "costcurve.commands.trends",
    "budget": "costcurve.commands.decide",
    "finetune": "costcurve.commands.decide",
    "rent-vs-buy": "costcurve.commands.decide",
    "wait": "costcurve.commands.decide",
    "lifecycle": "costcurve.commands.lifecycle",
    "posttrain": "costcurve.commands.lifecycle",
}

_EXTRA: dict[str, Command] = {}  # registered at run time (a plugin, a test)


def get(name: str) -> Command:
    """The definition of command ``name``; an unknown name raises UnknownNameError listing the known ones."""
    if name in _EXTRA:
        return _EXTRA[name]
    if name not in MODULES:
        from costcurve.errors import UnknownNameError

        raise UnknownNameError("command", name, names(), field="kind")
    module = importlib.import_module(MODULES[name])
    found = getattr(module, "COMMANDS", None) or {module.COMMAND.name: module.COMMAND}
    return found[name]


def names() -> list[str]:
    return [*MODULES, *(n for n in _EXTRA if n not in MODULES)]


def all_commands() -> list[Command]:
    return [get(n) for n in names()]


def register(command: Command) -> Command:
    """Add (or replace) a command at run time; it gets a CLI command, a web endpoint and a report."""
    _EXTRA[command.name] = command
    return command


def unregister(name: str) -> None:
    _EXTRA.pop(name, None)
