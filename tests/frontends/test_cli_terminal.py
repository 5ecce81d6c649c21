"""The terminal as a person reads it: in 80 columns no table splits a word (every README example), long
notes and price sources fold into one line each with the rest behind ``--verbose``, which every command
that prints notes takes (generated from the shared command options, not per command)."""

from __future__ import annotations

import re
import shlex

import pytest

from costcurve.cli.layout import ABBREVIATIONS

DATE = "2025-06-01"
TRAIN = ["train", "--model", "llama3.1-405b", "--gpu", "h100", "--gpus", "16384", "--date", DATE]
BOX = r"[│┃┏┓┗┛━─┡┩╇┳┻┼└┘┴┬┌┐╋╭╮╯╰├┤]"
HINT = "--verbose prints them in full"


def _run(run_cli, monkeypatch, columns, *argv):
    monkeypatch.setenv("COLUMNS", str(columns))
    r = run_cli(*argv)
    assert r.code == 0, r.err
    return r.out


def _words(text: str) -> set[str]:
    """The words of an output with letters and no digits (Monte Carlo figures differ between runs)."""
    out = set()
    for ln in text.splitlines():
        if HINT in ln:
            continue
        for w in re.sub(BOX, " ", ln).split():
            if re.search(r"[A-Za-z]", w) and not re.search(r"\d", w) and w != "…":
                out.add(w)
    return out


def test_every_command_with_notes_takes_verbose(run_cli):
    from costcurve.commands import names

    for name in [*names(), "when", "backtest", "measure"]:
        r = run_cli(name, "--help")
        assert r.code == 0 and "--verbose" in r.out, name


def test_train_notes_and_price_source_fold_to_one_line(run_cli, monkeypatch):
    short = _run(run_cli, monkeypatch, 80, *TRAIN)
    assert max(len(x) for x in short.splitlines()) <= 80, short
    assert HINT in short
    notes = [x for x in short.splitlines() if x.startswith("note:")]
    assert notes and all(len(x) <= 80 for x in notes)
    # the price source: its rule and how many quotes; the providers and dates behind --verbose
    flat = " ".join(re.sub(BOX, " ", short).split())
    assert re.search(r"median on-demand price, \d+ quotes from \d+ providers …", flat), flat
    assert "lambda" not in short and "provider(s)" not in short
    full = _run(run_cli, monkeypatch, 80, *TRAIN, "--verbose")
    assert HINT not in full and "lambda" in full and "quote(s) from" in full
    assert max(len(x) for x in full.splitlines()) <= 80, full  # whole, wrapped on spaces
    # every word of the folded output is a word of the full one (cut at spaces, never inside a word)
    assert _words(short) <= _words(full) | {"price,", "quotes", "providers"}, _words(short) - _words(full)
    assert "the regression gives" in " ".join(full.split())


def test_folding_is_only_for_the_terminal(run_cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    d = run_cli(*TRAIN, "--json").json()
    assert "provider(s)" in d["price_source"] and all(len(n) < 400 for n in d["notes"])


def _readme_examples() -> list[str]:
    from test_trust3_readme import EXAMPLES

    out = []
    for line in EXAMPLES:
        argv = shlex.split(line, comments=True)[1:]
        if argv[0] in ("web", "report") or "--json" in argv or any(a.startswith("epoch:") for a in argv):
            continue
        if "--plot" in argv:
            i = argv.index("--plot")
            argv = argv[:i] + argv[i + 2:]
        out.append(argv)
    return out


@pytest.mark.parametrize("argv", _readme_examples(), ids=lambda a: " ".join(a)[:50])
def test_readme_example_splits_no_word_in_80_columns(run_cli, monkeypatch, tmp_path, argv):
    from pathlib import Path

    (tmp_path / "examples").symlink_to(Path(__file__).resolve().parents[2] / "examples")
    monkeypatch.chdir(tmp_path)
    narrow = _run(run_cli, monkeypatch, 80, *argv)
    wide = _run(run_cli, monkeypatch, 300, *argv)
    lines = narrow.splitlines()
    assert max(len(x) for x in lines) <= 80, next(x for x in lines if len(x) > 80)
    allowed = _words(wide) | set(ABBREVIATIONS.values()) | {w + ":" for w in _words(wide)}
    fragments = _words(narrow) - allowed
    assert not fragments, (fragments, narrow)
