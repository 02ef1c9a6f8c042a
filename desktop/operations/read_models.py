"""Rows of the replica turned into the domain's frozen read models (one converter per model).

Every read-model field has a column of the same name, so each converter copies the columns and
spells out only the fields that need more than a copy (a NULL shown as "", a flag, a default).
A missing column raises KeyError at once rather than leaving a field silently empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

from desktop.domain.models import (
    ActivityEntry,
    Contact,
    CustomerDetails,
    FollowUp,
    Opportunity,
)
from desktop.domain.records import split_tags

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    Model = TypeVar("Model", bound=DataclassInstance)
else:
    Model = TypeVar("Model")


def read_model(model: type[Model], row: Mapping[Any, Any], **converted: Any) -> Model:
    """`model` with each field copied from the row's column of that name, except `converted`."""
    copied = {field.name: row[field.name] for field in fields(model) if field.name not in converted}
    return model(**copied, **converted)


def _text(row: Mapping[Any, Any], name: str) -> str:
    return str(row.get(name) or "")


def customer_details(row: Mapping[Any, Any]) -> CustomerDetails:
    return read_model(
        CustomerDetails,
        row,
        name=_text(row, "name"),
        tags=split_tags(row["tags"]),
        archived=bool(row["archived"]),
        version=int(row["version"]),
    )


def contact(row: Mapping[Any, Any]) -> Contact:
    return read_model(Contact, row, name=_text(row, "name"), archived=bool(row["archived"]))


def activity_entry(row: Mapping[Any, Any]) -> ActivityEntry:
    return read_model(
        ActivityEntry,
        row,
        kind=_text(row, "kind"),
        occurred_at=_text(row, "occurred_at"),
        # Computed by the timeline query (the newest correction), not an activity column: a row
        # read straight from the table has none.
        amended_by_id=row.get("amended_by_id"),
    )


def followup(row: Mapping[Any, Any]) -> FollowUp:
    return read_model(
        FollowUp,
        row,
        customer_name=_text(row, "customer_name"),
        title=_text(row, "title"),
        due_at=_text(row, "due_at"),
        priority=row["priority"] or "normal",
        done=bool(row["done"]),
    )


def opportunity(row: Mapping[Any, Any]) -> Opportunity:
    return read_model(
        Opportunity,
        row,
        name=_text(row, "name"),
        stage_name=_text(row, "stage_name"),
        status=row["status"] or "open",
        archived=bool(row["archived"]),
    )
