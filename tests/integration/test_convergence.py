"""Hypothesis stateful test: three clients against the real server converge, and no accepted
write is lost, whatever the order of offline edits, activities, archives, reassignments and syncs,
through transports that drop requests, lose answers, duplicate and delay.

At the end the faults stop, every client syncs until quiet, and then:
- every replica equals the server's view of its user's scope (fields, archive flag, version);
- every customer and activity any client wrote exists on the server (activities never conflict);
- no outbox entry is left behind.
Examples: `FIELDBOOK_HYPOTHESIS_EXAMPLES` (default 3, kept small for CI time).
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    rule,
    run_state_machine_as_test,
)

from desktop.sync.errors import Offline, ServerError
from desktop.sync.faults import RandomFaults
from tests.integration.conftest import Desk, Firm, comparable, sqlite_server

EXAMPLES = int(os.environ.get("FIELDBOOK_HYPOTHESIS_EXAMPLES", "3"))
CLIENTS = 3
_runs = itertools.count(1)


@pytest.fixture(scope="module")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Firm]:
    with sqlite_server(tmp_path_factory) as running:
        yield running


class Convergence(RuleBasedStateMachine):
    customers = Bundle("customers")

    def __init__(self, firm: Firm, folder: Path) -> None:
        super().__init__()
        run = next(_runs)
        self.firm = firm
        self.logins = [firm.add_user(f"conv{run}x") for _ in range(CLIENTS)]
        self.faults = [
            RandomFaults(
                seed=run * 10 + index,
                drop_request=0.08,
                drop_response=0.08,
                duplicate=0.08,
                delay=0.08,
                unavailable=0.04,
                max_delay_seconds=0.005,
            )
            for index in range(CLIENTS)
        ]
        self.desks = [
            Desk(
                folder=folder / f"run{run}-{index}",
                base_url=firm.base_url,
                login=login,
                user_id=firm.user_ids[login],
                faults=self.faults[index],
            )
            for index, login in enumerate(self.logins)
        ]
        self.written_customers: set[str] = set()
        self.written_activities: set[str] = set()

    # --- local work while offline ---------------------------------------------------------
    @rule(target=customers, desk=st.integers(0, CLIENTS - 1), name=st.text(min_size=1, max_size=8))
    def add_customer(self, desk: int, name: str) -> str:
        customer_id = self.desks[desk].add_customer(f"客户 {name}")
        self.written_customers.add(customer_id)
        return customer_id

    @rule(
        desk=st.integers(0, CLIENTS - 1),
        customer=customers,
        field=st.sampled_from(["phone", "industry", "tags"]),
        value=st.sampled_from(["甲", "乙", "one", "two", ""]),
    )
    def edit(self, desk: int, customer: str, field: str, value: str) -> None:
        if self.desks[desk].row("customer", customer) is not None:
            self.desks[desk].edit("customer", customer, **{field: value})

    @rule(desk=st.integers(0, CLIENTS - 1), customer=customers)
    def log_activity(self, desk: int, customer: str) -> None:
        if self.desks[desk].row("customer", customer) is not None:
            self.written_activities.add(self.desks[desk].add_activity(customer, "拜访"))

    @rule(desk=st.integers(0, CLIENTS - 1), customer=customers)
    def archive(self, desk: int, customer: str) -> None:
        row = self.desks[desk].row("customer", customer)
        if row is not None and not row["archived"]:
            self.desks[desk].archive("customer", customer)

    # --- the server and the network -------------------------------------------------------
    @rule(customer=customers, to=st.integers(0, CLIENTS - 1))
    def reassign(self, customer: str, to: int) -> None:
        answer = self.firm.admin.post(
            "/admin/customers/reassign",
            {"customer_ids": [customer], "to_user": self.firm.user_ids[self.logins[to]]},
        )
        # A customer not pushed yet is unknown to the server: the admin simply gets a refusal.
        assert answer.status_code in (200, 404, 422), answer.text

    @rule(desk=st.integers(0, CLIENTS - 1))
    def sync(self, desk: int) -> None:
        # The network did what networks do (a typed, retryable error); the next sync carries on.
        with contextlib.suppress(Offline, ServerError):
            self.desks[desk].sync()

    def teardown(self) -> None:
        try:
            for faults in self.faults:
                faults.enabled = False
            for _ in range(3):  # push everywhere, then everyone pulls what the others pushed
                for desk in self.desks:
                    desk.sync()
            for desk in self.desks:
                assert desk.pending() == 0
                assert comparable(desk.view()) == comparable(self.firm.server_view(desk.login))
            everything = self.firm.server_view(self.firm.admin.login)
            for customer_id in self.written_customers:
                assert ("customer", customer_id) in everything
            for activity_id in self.written_activities:
                assert ("activity", activity_id) in everything
        finally:
            for desk in self.desks:
                desk.close()


def test_clients_converge_through_a_faulty_network(firm: Firm, tmp_path: Path) -> None:
    run_state_machine_as_test(
        lambda: Convergence(firm, tmp_path),  # type: ignore[arg-type]  # a factory works too
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=int(os.environ.get("FIELDBOOK_HYPOTHESIS_STEPS", "15")),
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        ),
    )
