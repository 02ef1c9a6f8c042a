"""Start script of the frozen desktop app: PyInstaller needs a file, the app an importable main."""

from __future__ import annotations

import sys

from desktop.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
