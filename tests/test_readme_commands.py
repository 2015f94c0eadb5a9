"""README.md's command table and the command line say the same (sqlite-utils' habit: docs that cannot drift).

The CLI's commands are read from the typer app itself (its click command tree), the README's from the first
column of the table under "## Commands": every command the CLI has is in the table, every command the table
names exists, and every option a row spells out (``--roster``) is an option of the command it is written for.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer.main

from xltemplates.cli import app

README = Path(__file__).resolve().parent.parent / "README.md"


def cli_commands() -> dict[str, set[str]]:
    """'key init' -> its options, for every command a user can run (a group only when it runs by itself)."""
    out: dict[str, set[str]] = {}

    def walk(cmd: Any, path: tuple[str, ...]) -> None:
        subs = getattr(cmd, "commands", None)
        if path and (subs is None or getattr(cmd, "invoke_without_command", False)):
            out[" ".join(path)] = {o for p in cmd.params for o in (*getattr(p, "opts", ()), *getattr(p, "secondary_opts", ()))
                                   if o.startswith("--")}
        for name, sub in (subs or {}).items():
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return out


def readme_rows() -> list[str]:
    """The first cell of each row of the command table."""
    section = README.read_text(encoding="utf-8").split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert rows, "no command table under ## Commands"
    return [re.split(r"(?<!\\)\|", row)[1] for row in rows]


def readme_commands(commands: dict[str, set[str]]) -> dict[str, set[str]]:
    """Each command a row names -> the options written after it in that row's spans."""
    found: dict[str, set[str]] = {}
    for cell in readme_rows():
        current = None
        for span in re.findall(r"`([^`]+)`", cell):
            words = span.removeprefix("xltemplates ").split()
            # the longest run of leading words that is a command: "key init", else "key", "collect", ...
            name = next((" ".join(words[:n]) for n in (2, 1) if " ".join(words[:n]) in commands), None)
            if name is None and span.startswith("xltemplates "):  # a command the CLI does not have
                name = words[0]
            if name is not None:
                current = name
                found.setdefault(current, set())
            if current is not None:
                found[current] |= set(re.findall(r"--[a-z][a-z-]*", span))
    return found


def test_readme_command_table__the_cli_commands__the_same_both_ways() -> None:
    commands = cli_commands()
    documented = readme_commands(commands)
    assert sorted(set(commands) - set(documented)) == [], "commands the README's table leaves out"
    assert sorted(set(documented) - set(commands)) == [], "commands in the README's table the CLI does not have"


def test_readme_command_table__each_option_written__is_an_option_of_its_command() -> None:
    commands = cli_commands()
    wrong = {name: sorted(opts - commands[name]) for name, opts in readme_commands(commands).items()
             if name in commands and opts - commands[name]}
    assert wrong == {}


def test_readme_commands__a_command_added_to_the_cli__found_missing(monkeypatch: Any) -> None:
    """The check can fail: a command the table does not name is reported."""
    probe = typer.Typer()

    @probe.command()
    def undocumented() -> None:
        """A command no README row names."""

    monkeypatch.setattr(app, "registered_groups", [*app.registered_groups, typer.models.TyperInfo(probe, name="probe")])
    commands = cli_commands()
    assert "probe undocumented" in commands and "probe undocumented" not in readme_commands(commands)
