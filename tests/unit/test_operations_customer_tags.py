"""The customer list's tag filter through the local tag index (`customer_tag`), kept current by
triggers whichever way a customer is written: local edits, pulled rows, archives, deletes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from desktop.domain.records import split_tags
from desktop.operations.customers import (
    CustomerFilter,
    CustomerSort,
    add_customer,
    archive_customer,
    count_customers,
    edit_customer,
    list_customers,
    restore_customer,
)
from desktop.store.bulk import delete_rows, upsert_rows
from desktop.store.schema import customer_tag
from tests.unit.operations_helpers import COLLEAGUE, ME, load_reference_data, sign_in


@pytest.fixture
def firm(replica: Engine) -> Engine:
    load_reference_data(replica)
    sign_in(replica)
    return replica


def _names(engine: Engine, tag: str, *, archived: bool | None = False) -> list[str]:
    page = list_customers(engine, criteria=CustomerFilter(tag=tag, archived=archived))
    assert page.total == len(page.rows)  # the count query filters the same way as the page
    return [row.name for row in page.rows]


def _indexed_tags(engine: Engine, customer_id: str) -> set[str]:
    query = select(customer_tag.c.tag).where(customer_tag.c.customer_id == customer_id)
    with engine.connect() as connection:
        return set(connection.execute(query).scalars())


def _pulled_customer(
    customer_id: str, name: str, tags: str | None, version: int
) -> dict[str, object]:
    return {"id": customer_id, "name": name, "owner_id": ME, "tags": tags, "version": version}


def test_a_local_edit_moves_the_customer_between_tags(firm: Engine) -> None:
    acme = add_customer(firm, values={"name": "Acme", "tags": "VIP, 华东"})
    add_customer(firm, values={"name": "Bolt", "tags": "VIP2"})
    assert _names(firm, "VIP") == ["Acme"]  # whole tags only: not "VIP2"
    assert _names(firm, " 华东 ") == ["Acme"]

    edit_customer(firm, customer_id=acme, changes={"tags": "华南"})
    assert _names(firm, "VIP") == []
    assert _names(firm, "华东") == []
    assert _names(firm, "华南") == ["Acme"]

    edit_customer(firm, customer_id=acme, changes={"tags": ""})
    assert _indexed_tags(firm, acme) == set()


def test_an_edit_of_other_fields_keeps_the_tags(firm: Engine) -> None:
    acme = add_customer(firm, values={"name": "Acme", "tags": "VIP"})
    edit_customer(firm, customer_id=acme, changes={"name": "Acme Ltd"})
    assert _names(firm, "VIP") == ["Acme Ltd"]


def test_pulled_rows_are_indexed_and_a_newer_version_replaces_their_tags(firm: Engine) -> None:
    with firm.begin() as connection:
        upsert_rows(
            connection,
            entity="customer",
            rows=[
                _pulled_customer("c-1", "Acme", "VIP,north", 1),
                _pulled_customer("c-2", "Bolt", "north", 1),
            ],
        )
    assert _names(firm, "north") == ["Acme", "Bolt"]

    # A pull writes whole rows with INSERT OR REPLACE: the old row's tags must not linger.
    with firm.begin() as connection:
        upsert_rows(
            connection, entity="customer", rows=[_pulled_customer("c-1", "Acme", "south", 2)]
        )
    assert _names(firm, "north") == ["Bolt"]
    assert _names(firm, "VIP") == []
    assert _names(firm, "south") == ["Acme"]


def test_deleted_rows_leave_the_index(firm: Engine) -> None:
    with firm.begin() as connection:
        upsert_rows(connection, entity="customer", rows=[_pulled_customer("c-1", "Acme", "VIP", 1)])
        delete_rows(connection, entity="customer", ids=["c-1"])
    assert _indexed_tags(firm, "c-1") == set()


def test_archived_customers_follow_the_archive_filter(firm: Engine) -> None:
    acme = add_customer(firm, values={"name": "Acme", "tags": "VIP"})
    add_customer(firm, values={"name": "Bolt", "tags": "VIP"})
    archive_customer(firm, customer_id=acme)
    assert _names(firm, "VIP") == ["Bolt"]
    assert _names(firm, "VIP", archived=True) == ["Acme"]
    assert _names(firm, "VIP", archived=None) == ["Acme", "Bolt"]
    assert count_customers(firm, criteria=CustomerFilter(tag="VIP")) == 1
    restore_customer(firm, customer_id=acme)
    assert _names(firm, "VIP") == ["Acme", "Bolt"]


@pytest.mark.parametrize(
    "stored",
    [
        None,
        "",
        "VIP",
        "a,,b",
        ",leading,trailing,",
        "same,same",
        "重要客户,华东,华东区",
        '50%_off,a\'quote,"double"',
        " spaced , kept as stored ",
    ],
)
def test_the_triggers_split_tags_as_the_app_does(firm: Engine, stored: str | None) -> None:
    """The SQL split must agree with `split_tags`, which shows a customer's tags."""
    with firm.begin() as connection:
        upsert_rows(
            connection, entity="customer", rows=[_pulled_customer("c-1", "Acme", stored, 1)]
        )
    assert _indexed_tags(firm, "c-1") == set(split_tags(stored))


@pytest.mark.parametrize(
    ("criteria", "expected_in_plan"),
    [
        # The tag alone: one range of the tag index answers the count and the page by name.
        (CustomerFilter(tag="VIP"), ["ix_customer_tag_list"]),
        # With another filter: that filter's index, and one key lookup per candidate.
        (
            CustomerFilter(tag="VIP", owner_id=ME),
            ["ix_customer_list_owner_id", "customer_tag USING PRIMARY KEY"],
        ),
    ],
)
def test_the_tag_filter_reads_indexes(
    firm: Engine, criteria: CustomerFilter, expected_in_plan: list[str]
) -> None:
    """The point of the tag index: no scan of every customer. Checked on the statements
    `list_customers` really runs (the count and the page)."""
    add_customer(firm, values={"name": "Acme", "tags": "VIP"})
    executed: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        if "customer_tag" in statement:
            executed.append((statement, parameters))

    event.listen(firm, "before_cursor_execute", capture)
    try:
        assert [row.name for row in list_customers(firm, criteria=criteria).rows] == ["Acme"]
    finally:
        event.remove(firm, "before_cursor_execute", capture)
    assert len(executed) == 2  # the count and the page
    with firm.connect() as connection:
        for statement, parameters in executed:
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            details = " ".join(str(row[-1]) for row in plan)
            for expected in expected_in_plan:
                assert expected in details, (statement, details)


def test_tag_pages_follow_renames_sort_orders_and_other_filters(firm: Engine) -> None:
    acme = add_customer(firm, values={"name": "Acme", "tags": "VIP"})
    add_customer(firm, values={"name": "Bolt", "tags": "VIP"})
    add_customer(firm, values={"name": "Core", "tags": "VIP", "owner_id": COLLEAGUE})
    add_customer(firm, values={"name": "Dyna", "tags": "other"})
    edit_customer(firm, customer_id=acme, changes={"name": "Zeta"})  # the index copies names

    def names(**options: Any) -> list[str]:
        criteria = CustomerFilter(tag="VIP", owner_id=options.pop("owner_id", None))
        page = list_customers(firm, criteria=criteria, **options)
        return [row.name for row in page.rows]

    assert names() == ["Bolt", "Core", "Zeta"]
    assert names(descending=True) == ["Zeta", "Core", "Bolt"]
    assert names(offset=1, limit=1) == ["Core"]
    assert names(owner_id=COLLEAGUE) == ["Core"]
    assert names(owner_id=ME) == ["Bolt", "Zeta"]
    assert list_customers(firm, criteria=CustomerFilter(tag="VIP", owner_id=ME)).total == 2
    assert sorted(names(sort=CustomerSort.CREATED)) == ["Bolt", "Core", "Zeta"]
