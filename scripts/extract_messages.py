#!/usr/bin/env python3
"""Regenerate ``src/pmledger/locale/pmledger.pot`` and merge it into every ``.po``.

Two sources of messages (the stdlib ``pygettext`` idea, on the ``ast``):

* calls of the markers in ``src/pmledger``: ``_("...")``, ``N_("...")``,
  ``ngettext("...", "...", n)`` and ``pgettext("context", "...")``, whose text
  must be a string literal (never an f-string or a variable: the catalog
  could not know it);
* the help of every command, argument and option of the CLI, read from the
  click tree the app builds (so command docstrings count too, exactly as
  ``--help`` shows them), for the modules listed in ``MARKED``.

Merging keeps every existing translation, adds new messages untranslated and
drops the ones no longer used (git keeps them). Then run
``scripts/compile_catalogs.py``.

    python scripts/extract_messages.py          # write the .pot and update the .po files
    python scripts/extract_messages.py --check  # exit 1 if either is out of date
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from compile_catalogs import DOMAIN, LOCALE, REPO, Entry, header_fields, read_po

SOURCE = REPO / "src" / "pmledger"
POT = LOCALE / f"{DOMAIN}.pot"

# CLI modules whose help texts are marked and translated (issue 12, wave 2
# adds each module here as it is done; the others' --help stays English and
# the catalog tests skip them). Opt-in, so that a command module landing from
# another branch does not break the catalog tests; once every command module
# is here, drop the set and extract every help text.
MARKED: frozenset[str] = frozenset(
    [
        # One module per line, e.g. "pmledger.cli.add",
        "pmledger.cli",
        "pmledger.cli.add",
        "pmledger.cli.change",
        "pmledger.cli.check",
        "pmledger.cli.completion",
        "pmledger.cli.diff",
        "pmledger.cli.edit",
        "pmledger.cli.export",
        "pmledger.cli.fmt",
        "pmledger.cli.git_setup",
        "pmledger.cli.history",
        "pmledger.cli.import_",
        "pmledger.cli.init",
        "pmledger.cli.interview",
        "pmledger.cli.listing",
        "pmledger.cli.matrix",
        "pmledger.cli.plan",
        "pmledger.cli.rank",
        "pmledger.cli.remove",
        "pmledger.cli.show",
        "pmledger.cli.board",
        "pmledger.cli.goal",
        "pmledger.cli.sprint",
        "pmledger.cli.stats",
        "pmledger.cli.report",
        "pmledger.cli.watch",
    ]
)

# Marker name -> the positions of (context, singular, plural) in its arguments.
MARKERS: dict[str, tuple[int | None, int, int | None]] = {
    "_": (None, 0, None),
    "N_": (None, 0, None),
    "ngettext": (None, 0, 1),
    "pgettext": (0, 1, None),
}

PLURAL_FORMS = {"zh_CN": "nplurals=1; plural=0;"}


class ExtractError(ValueError):
    """A marker whose text is not a string literal."""


def _marker(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Name):
        name = func.id
    elif isinstance(func, ast.Attribute) and getattr(func.value, "id", None) == "i18n":
        name = func.attr  # i18n._("...")
    else:
        return None
    return name if name in MARKERS else None


def _literal(node: ast.Call, position: int | None, where: str) -> str | None:
    if position is None:
        return None
    arg = node.args[position] if position < len(node.args) else None
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    raise ExtractError(
        f"{where}: the message must be a string literal (not a variable or f-string)"
    )


def source_messages(root: Path = SOURCE) -> Iterator[Entry]:
    """The marked messages of every module under ``root``, in file and line order."""
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        relative = path.relative_to(root.parent.parent).as_posix()
        for node in sorted(
            (n for n in ast.walk(ast.parse(text, str(path))) if isinstance(n, ast.Call)),
            key=lambda n: (n.lineno, n.col_offset),
        ):
            name = _marker(node)
            if name is None:
                continue
            where = f"{relative}:{node.lineno}"
            context, singular, plural = MARKERS[name]
            msgid = _literal(node, singular, where)
            assert msgid is not None
            if not msgid:
                raise ExtractError(f"{where}: an empty message")
            comments = []
            above = lines[node.lineno - 2].strip() if node.lineno > 1 else ""
            if above.startswith("# TRANSLATORS:"):
                comments.append(above[2:])
            yield Entry(
                msgid=msgid,
                msgid_plural=_literal(node, plural, where),
                msgctxt=_literal(node, context, where),
                comments=comments,
                references=[relative],
            )


def _module_file(module: str) -> str:
    path = SOURCE.parent / Path(*module.split("."))
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    return path.relative_to(REPO).as_posix()


def help_messages(marked: frozenset[str] = MARKED) -> Iterator[Entry]:
    """The help texts of the CLI modules in ``marked``, as the click tree holds them."""
    import typer.main

    from pmledger.cli import app

    def walk(command: Any, module: str, path: str) -> Iterator[Entry]:
        callback = getattr(command, "callback", None)
        module = getattr(callback, "__module__", None) or module
        if module in marked:
            reference = [_module_file(module)]
            for attr in ("help", "short_help", "epilog"):
                text = getattr(command, attr, None)
                if text:
                    yield Entry(msgid=text, comments=[f"{attr} of {path}"], references=reference)
            for param in command.params:
                text = getattr(param, "help", None)
                if text:
                    name = param.opts[0] if param.opts else param.name
                    yield Entry(
                        msgid=text, comments=[f"help of {path} {name}"], references=reference
                    )
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            yield from walk(sub, module, f"{path} {name}")

    yield from walk(typer.main.get_command(app), "pmledger.cli", "pmledger")


def collect(marked: frozenset[str] = MARKED) -> list[Entry]:
    """Every message, each once (references and comments of repeats merged)."""
    merged: dict[tuple[str | None, str, str | None], Entry] = {}
    for entry in [*source_messages(), *help_messages(marked)]:
        seen = merged.get(entry.key)
        if seen is None:
            merged[entry.key] = entry
            continue
        seen.references += [r for r in entry.references if r not in seen.references]
        seen.comments += [c for c in entry.comments if c not in seen.comments]
    # Grouped by file, so that helpers marking different files in parallel
    # change different regions of the .po (fewer merge conflicts).
    return sorted(merged.values(), key=lambda e: e.references[0])


def _quote(text: str) -> str:
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\r", "\\r")
    )
    return '"' + escaped.replace("\n", "\\n") + '"'


def _field(keyword: str, text: str) -> list[str]:
    # Multi-line text one line per source line, as xgettext writes it.
    if "\n" not in text.rstrip("\n"):
        return [f"{keyword} {_quote(text)}"]
    parts = text.splitlines(keepends=True)
    return [f'{keyword} ""', *(_quote(part) for part in parts)]


def write_entries(header: str, entries: list[Entry]) -> str:
    """The text of a .po/.pot file: the header, then each entry."""
    out = ['msgid ""', 'msgstr ""', *(_quote(p) for p in header.splitlines(keepends=True))]
    for entry in entries:
        out.append("")
        out += [f"#. {c}" for c in entry.comments]
        if entry.references:
            out.append("#: " + " ".join(entry.references))
        if entry.fuzzy:
            out.append("#, fuzzy")
        if entry.msgctxt is not None:
            out += _field("msgctxt", entry.msgctxt)
        out += _field("msgid", entry.msgid)
        if entry.msgid_plural is None:
            out += _field("msgstr", entry.msgstr[0] if entry.msgstr else "")
        else:
            out += _field("msgid_plural", entry.msgid_plural)
            for index, text in enumerate(entry.msgstr or ["", ""]):
                out += _field(f"msgstr[{index}]", text)
    return "\n".join(out) + "\n"


def pot_header() -> str:
    return (
        f"Project-Id-Version: {DOMAIN}\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=UTF-8\n"
        "Content-Transfer-Encoding: 8bit\n"
        "Plural-Forms: nplurals=INTEGER; plural=EXPRESSION;\n"
    )


def po_header(language: str) -> str:
    return (
        f"Project-Id-Version: {DOMAIN}\n"
        f"Language: {language}\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=UTF-8\n"
        "Content-Transfer-Encoding: 8bit\n"
        f"Plural-Forms: {PLURAL_FORMS[language]}\n"
    )


def nplurals(header: dict[str, str]) -> int:
    forms = header.get("Plural-Forms", "nplurals=2;")
    return int(forms.split("nplurals=")[1].split(";")[0])


def merge(entries: list[Entry], po_text: str, language: str) -> tuple[str, list[Entry]]:
    """The updated .po text, and the translations dropped as unused."""
    old = read_po(po_text) if po_text else []
    forms = nplurals(header_fields(old) or {"Plural-Forms": PLURAL_FORMS[language]})
    known = {e.key: e for e in old if e.msgid}
    merged = []
    for entry in entries:
        previous = known.pop(entry.key, None)
        empty = [""] * (forms if entry.msgid_plural is not None else 1)
        merged.append(
            Entry(
                msgid=entry.msgid,
                msgid_plural=entry.msgid_plural,
                msgctxt=entry.msgctxt,
                msgstr=previous.msgstr if previous else empty,
                fuzzy=previous.fuzzy if previous else False,
                comments=entry.comments,
                references=entry.references,
            )
        )
    return write_entries(po_header(language), merged), list(known.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say what is out of date")
    args = parser.parse_args(argv)
    try:
        entries = collect()
    except ExtractError as exc:
        print(exc, file=sys.stderr)
        return 1
    outputs = {POT: write_entries(pot_header(), entries)}
    for po in sorted(LOCALE.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        text, dropped = merge(entries, po.read_text(encoding="utf-8"), po.parent.parent.name)
        outputs[po] = text
        for entry in dropped:
            print(f"{po.relative_to(REPO)}: dropped unused {entry.msgid!r}")
    stale = 0
    for path, text in outputs.items():
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        if args.check:
            print(f"{path.relative_to(REPO)} is out of date: run scripts/extract_messages.py")
            stale += 1
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(REPO)}")
    untranslated = sum(
        1
        for po in LOCALE.glob(f"*/LC_MESSAGES/{DOMAIN}.po")
        for e in read_po(outputs[po])
        if e.msgid and not e.translated
    )
    if untranslated and not args.check:
        print(f"{untranslated} messages to translate (empty msgstr) in the .po files")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
