"""Helpers every benchmark shares: percentiles, a plain-text table, and the `--json` option.

`--json` alone prints one JSON object on stdout instead of the table (for scripts and CI);
`--json FILE` prints the table and also writes the object to FILE.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

STDOUT = "-"


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json",
        nargs="?",
        const=STDOUT,
        default=None,
        metavar="FILE",
        help="print one JSON object instead of the table, or also write it to FILE",
    )


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (fraction 0.5 = median, 0.95 = p95); NaN for no samples."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
        if isinstance(value, int):
            return f"{value:,}"
        return str(value)

    text = [[cell(value) for value in row] for row in rows]
    widths = [
        max(len(str(header)), *(len(row[i]) for row in text)) if text else len(str(header))
        for i, header in enumerate(headers)
    ]
    lines = ["  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * width for width in widths))
    for row in text:
        lines.append(
            "  ".join(
                value.rjust(width) if index else value.ljust(width)
                for index, (value, width) in enumerate(zip(row, widths, strict=True))
            )
        )
    return "\n".join(lines)


def emit(json_target: str | None, document: dict[str, Any], tables: Sequence[str]) -> None:
    """Print the tables (unless the JSON goes to stdout) and write the JSON where asked."""
    encoded = json.dumps(document, indent=2, ensure_ascii=False, default=str)
    if json_target == STDOUT:
        sys.stdout.write(encoded + "\n")
        return
    print("\n\n".join(tables))
    if json_target:
        Path(json_target).write_text(encoded + "\n", encoding="utf-8")
        print(f"\nWrote {json_target}")


def progress(message: str, *, quiet: bool) -> None:
    """Progress goes to stderr, so `--json` output on stdout stays one clean object."""
    if not quiet:
        print(message, file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB.

    On Linux, from `VmHWM`: `getrusage`'s `ru_maxrss` survives `exec`, so a worker process
    started by a large parent reports the parent's peak as its own (a client started by a
    benchmark that had just built a snapshot showed 205 MB before it had synced anything).
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text(encoding="ascii", errors="replace").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
