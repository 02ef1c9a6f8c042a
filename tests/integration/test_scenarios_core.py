"""Failure scenarios 1, 3, 4, 5 and 6 of docs/sync-protocol.md against the real server, on SQLite
and PostgreSQL: lost acknowledgements, a cut initial sync, a refused mutation among good ones,
503s drained by the retry timer, concurrent edits with skewed clocks, archive against offline edits.
"""

from __future__ import annotations

import random
import threading

from desktop.sync.engine import SyncOptions
from desktop.sync.errors import Offline
from desktop.sync.faults import FaultKind, ScriptedFaults
from desktop.sync.inbox import SyncInbox
from desktop.sync.loop import Backoff, SyncLoop
from tests.integration.conftest import DeskFactory, Firm, comparable


def test_1_lost_acknowledgement_retried_twice(firm: Firm, desks: DeskFactory) -> None:
    login = firm.add_user("ack")
    desk = desks(login)
    customer_id = desk.add_customer("华东贸易有限公司")
    activity_id = desk.add_activity(customer_id, "首次拜访")
    assert isinstance(desk.faults, ScriptedFaults)
    desk.faults.add("/sync/push", FaultKind.DROP_RESPONSE, times=2)
    for _ in range(2):
        try:
            desk.sync()
        except Offline:
            continue
        raise AssertionError("the dropped answer must surface as Offline")
    desk.sync()
    assert desk.pending() == 0
    view = firm.server_view(login)
    assert ("customer", customer_id) in view and ("activity", activity_id) in view
    assert sum(1 for entity, _ in view if entity in ("customer", "activity")) == 2
    assert view[("customer", customer_id)]["version"] == 1  # applied once, not three times
    assert comparable(desk.view()) == comparable(view)


def test_3_cut_initial_sync_resumes_at_the_next_page(firm: Firm, desks: DeskFactory) -> None:
    login = firm.add_user("pages")
    writer = desks(login)
    for number in range(12):
        customer_id = writer.add_customer(f"客户 {number:02}")
        writer.add_activity(customer_id, f"拜访 {number}")
    writer.sync()
    options = SyncOptions(pull_limit=7)
    cut = desks(login, options=options, name="cut")
    pages: list[int] = []
    cut.sync_engine.on_progress = lambda progress: pages.append(progress.rows_so_far)
    assert isinstance(cut.faults, ScriptedFaults)
    cut.faults.add("/sync/pull", FaultKind.DELAY)  # page 1 passes ...
    cut.faults.add("/sync/pull", FaultKind.DELAY)  # ... page 2 passes ...
    cut.faults.add("/sync/pull", FaultKind.DROP_RESPONSE)  # ... page 3's answer is lost
    try:
        cut.sync()
        raise AssertionError("the cut must surface as Offline")
    except Offline:
        pass
    landed = pages[-1]
    assert landed == 14 and cut.count("customer") + cut.count("activity") <= 14
    summary = cut.sync()
    assert pages[-1] == summary.pulled and summary.pulled > 0  # resumed, not restarted
    uncut = desks(login, options=options, name="uncut")
    uncut.sync()
    assert comparable(cut.view()) == comparable(uncut.view())
    assert comparable(cut.view()) == comparable(firm.server_view(login))


def test_4_one_bad_mutation_among_ten_and_503s_drained_by_the_timer(
    firm: Firm, desks: DeskFactory
) -> None:
    login = firm.add_user("bad")
    desk = desks(login)
    ids = [desk.add_customer(f"Customer {n}") for n in range(9)]
    bad_id = desk.add_customer("", phone="x" * 500)  # no name, phone far too long
    desk.sync()
    assert desk.pending() == 0
    view = firm.server_view(login)
    assert all(("customer", record_id) in view for record_id in ids)
    assert ("customer", bad_id) not in view
    errors = SyncInbox(engine=desk.engine).sync_errors()
    assert [error.entity_id for error in errors] == [bad_id]
    assert errors[0].code == "validation_error" and errors[0].message
    assert errors[0].rejected["phone"] == "x" * 500  # the refused values are kept
    assert desk.row("customer", bad_id) is None  # the server never had it: gone locally too
    assert comparable(desk.view()) == comparable(view)

    # Three 503s and no new local writes: the loop's timer alone drains the outbox.
    more = [desk.add_customer(f"Later {n}") for n in range(3)]
    assert isinstance(desk.faults, ScriptedFaults)
    desk.faults.add("/sync/hello", FaultKind.UNAVAILABLE, times=3)
    loop = SyncLoop(
        sync=desk.sync_engine,
        inbox=SyncInbox(engine=desk.engine),
        interval_seconds=3600,
        long_poll_seconds=1,
        backoff=Backoff(base_seconds=0.05, max_seconds=0.2),
        rng=random.Random(1),
    )
    failures: list[int] = []
    done = threading.Event()

    def watch(status: object) -> None:
        failures.append(getattr(status, "consecutive_failures", 0))
        if getattr(status, "pending_changes", 1) == 0 and not getattr(status, "running", True):
            done.set()

    loop.on_status = watch
    loop.start()
    try:
        assert loop.wait_for_cycles(4, timeout=20)
        assert done.wait(10)
    finally:
        loop.stop()
    assert max(failures) == 3 and loop.status().last_error is None
    assert desk.pending() == 0
    view = firm.server_view(login)
    assert all(("customer", record_id) in view for record_id in more)


def test_5_skewed_offline_clients_edit_the_same_customer(firm: Firm, desks: DeskFactory) -> None:
    login = firm.add_user("skew")
    ahead, behind = desks(login, name="ahead"), desks(login, name="behind")
    customer_id = ahead.add_customer("Skewed Co", phone="100", email="a@example.com")
    ahead.sync()
    behind.sync()
    # Both offline; client clocks (created_at) say a day apart, which must decide nothing.
    ahead.edit("customer", customer_id, phone="200", industry="retail")
    behind.edit("customer", customer_id, phone="300", website="example.com")
    from desktop.store.schema import outbox

    with ahead.engine.begin() as connection:
        connection.execute(outbox.update().values(created_at="2026-11-24T09:00:00Z"))
    with behind.engine.begin() as connection:
        connection.execute(outbox.update().values(created_at="2026-11-22T09:00:00Z"))
    behind.sync()  # arrives first
    ahead.sync()  # arrives last: its phone wins although its clock is "later" only by chance
    behind.sync()
    for desk in (ahead, behind):
        row = desk.row("customer", customer_id)
        assert row is not None
        assert (row["phone"], row["industry"], row["website"]) == ("200", "retail", "example.com")
    conflicts = SyncInbox(engine=behind.engine).conflicts()
    assert [(c.field, c.kept_value, c.lost_value) for c in conflicts] == [("phone", "200", "300")]
    assert comparable(ahead.view()) == comparable(behind.view())
    assert comparable(ahead.view()) == comparable(firm.server_view(login))


def test_6_archive_while_another_client_edits_offline(firm: Firm, desks: DeskFactory) -> None:
    login = firm.add_user("arch")
    archiver, editor = desks(login, name="archiver"), desks(login, name="editor")
    customer_id = archiver.add_customer("Closing Co", phone="1")
    archiver.sync()
    editor.sync()
    archiver.archive("customer", customer_id)
    archiver.sync()
    editor.edit("customer", customer_id, phone="2")  # offline, unaware of the archive
    notes = [editor.add_activity(customer_id, f"note {n}") for n in range(2)]
    editor.sync()
    archiver.sync()
    view = firm.server_view(login)
    assert all(("activity", note) in view for note in notes)  # activities survive
    assert view[("customer", customer_id)]["archived"]  # the archive reaches everyone
    for desk in (archiver, editor):
        row = desk.row("customer", customer_id)
        assert row is not None and row["archived"]
        assert comparable(desk.view()) == comparable(view)
    # The edit lands on the archived record and the editor is told through a conflict.
    assert [c.field for c in SyncInbox(engine=editor.engine).conflicts()] == ["archived"]
    assert view[("customer", customer_id)]["phone"] == "2"
