"""Sync commands: login, sync (and the sync part of status)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """TODO(sync): login --server URL --user LOGIN, sync [--json]."""
