"""A refused field edit does not leave the replica different from the server.

When the server refuses an update (a sync error) and no colleague changed the record meanwhile,
the client cannot restore the old values by itself (its outbox holds only the new ones): the
server answers the refusal with the record's current state in the pull, and the replica
converges. The refused value stays visible in the sync error.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from desktop.sync.inbox import SyncInbox
from tests.integration.conftest import DeskFactory, Firm, comparable, sqlite_server


@pytest.fixture(scope="module")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Firm]:
    with sqlite_server(tmp_path_factory) as running:
        yield running


def test_refused_update_is_rolled_back_locally(firm: Firm, desks: DeskFactory) -> None:
    login = firm.add_user("refused")
    desk = desks(login)
    customer_id = desk.add_customer("Valid Co", phone="010-1")
    desk.sync()
    desk.edit("customer", customer_id, phone="x" * 500)  # longer than the field allows
    desk.sync()
    row = desk.row("customer", customer_id)
    assert row is not None and row["phone"] == "010-1"
    assert comparable(desk.view()) == comparable(firm.server_view(login))
    errors = SyncInbox(engine=desk.engine).sync_errors()
    assert [error.rejected for error in errors] == [{"phone": "x" * 500}]
