"""`fieldbook --smoke-test` as a user would run it: a new process starts the demo server, opens
the window offscreen, syncs once, prints its timings as JSON and exits 0."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]


def test_smoke_test_opens_the_window_syncs_once_and_reports(tmp_path: Path):
    environment = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "FIELDBOOK_USER_SETTINGS": str(tmp_path / "settings.json"),
        "FIELDBOOK_MACHINE_SETTINGS": str(tmp_path / "no-machine-settings.json"),
    }
    finished = subprocess.run(
        [sys.executable, "-m", "desktop", "--data-dir", str(tmp_path / "data"), "--smoke-test"],
        cwd=REPOSITORY,
        env=environment,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    report = json.loads(finished.stdout.strip().splitlines()[-1])
    assert report["ok"] is True
    assert report["start_to_window_s"] > 0 and report["first_sync_s"] > 0
    assert report["demo_server_start_s"] > 0
    assert report["pending_changes"] == 0
    # The first sync really filled the replica given with --data-dir.
    assert (tmp_path / "data" / "replica.sqlite3").stat().st_size > 100_000
