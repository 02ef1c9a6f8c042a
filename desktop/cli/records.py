"""Record commands: customer, activity, followup, opportunity, search, status."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """TODO(foundation): customer add|list|show|edit|archive, activity log, followup list|done,
    opportunity add|move, search, status."""
