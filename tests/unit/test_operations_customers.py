"""Customer operations: validated writes with their outbox entries, and the paged list."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, select

from desktop.domain.messages import ValidationError
from desktop.operations.activities import log_activity
from desktop.operations.customers import (
    CustomerFilter,
    CustomerSort,
    add_customer,
    archive_customer,
    count_customers,
    edit_customer,
    get_customer,
    list_customers,
    restore_customer,
)
from desktop.store.changes import RecordNotFound
from desktop.store.schema import outbox
from tests.unit.operations_helpers import COLLEAGUE, ME, TEAM, counts, load_reference_data, sign_in


@pytest.fixture
def firm(replica: Engine) -> Engine:
    load_reference_data(replica)
    sign_in(replica)
    return replica


def _outbox(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(select(outbox)).mappings()]


def test_add_customer_stores_clean_values_owned_by_the_signed_in_user(firm: Engine) -> None:
    customer_id = add_customer(
        firm, values={"name": " 中国建筑 ", "phone": "010-6552 9988", "industry": "construction"}
    )
    customer = get_customer(firm, customer_id=customer_id)
    assert (customer.name, customer.phone, customer.owner_id) == ("中国建筑", "+861065529988", ME)
    assert customer.created_at and customer.created_at.endswith("Z")
    (entry,) = _outbox(firm)
    assert entry["op"] == "create" and entry["entity_id"] == customer_id
    assert json.loads(str(entry["changed_fields"]))["phone"] == "+861065529988"


def test_refused_customer_changes_nothing(firm: Engine) -> None:
    before = counts(firm)
    with pytest.raises(ValidationError) as caught:
        add_customer(firm, values={"name": "", "phone": "12345", "email": "x@"})
    assert {p.field for p in caught.value.problems} == {"name", "phone", "email"}
    with pytest.raises(ValidationError, match="Owner: there is no user"):
        add_customer(firm, values={"name": "Acme", "owner_id": "u-nobody"})
    with pytest.raises(ValidationError, match="no field called"):
        add_customer(firm, values={"name": "Acme", "colour": "red"})
    assert counts(firm) == before


def test_owner_ids_are_accepted_before_reference_data_has_arrived(replica: Engine) -> None:
    customer_id = add_customer(replica, values={"name": "Offline Co", "owner_id": "u-later"})
    assert get_customer(replica, customer_id=customer_id).owner_id == "u-later"


def test_edit_writes_only_real_changes(firm: Engine) -> None:
    customer_id = add_customer(firm, values={"name": "Acme", "industry": "retail"})
    changed = edit_customer(
        firm, customer_id=customer_id, changes={"name": "Acme", "industry": "logistics"}
    )
    assert changed == {"industry": "logistics"}
    assert edit_customer(firm, customer_id=customer_id, changes={"industry": "logistics"}) == {}
    assert len(_outbox(firm)) == 2
    with pytest.raises(ValidationError, match="Name is required"):
        edit_customer(firm, customer_id=customer_id, changes={"name": "  "})
    with pytest.raises(RecordNotFound, match="No customer with id nope"):
        edit_customer(firm, customer_id="nope", changes={"industry": "x"})


def test_archive_and_restore(firm: Engine) -> None:
    customer_id = add_customer(firm, values={"name": "Acme"})
    assert archive_customer(firm, customer_id=customer_id) is True
    assert archive_customer(firm, customer_id=customer_id) is False
    assert count_customers(firm) == 0
    assert count_customers(firm, criteria=CustomerFilter(archived=True)) == 1
    assert restore_customer(firm, customer_id=customer_id) is True
    assert count_customers(firm) == 1
    assert [e["op"] for e in _outbox(firm)] == ["create", "archive", "unarchive"]


def _make_list(engine: Engine) -> dict[str, str]:
    ids = {}
    for name, values in {
        "Beta": {"tier": "gold", "industry": "banking", "tags": "VIP,north"},
        "Alpha": {"tier": "silver", "industry": "banking", "tags": "VIP2"},
        "Gamma": {"tier": "gold", "industry": "retail", "owner_id": COLLEAGUE},
        "Delta": {"tier": "gold", "industry": "retail", "lifecycle": "lost", "team_id": TEAM},
    }.items():
        ids[name] = add_customer(engine, values={"name": name, **values})
    return ids


def test_list_filters(firm: Engine) -> None:
    ids = _make_list(firm)

    def names(**criteria: object) -> list[str]:
        page = list_customers(firm, criteria=CustomerFilter(**criteria))  # type: ignore[arg-type]
        return [row.name for row in page.rows]

    assert names() == ["Alpha", "Beta", "Delta", "Gamma"]
    assert names(tier="gold") == ["Beta", "Delta", "Gamma"]
    assert names(industry="banking") == ["Alpha", "Beta"]
    assert names(owner_id=COLLEAGUE) == ["Gamma"]
    assert names(team_id=TEAM) == ["Delta"]
    assert names(lifecycle="lost") == ["Delta"]
    assert names(tag="VIP") == ["Beta"]  # whole tags only: not "VIP2"
    assert names(tag="north") == ["Beta"]
    archive_customer(firm, customer_id=ids["Beta"])
    assert names(tier="gold") == ["Delta", "Gamma"]
    assert names(tier="gold", archived=None) == ["Beta", "Delta", "Gamma"]


def test_list_rows_carry_owner_name_and_last_contact(firm: Engine) -> None:
    ids = _make_list(firm)
    log_activity(firm, customer_id=ids["Gamma"], kind="call", occurred_at="2026-11-01T08:00:00Z")
    log_activity(firm, customer_id=ids["Gamma"], kind="visit", occurred_at="2026-11-20T08:00:00Z")
    page = list_customers(firm, criteria=CustomerFilter(owner_id=COLLEAGUE))
    (row,) = page.rows
    assert (row.owner_name, row.last_contact_at) == ("张敏", "2026-11-20T08:00:00Z")
    assert page.ids == (ids["Gamma"],)


def test_pages_are_sorted_do_not_overlap_and_carry_the_total(firm: Engine) -> None:
    for index in range(25):
        add_customer(firm, values={"name": f"Customer {index % 5}", "tier": "gold"})
    seen: list[str] = []
    for offset in range(0, 25, 10):
        page = list_customers(firm, offset=offset, limit=10, descending=True)
        assert page.total == 25
        seen.extend(page.ids)
    assert len(seen) == len(set(seen)) == 25
    first = list_customers(firm, limit=25, descending=True)
    assert [r.name for r in first.rows] == sorted((r.name for r in first.rows), reverse=True)
    second = list_customers(firm, offset=10, limit=10, descending=True, known_total=25)
    assert second.total == 25 and second.ids == tuple(seen[10:20])
    by_tier = list_customers(firm, sort=CustomerSort.TIER, limit=3)
    assert {r.tier for r in by_tier.rows} == {"gold"}
    with pytest.raises(ValueError, match="limit"):
        list_customers(firm, limit=0)


def test_picklist_fields_take_the_firms_values_or_their_labels(firm: Engine) -> None:
    customer_id = add_customer(firm, values={"name": "Acme", "tier": "金牌"})
    assert get_customer(firm, customer_id=customer_id).tier == "gold"
    assert edit_customer(firm, customer_id=customer_id, changes={"tier": "Silver"}) == {
        "tier": "silver"
    }
    before = counts(firm)
    with pytest.raises(ValidationError, match="“platinum” is not one of the firm's values"):
        add_customer(firm, values={"name": "Beta", "tier": "platinum"})
    assert counts(firm) == before
    # No industry picklist has been synced yet: any text is kept.
    assert edit_customer(firm, customer_id=customer_id, changes={"industry": "aerospace"})
