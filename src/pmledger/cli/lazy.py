"""The root command group, built lazily: a run builds only the command it invokes.

Typer 0.29 builds a pydantic ``TypeAdapter`` for every parameter of every
command it turns into a click command; building all 25 commands (and
importing their modules) cost ~40 ms of every start, though a run uses one.
Here the Typer app registers no command: the group lists the names of the
COMMANDS table (``cli/__init__.py``) and turns a name into a click command,
with Typer's own functions, the first time it is asked for. ``--help`` builds
every command (it shows their help), and completing a command name reads
only the docstrings (docs/performance.md).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator, MutableMapping, Sequence
from types import SimpleNamespace
from typing import Any, ClassVar

from pmledger.cli.language import TranslatingGroup, plain_placeholders, translate_help

# A command as the COMMANDS table names it: "module:attribute" inside
# pmledger.cli (imported when needed), or the function / Typer app itself.
CommandSpec = Any


def _resolve(spec: CommandSpec) -> Any:
    if isinstance(spec, str):
        module, _, attr = spec.partition(":")
        return getattr(importlib.import_module(f"pmledger.cli.{module}"), attr)
    return spec


class LazyCommands(MutableMapping[str, Any]):
    """The group's ``commands``: every name of the table, each built when first read."""

    def __init__(self, group: LazyGroup, table: Sequence[tuple[str, CommandSpec]]) -> None:
        self.group = group
        self.specs: dict[str, CommandSpec] = dict(table)
        self.built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        command = self.built.get(name)
        if command is None:
            if name not in self.specs:
                raise KeyError(name)
            command = self.built[name] = self.group.build(name, _resolve(self.specs[name]))
        return command

    def __setitem__(self, name: str, command: Any) -> None:
        self.built[name] = command

    def __delitem__(self, name: str) -> None:
        found = self.specs.pop(name, None) is not None
        if self.built.pop(name, None) is None and not found:
            raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        yield from self.specs
        yield from (name for name in self.built if name not in self.specs)

    def __len__(self) -> int:
        return len(self.specs.keys() | self.built.keys())

    def __contains__(self, name: object) -> bool:
        return name in self.specs or name in self.built


class LazyGroup(TranslatingGroup):
    """The root group over a table of commands; subclasses set ``table``."""

    table: ClassVar[Sequence[tuple[str, CommandSpec]]] = ()
    # Typer's defaults for the commands it builds (pmledger shows no pretty tracebacks).
    pretty_exceptions_short: ClassVar[bool] = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lazy = LazyCommands(self, self.table)
        for name, command in self.commands.items():
            lazy[name] = command
        self.lazy = self.commands = lazy

    def build(self, name: str, target: Any) -> Any:
        """The click command of one table entry, as Typer builds it."""
        import typer
        from typer.main import get_command_from_info, get_group_from_info
        from typer.models import CommandInfo, TyperInfo

        from pmledger.cli.errors import handle_errors

        if isinstance(target, typer.Typer):
            # A command group: its commands handle their own errors.
            return get_group_from_info(
                TyperInfo(target, name=name),
                pretty_exceptions_short=self.pretty_exceptions_short,
                rich_markup_mode=self.rich_markup_mode,
                suggest_commands=self.suggest_commands,
            )
        return get_command_from_info(
            CommandInfo(name=name, callback=handle_errors(target)),
            pretty_exceptions_short=self.pretty_exceptions_short,
            rich_markup_mode=self.rich_markup_mode,
        )

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.lazy)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = self.lazy.get(cmd_name)
        if command is not None and not getattr(command, "_pmledger_prepared", False):
            # What language.py does to the whole tree when a run starts, for
            # a command that was not in the tree then.
            command._pmledger_prepared = True
            tree = SimpleNamespace(
                params=self.params, commands={cmd_name: command}, get_help_option=lambda c: None
            )
            plain_placeholders(tree)
            translate_help(command)
        return command

    def make_context(
        self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any
    ) -> Any:
        # The language setup walks ``commands`` (translating help, adding
        # --ledger to each command): show it only what is built, so that
        # starting does not build every command.
        lazy = self.lazy
        self.commands = lazy.built
        try:
            return super().make_context(info_name, args, parent, **extra)
        finally:
            self.commands = lazy

    def shell_complete(self, ctx: Any, incomplete: str) -> list[Any]:
        """Command names with their short help, read from docstrings without building."""
        from typer._click.shell_completion import CompletionItem
        from typer.core import TyperGroup

        items = []
        for name in self.list_commands(ctx):
            if not name.startswith(incomplete):
                continue
            stub = self._stub(name)
            if not stub.hidden:
                items.append(CompletionItem(name, help=stub.get_short_help_str()))
        # Options of the root group: what click's Command completes.
        items.extend(super(TyperGroup, self).shell_complete(ctx, incomplete))
        return items

    def _stub(self, name: str) -> Any:
        """A command that carries only the help and visibility of a table entry."""
        import typer
        from typer.core import TyperCommand
        from typer.main import solve_typer_info_defaults
        from typer.models import TyperInfo

        from pmledger.i18n import translate

        built = self.lazy.built.get(name)
        if built is not None:
            return built
        target = _resolve(self.lazy.specs[name])
        if isinstance(target, typer.Typer):
            info = solve_typer_info_defaults(TyperInfo(target, name=name))
            text, short, hidden = info.help, info.short_help, bool(info.hidden)
        else:
            text, short, hidden = inspect.getdoc(target), None, False
        return TyperCommand(
            name,
            help=translate(text) if text else text,
            short_help=translate(short) if short else short,
            hidden=hidden,
        )
