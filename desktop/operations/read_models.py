"""Rows of the replica turned into the domain's frozen read models (one converter per model)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from desktop.domain.models import (
    ActivityEntry,
    Contact,
    CustomerDetails,
    FollowUp,
    Opportunity,
)
from desktop.domain.records import split_tags


def _text(row: Mapping[Any, Any], name: str) -> str:
    return str(row.get(name) or "")


def customer_details(row: Mapping[Any, Any]) -> CustomerDetails:
    return CustomerDetails(
        id=row["id"],
        name=_text(row, "name"),
        kind=row["kind"],
        account_type=row["account_type"],
        industry=row["industry"],
        address=row["address"],
        phone=row["phone"],
        email=row["email"],
        website=row["website"],
        fax=row["fax"],
        source=row["source"],
        owner_id=row["owner_id"],
        team_id=row["team_id"],
        lifecycle=row["lifecycle"],
        tier=row["tier"],
        value_label=row["value_label"],
        tags=split_tags(row["tags"]),
        credit_notes=row["credit_notes"],
        created_at=row["created_at"],
        archived=bool(row["archived"]),
        version=int(row["version"]),
    )


def contact(row: Mapping[Any, Any]) -> Contact:
    return Contact(
        id=row["id"],
        customer_id=row["customer_id"],
        name=_text(row, "name"),
        title=row["title"],
        phone=row["phone"],
        mobile=row["mobile"],
        email=row["email"],
        address=row["address"],
        birthday=row["birthday"],
        buying_role=row["buying_role"],
        notes=row["notes"],
        archived=bool(row["archived"]),
    )


def activity_entry(row: Mapping[Any, Any]) -> ActivityEntry:
    return ActivityEntry(
        id=row["id"],
        customer_id=row["customer_id"],
        kind=_text(row, "kind"),
        occurred_at=_text(row, "occurred_at"),
        duration_min=row["duration_min"],
        place=row["place"],
        subject=row["subject"],
        notes=row["notes"],
        outcome=row["outcome"],
        next_step=row["next_step"],
        done_by=row["done_by"],
        recorded_by=row["recorded_by"],
        amends_id=row["amends_id"],
        amended_by_id=row.get("amended_by_id"),
    )


def followup(row: Mapping[Any, Any]) -> FollowUp:
    return FollowUp(
        id=row["id"],
        customer_id=row["customer_id"],
        customer_name=_text(row, "customer_name"),
        activity_id=row["activity_id"],
        title=_text(row, "title"),
        due_at=_text(row, "due_at"),
        assignee_id=row["assignee_id"],
        priority=row["priority"] or "normal",
        done=bool(row["done"]),
        done_at=row["done_at"],
    )


def opportunity(row: Mapping[Any, Any]) -> Opportunity:
    return Opportunity(
        id=row["id"],
        customer_id=row["customer_id"],
        name=_text(row, "name"),
        amount=row["amount"],
        currency=row["currency"],
        probability=row["probability"],
        pipeline_id=row["pipeline_id"],
        stage_id=row["stage_id"],
        stage_name=_text(row, "stage_name"),
        expected_close=row["expected_close"],
        owner_id=row["owner_id"],
        status=row["status"] or "open",
        how_to_win=row["how_to_win"],
        competitors=row["competitors"],
        lost_reason=row["lost_reason"],
        created_at=row["created_at"],
        archived=bool(row["archived"]),
    )
