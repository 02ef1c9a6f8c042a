"""Customers: add, edit, archive, restore, and the paged list behind the customer table.

The list is built for a lazy table model over 100,000 rows: filtering, sorting and paging run in
indexed SQL, a page is fetched with offset/limit, and the total comes from a separate count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Select, func, select

from desktop.domain.models import CustomerDetails, CustomerPage, CustomerSummary
from desktop.domain.records import split_tags
from desktop.operations.base import (
    apply_picklists,
    check_references,
    current_user_id,
    reading,
    validated,
    writing,
)
from desktop.operations.read_models import customer_details
from desktop.store.changes import create_record, read_record, set_archived, update_record, utc_now
from desktop.store.schema import customer_tag, entity_tables

CUSTOMER = entity_tables["customer"]
USER = entity_tables["user"]
ACTIVITY = entity_tables["activity"]
CUSTOMER_TAG = customer_tag

MAX_PAGE = 1_000


def add_customer(engine: Engine, *, values: Mapping[str, object]) -> str:
    """A new customer owned by the signed-in user unless `values` names an owner; its id."""
    cleaned = validated("customer", values)
    with writing(engine) as connection:
        cleaned = apply_picklists(connection, "customer", cleaned)
        cleaned.setdefault("owner_id", current_user_id(connection))
        cleaned.setdefault("created_at", utc_now())
        check_references(connection, "customer", cleaned)
        return create_record(connection, entity="customer", fields=cleaned)


def edit_customer(
    engine: Engine, *, customer_id: str, changes: Mapping[str, object]
) -> dict[str, Any]:
    """Apply `changes`; returns the fields that really changed (empty: nothing was written)."""
    cleaned = validated("customer", changes, partial=True)
    with writing(engine) as connection:
        cleaned = apply_picklists(connection, "customer", cleaned)
        check_references(connection, "customer", cleaned)
        return update_record(connection, entity="customer", record_id=customer_id, changes=cleaned)


def archive_customer(engine: Engine, *, customer_id: str) -> bool:
    """Archive (customers are never deleted); False when it already was archived."""
    with writing(engine) as connection:
        return set_archived(connection, entity="customer", record_id=customer_id, archived=True)


def restore_customer(engine: Engine, *, customer_id: str) -> bool:
    with writing(engine) as connection:
        return set_archived(connection, entity="customer", record_id=customer_id, archived=False)


def get_customer(engine: Engine, *, customer_id: str) -> CustomerDetails:
    with reading(engine) as connection:
        return customer_details(read_record(connection, entity="customer", record_id=customer_id))


class CustomerSort(StrEnum):
    NAME = "name"
    INDUSTRY = "industry"
    TIER = "tier"
    LIFECYCLE = "lifecycle"
    CREATED = "created_at"


@dataclass(frozen=True)
class CustomerFilter:
    """What the list shows. `archived`: False (default) active only, True archived only,
    None both."""

    owner_id: str | None = None
    team_id: str | None = None
    lifecycle: str | None = None
    tier: str | None = None
    industry: str | None = None
    tag: str | None = None
    archived: bool | None = False


def _archived_condition(column: Any, criteria: CustomerFilter) -> list[ColumnElement[bool]]:
    if criteria.archived is None:
        return []
    return [column == (1 if criteria.archived else 0)]


def _field_conditions(criteria: CustomerFilter) -> list[ColumnElement[bool]]:
    return [
        column == wanted
        for column, wanted in (
            (CUSTOMER.c.owner_id, criteria.owner_id),
            (CUSTOMER.c.team_id, criteria.team_id),
            (CUSTOMER.c.lifecycle, criteria.lifecycle),
            (CUSTOMER.c.tier, criteria.tier),
            (CUSTOMER.c.industry, criteria.industry),
        )
        if wanted is not None
    ]


def _wanted_tag(criteria: CustomerFilter) -> str:
    return (criteria.tag or "").strip()


def _conditions(criteria: CustomerFilter) -> list[ColumnElement[bool]]:
    """The filter as conditions on `customer` (any sort order can use these)."""
    conditions = [*_archived_condition(CUSTOMER.c.archived, criteria), *_field_conditions(criteria)]
    tag = _wanted_tag(criteria)
    if tag:
        # Tags are stored "a,b,c"; the local index `customer_tag` holds them one per row. With
        # another filter (say one owner's 400 customers) a key lookup per candidate is cheapest.
        tagged = select(CUSTOMER_TAG.c.customer_id).where(
            CUSTOMER_TAG.c.customer_id == CUSTOMER.c.id, CUSTOMER_TAG.c.tag == tag
        )
        conditions.append(tagged.exists())
    return conditions


def _tag_alone(criteria: CustomerFilter) -> str:
    """The tag when it is the only filter besides `archived`, else "".

    Then `customer_tag`, which copies each customer's archived flag and name, answers the count
    and the pages by name from one range of its covering index, instead of testing every
    customer (a scan of 100,000 customers' tag text took 0.4-0.9 s)."""
    return "" if _field_conditions(criteria) else _wanted_tag(criteria)


def _tag_conditions(criteria: CustomerFilter, tag: str) -> list[ColumnElement[bool]]:
    return [CUSTOMER_TAG.c.tag == tag, *_archived_condition(CUSTOMER_TAG.c.archived, criteria)]


def _count(connection: Connection, criteria: CustomerFilter) -> int:
    tag = _tag_alone(criteria)
    if tag:
        query = (
            select(func.count()).select_from(CUSTOMER_TAG).where(*_tag_conditions(criteria, tag))
        )
    else:
        query = select(func.count()).select_from(CUSTOMER).where(*_conditions(criteria))
    return int(connection.execute(query).scalar_one())


def count_customers(engine: Engine, *, criteria: CustomerFilter = CustomerFilter()) -> int:
    with reading(engine) as connection:
        return _count(connection, criteria)


def _page_query(
    criteria: CustomerFilter, sort: CustomerSort, descending: bool, offset: int, limit: int
) -> Select[Any]:
    sort_column = CUSTOMER.c[sort.value]
    # The id breaks ties in the same direction, so a backward index scan serves descending pages.
    ordering = (
        (sort_column.desc(), CUSTOMER.c.id.desc())
        if descending
        else (sort_column.asc(), CUSTOMER.c.id.asc())
    )
    # Step 1 pages over ids only: SQLite computes every column of the rows an OFFSET skips, so
    # the per-row lookups below must not run for the 50,000 rows before a page deep in the list.
    tag = _tag_alone(criteria)
    if tag and sort is CustomerSort.NAME:
        # The tag index holds the names too: one index range in name order (see _tag_alone).
        tag_ordering = (CUSTOMER_TAG.c.name, CUSTOMER_TAG.c.customer_id)
        ids = (
            select(CUSTOMER_TAG.c.customer_id.label("id"))
            .where(*_tag_conditions(criteria, tag))
            .order_by(*(column.desc() if descending else column.asc() for column in tag_ordering))
        )
    else:
        ids = select(CUSTOMER.c.id).where(*_conditions(criteria)).order_by(*ordering)
    # The id breaks ties, so pages never overlap.
    page = ids.offset(offset).limit(limit).subquery("page")
    # Newest activity per customer: one index lookup on (customer_id, occurred_at) per row.
    last_contact = (
        select(func.max(ACTIVITY.c.occurred_at))
        .where(ACTIVITY.c.customer_id == CUSTOMER.c.id)
        .scalar_subquery()
    )
    owner_name = (
        select(USER.c.display_name).where(USER.c.id == CUSTOMER.c.owner_id).scalar_subquery()
    )
    return (
        select(
            CUSTOMER.c.id,
            CUSTOMER.c.name,
            CUSTOMER.c.industry,
            CUSTOMER.c.phone,
            CUSTOMER.c.owner_id,
            owner_name.label("owner_name"),
            CUSTOMER.c.team_id,
            CUSTOMER.c.lifecycle,
            CUSTOMER.c.tier,
            CUSTOMER.c.tags,
            CUSTOMER.c.archived,
            last_contact.label("last_contact_at"),
        )
        .join_from(page, CUSTOMER, CUSTOMER.c.id == page.c.id)
        .order_by(*ordering)
    )


def list_customers(
    engine: Engine,
    *,
    criteria: CustomerFilter = CustomerFilter(),
    sort: CustomerSort = CustomerSort.NAME,
    descending: bool = False,
    offset: int = 0,
    limit: int = 100,
    known_total: int | None = None,
) -> CustomerPage:
    """One page of the filtered, sorted list, with the total count for the scroll bar.

    A lazy table model counts once per filter and passes that count back as `known_total` for
    the pages that follow, which skips the count query (a scan when the filter has no index)."""
    if offset < 0 or not 0 < limit <= MAX_PAGE:
        raise ValueError(f"offset must be >= 0 and limit between 1 and {MAX_PAGE}")
    with reading(engine) as connection:
        total = _count(connection, criteria) if known_total is None else known_total
        rows = connection.execute(_page_query(criteria, sort, descending, offset, limit))
        summaries = tuple(
            CustomerSummary(
                id=row.id,
                name=row.name or "",
                industry=row.industry or "",
                phone=row.phone or "",
                owner_id=row.owner_id,
                owner_name=row.owner_name or "",
                team_id=row.team_id,
                lifecycle=row.lifecycle or "",
                tier=row.tier or "",
                tags=split_tags(row.tags),
                archived=bool(row.archived),
                last_contact_at=row.last_contact_at,
            )
            for row in rows
        )
    return CustomerPage(rows=summaries, total=total, offset=offset, limit=limit)
