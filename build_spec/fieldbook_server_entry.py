"""Start script of the frozen sync server: PyInstaller needs a file, the server a main."""

from __future__ import annotations

import sys

from server.cli import main

if __name__ == "__main__":
    sys.exit(main())
