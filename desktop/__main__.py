"""`fieldbook`: the desktop app, or with a sub-command the headless CLI."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from desktop.cli import run

    return int(run(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
