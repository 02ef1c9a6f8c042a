"""The headless CLI: `fieldbook [--data-dir DIR] COMMAND ...` over the same services as the app.

Each command group lives in its own module and registers itself through `register(subparsers)`;
a handler returns the process exit code. Errors go to stderr with a non-zero exit.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from desktop.cli import export_commands, records, report_commands, sync_commands
from desktop.cli.errors import CliError

GROUPS: tuple[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None], ...] = (
    records.register,
    sync_commands.register,
    export_commands.register,
    report_commands.register,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fieldbook", description="Fieldbook CRM")
    parser.add_argument("--data-dir", type=Path, default=None, help="where the replica lives")
    parser.add_argument("--demo", action="store_true", help="start a local demo server and sign in")
    parser.add_argument(
        "--smoke-test", action="store_true", help="open the window, sync once, print timings, exit"
    )
    subparsers = parser.add_subparsers(dest="command")
    for register in GROUPS:
        register(subparsers)
    return parser


def run(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from desktop.app import run_gui  # the window only when no command was given

        return int(run_gui(args))
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except CliError as error:
        print(f"fieldbook: {error}", file=sys.stderr)
        return 1
