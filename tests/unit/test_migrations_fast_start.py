"""A start on an up-to-date replica skips Alembic; the constant that makes this possible is kept
equal to the Alembic head, and the heavy optional libraries stay out of the start-up imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from desktop.store.replica import HEAD_REVISION, head_revision, open_replica, read_stored_schema

# Opens the replica given as argv[1] the way the app does, then names the heavy modules loaded.
_OPEN_AND_LIST_MODULES = """
import sys
from pathlib import Path
import desktop.domain.records, desktop.operations.customers
from desktop.store.replica import open_replica
open_replica(Path(sys.argv[1])).dispose()
print(" ".join(sorted({"alembic", "phonenumbers", "email_validator"} & set(sys.modules))))
"""


def _heavy_modules_after_opening(path: Path) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", _OPEN_AND_LIST_MODULES, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def test_head_revision_constant_matches_the_alembic_head() -> None:
    """Fails when a revision is added without moving HEAD_REVISION (files would never upgrade)."""
    assert head_revision() == HEAD_REVISION


def test_opening_an_up_to_date_replica_imports_no_alembic(tmp_path: Path) -> None:
    path = tmp_path / "replica.sqlite3"
    open_replica(path).dispose()  # a new file: created through Alembic in this process
    assert read_stored_schema(path).revisions == (HEAD_REVISION,)
    assert _heavy_modules_after_opening(path) == set()


def test_a_new_replica_is_still_created_through_alembic(tmp_path: Path) -> None:
    """The fast path must not skip real work: an empty file needs the migrations."""
    path = tmp_path / "replica.sqlite3"
    assert _heavy_modules_after_opening(path) == {"alembic"}
    assert read_stored_schema(path).revisions == (HEAD_REVISION,)
