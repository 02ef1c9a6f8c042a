"""A second laptop's first sync from the server's snapshot, against the real server.

It must end with exactly what a pull from the start gives (the server's view of the user's scope),
including what changed after the snapshot was built, and go on syncing both ways.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server.db import open_engine
from server.snapshot import build_snapshot_for_login
from tests.integration.conftest import Desk, Firm, comparable, sqlite_url, start_server
from tests.postgres import PostgresCluster


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def snapshot_firm(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Firm, Path]]:
    snapshots = tmp_path_factory.mktemp("snapshots")
    if request.param == "sqlite":
        url = sqlite_url(tmp_path_factory.mktemp("server"))
        with start_server(url, snapshot_dir=snapshots) as running:
            yield running, snapshots
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    with cluster.fresh_database() as url, start_server(url, snapshot_dir=snapshots) as running:
        yield running, snapshots


def _desk(firm: Firm, folder: Path, login: str) -> Desk:
    return Desk(folder=folder, base_url=firm.base_url, login=login, user_id=firm.user_ids[login])


def test_a_second_laptop_starts_from_the_snapshot_and_ends_equal_to_the_server(
    snapshot_firm: tuple[Firm, Path], tmp_path: Path
) -> None:
    firm, snapshots = snapshot_firm
    login = firm.add_user("field")
    first = _desk(firm, tmp_path / "first", login)
    customers = [first.add_customer(f"华东建材 {number}") for number in range(12)]
    for customer_id in customers[:6]:
        first.add_activity(customer_id, "拜访: 报价")
    first.sync()
    engine = open_engine(firm.database_url)
    try:
        info = build_snapshot_for_login(engine, login=login, directory=snapshots)
    finally:
        engine.dispose()
    assert info.rows == len(firm.server_view(login))  # the 18 records, and reference data
    # Changes after the snapshot was built: the second laptop pulls them from its cursor.
    first.edit("customer", customers[0], phone="+86 21 5555 0101")
    newest = first.add_customer("快照之后的客户")
    first.sync()

    second = _desk(firm, tmp_path / "second", login)
    cursors: list[str | None] = []
    real_pull = second.api.pull

    def recording_pull(**kwargs: Any) -> dict[str, Any]:
        cursors.append(kwargs.get("cursor"))
        return real_pull(**kwargs)

    second.api.pull = recording_pull  # type: ignore[method-assign]
    try:
        summary = second.sync()
        assert cursors[0] == info.cursor  # on from the snapshot, not from the start
        assert summary.pulled >= info.rows
        assert comparable(second.view()) == comparable(firm.server_view(login))
        assert second.row("customer", newest) is not None
        assert (second.row("customer", customers[0]) or {})["phone"] == "+86 21 5555 0101"
        # Both laptops go on syncing both ways.
        late = second.add_customer("第二台电脑的新客户")
        second.sync()
        first.sync()
        assert first.row("customer", late) is not None
    finally:
        first.close()
        second.close()
