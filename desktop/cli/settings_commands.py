"""`fieldbook settings show|set|reset`: what each setting is, where its value comes from, and
the user's own values; so IT can check a deployment from a terminal.

Registered from `records.register` (the record commands' module owns the registration list of
this part of the CLI).
"""

from __future__ import annotations

import argparse
import json
from typing import TypeAlias

from desktop.cli.errors import user_errors
from desktop.settings import SPECS, Settings

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def _show(args: argparse.Namespace) -> int:
    settings = Settings.load()
    rows = [
        {
            "key": spec.key,
            "value": settings.get(spec.key),
            "source": settings.source(spec.key).value,
            "locked": settings.is_locked(spec.key),
            "help": spec.help,
        }
        for spec in SPECS
    ]
    if args.json:
        document = {
            "settings": rows,
            "machine_file": str(settings.machine_path) if settings.machine_path else None,
            "user_file": str(settings.user_path),
            "problems": settings.problems,
        }
        print(json.dumps(document, ensure_ascii=False, indent=2))
        return 0
    width = max(len(row["key"]) for row in rows)
    for row in rows:
        lock = "  (locked by IT)" if row["locked"] else ""
        print(f"{row['key']:<{width}}  {row['value']!r:<28} {row['source']}{lock}")
    print(f"machine-wide file: {settings.machine_path or '-'}")
    print(f"user file: {settings.user_path}")
    for problem in settings.problems:
        print(f"warning: {problem}")
    return 0


def _set(args: argparse.Namespace) -> int:
    with user_errors():
        stored = Settings.load().set(args.key, args.value)
    print(f"{args.key} = {stored!r}")
    return 0


def _reset(args: argparse.Namespace) -> int:
    with user_errors():
        settings = Settings.load()
        settings.reset(args.key)
        value = settings.get(args.key)
    print(f"{args.key} = {value!r} (from {settings.source(args.key).value})")
    return 0


def register(subparsers: Subparsers) -> None:
    group = subparsers.add_parser("settings", help="show or change settings")
    commands = group.add_subparsers(dest="settings_command", required=True)
    show = commands.add_parser("show", help="every setting, its value and where it comes from")
    show.add_argument("--json", action="store_true", help="print machine-readable JSON")
    show.set_defaults(handler=_show)
    change = commands.add_parser("set", help="store your own value for a setting")
    change.add_argument("key")
    change.add_argument("value")
    change.set_defaults(handler=_set)
    reset = commands.add_parser("reset", help="drop your own value for a setting")
    reset.add_argument("key")
    reset.set_defaults(handler=_reset)
