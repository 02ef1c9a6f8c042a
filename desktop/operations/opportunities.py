"""Opportunities (销售机会): add, edit, move through the stages, close as won or lost."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from desktop.domain.messages import Problem, ValidationError
from desktop.domain.models import Opportunity
from desktop.domain.values import OpportunityStatus
from desktop.operations.base import (
    check_references,
    current_user_id,
    reading,
    require_active,
    validated,
    writing,
)
from desktop.operations.pipeline_queries import move_opportunity_stage
from desktop.operations.read_models import opportunity
from desktop.store.changes import RecordNotFound, create_record, read_record, update_record, utc_now
from desktop.store.schema import entity_tables

OPPORTUNITY = entity_tables["opportunity"]
STAGE = entity_tables["stage"]
PIPELINE = entity_tables["pipeline"]


def resolve_stage(connection: Connection, *, stage: str, pipeline_id: str | None = None) -> str:
    """A stage id from an id or a stage name (case-insensitive), preferring `pipeline_id`."""
    by_id = connection.execute(select(STAGE.c.id).where(STAGE.c.id == stage)).first()
    if by_id:
        return str(by_id[0])
    query = select(STAGE.c.id, STAGE.c.pipeline_id).where(
        STAGE.c.name.collate("NOCASE") == stage.strip(), STAGE.c.archived == 0
    )
    matches = connection.execute(query).all()
    if pipeline_id is not None:
        in_pipeline = [row for row in matches if row.pipeline_id == pipeline_id]
        matches = in_pipeline or matches
    if not matches:
        raise RecordNotFound("stage", stage)
    if len(matches) > 1:
        raise ValidationError([Problem("stage_id", "ambiguous_stage", {"value": stage})])
    return str(matches[0].id)


def _default_pipeline(connection: Connection) -> str | None:
    row = connection.execute(
        select(PIPELINE.c.id).where(PIPELINE.c.archived == 0).order_by(PIPELINE.c.position)
    ).first()
    return None if row is None else str(row[0])


def _first_stage(connection: Connection, pipeline_id: str) -> dict[str, Any] | None:
    row = (
        connection.execute(
            select(STAGE)
            .where(
                STAGE.c.pipeline_id == pipeline_id,
                STAGE.c.archived == 0,
                func.coalesce(STAGE.c.outcome, "") == "",  # an open stage, not won or lost
            )
            .order_by(STAGE.c.position)
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


def add_opportunity(
    engine: Engine,
    *,
    customer_id: str,
    name: str,
    amount: float | str | None = None,
    currency: str = "CNY",
    stage: str | None = None,
    values: Mapping[str, object] | None = None,
) -> str:
    """A new open opportunity; its id. Without `stage` it starts in the first open stage of
    the default pipeline (when the replica has pipelines), taking that stage's probability."""
    base = {
        **(values or {}),
        "customer_id": customer_id,
        "name": name,
        "amount": amount,
        "currency": currency,
        "status": OpportunityStatus.OPEN.value,
    }
    cleaned = validated("opportunity", base)
    with writing(engine) as connection:
        require_active(connection, entity="customer", record_id=customer_id)
        stage_row: dict[str, Any] | None = None
        if stage is not None:
            stage_id = resolve_stage(
                connection, stage=stage, pipeline_id=cleaned.get("pipeline_id")
            )
            stage_row = read_record(connection, entity="stage", record_id=stage_id)
        else:
            pipeline_id = cleaned.get("pipeline_id") or _default_pipeline(connection)
            stage_row = _first_stage(connection, pipeline_id) if pipeline_id else None
        if stage_row is not None:
            cleaned["stage_id"] = stage_row["id"]
            cleaned["pipeline_id"] = stage_row["pipeline_id"]
            if cleaned.get("probability") is None and stage_row["probability"] is not None:
                cleaned["probability"] = float(stage_row["probability"])
            if stage_row["outcome"]:
                cleaned["status"] = stage_row["outcome"]
        cleaned.setdefault("owner_id", current_user_id(connection))
        cleaned["created_at"] = utc_now()
        check_references(connection, "opportunity", cleaned)
        return create_record(connection, entity="opportunity", fields=cleaned)


def edit_opportunity(
    engine: Engine, *, opportunity_id: str, changes: Mapping[str, object]
) -> dict[str, Any]:
    cleaned = validated("opportunity", changes, partial=True)
    with writing(engine) as connection:
        check_references(connection, "opportunity", cleaned)
        return update_record(
            connection, entity="opportunity", record_id=opportunity_id, changes=cleaned
        )


def move_opportunity(engine: Engine, *, opportunity_id: str, stage: str) -> bool:
    """Put the deal in `stage` (id or name); probability and status follow the stage.
    False when it already was there."""
    with writing(engine) as connection:
        deal = read_record(connection, entity="opportunity", record_id=opportunity_id)
        stage_id = resolve_stage(connection, stage=stage, pipeline_id=deal["pipeline_id"])
        try:
            move = move_opportunity_stage(
                connection, opportunity_id=opportunity_id, stage_id=stage_id
            )
        except ValueError as error:  # a stage of another pipeline
            raise ValidationError(
                [Problem("stage_id", "wrong_pipeline", {"value": stage})]
            ) from error
        if move is not None and not deal["pipeline_id"]:
            target = read_record(connection, entity="stage", record_id=stage_id)
            update_record(
                connection,
                entity="opportunity",
                record_id=opportunity_id,
                changes={"pipeline_id": target["pipeline_id"]},
            )
        return move is not None


def _close(connection: Connection, *, opportunity_id: str, outcome: OpportunityStatus) -> bool:
    deal = read_record(connection, entity="opportunity", record_id=opportunity_id)
    changes: dict[str, Any] = {
        "status": outcome.value,
        "probability": 100.0 if outcome is OpportunityStatus.WON else 0.0,
    }
    if deal["pipeline_id"]:
        # Closing puts the deal in its pipeline's won/lost column, so the board agrees.
        row = connection.execute(
            select(STAGE.c.id).where(
                STAGE.c.pipeline_id == deal["pipeline_id"],
                STAGE.c.outcome == outcome.value,
                STAGE.c.archived == 0,
            )
        ).first()
        if row is not None:
            changes["stage_id"] = row[0]
    return bool(
        update_record(connection, entity="opportunity", record_id=opportunity_id, changes=changes)
    )


def mark_won(engine: Engine, *, opportunity_id: str) -> bool:
    with writing(engine) as connection:
        return _close(connection, opportunity_id=opportunity_id, outcome=OpportunityStatus.WON)


def mark_lost(engine: Engine, *, opportunity_id: str, reason: str | None = None) -> bool:
    """Close as lost; the reason (why we lost) feeds the win/loss analysis."""
    with writing(engine) as connection:
        closed = _close(connection, opportunity_id=opportunity_id, outcome=OpportunityStatus.LOST)
        if reason and reason.strip():
            cleaned = validated("opportunity", {"lost_reason": reason}, partial=True)
            closed |= bool(
                update_record(
                    connection, entity="opportunity", record_id=opportunity_id, changes=cleaned
                )
            )
        return closed


def customer_opportunities(connection: Connection, *, customer_id: str) -> tuple[Opportunity, ...]:
    """A customer's opportunities that are not archived: open ones first, then by close date."""
    query = (
        select(OPPORTUNITY, STAGE.c.name.label("stage_name"))
        .join(STAGE, STAGE.c.id == OPPORTUNITY.c.stage_id, isouter=True)
        .where(OPPORTUNITY.c.customer_id == customer_id, OPPORTUNITY.c.archived == 0)
        .order_by(
            (OPPORTUNITY.c.status != OpportunityStatus.OPEN.value),
            OPPORTUNITY.c.expected_close,
            OPPORTUNITY.c.id,
        )
    )
    return tuple(opportunity(row) for row in connection.execute(query).mappings())


def get_opportunity(engine: Engine, *, opportunity_id: str) -> Opportunity:
    with reading(engine) as connection:
        query = (
            select(OPPORTUNITY, STAGE.c.name.label("stage_name"))
            .join(STAGE, STAGE.c.id == OPPORTUNITY.c.stage_id, isouter=True)
            .where(OPPORTUNITY.c.id == opportunity_id)
        )
        row = connection.execute(query).mappings().first()
        if row is None:
            raise RecordNotFound("opportunity", opportunity_id)
        return opportunity(row)
