"""The pipeline board's read model and its one write, moving a deal to another stage.

Pipelines and their stages are reference data each firm configures (a construction firm's
tender -> bid -> award ..., a broker's lead -> proposal -> signed), so nothing here names a stage.
Probabilities are fractions (0.25 = 25 %); a deal without its own probability uses its stage's.
Amounts are only summed within one currency: adding yuan to dollars would be a wrong forecast.
Qt-free; callers run these on the database thread.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from desktop.store.changes import read_record, update_record
from desktop.store.schema import entity_tables

DEFAULT_STALE_DAYS = 30
OPEN_STATUS = "open"


@dataclass(frozen=True)
class PipelineInfo:
    pipeline_id: str
    name: str


@dataclass(frozen=True)
class DealCard:
    opportunity_id: str
    name: str
    customer_id: str
    customer_name: str
    amount: float
    currency: str
    probability: float  # fraction, the deal's own or else its stage's
    expected_close: str  # ISO date or ""
    last_activity_at: str  # ISO UTC of the customer's latest activity, or ""
    stale: bool  # no activity with the customer for the board's stale period

    @property
    def weighted_amount(self) -> float:
        return self.amount * self.probability


@dataclass(frozen=True)
class MoneyTotal:
    currency: str
    amount: float
    weighted: float


@dataclass(frozen=True)
class StageColumn:
    stage_id: str
    name: str
    probability: float
    outcome: str  # "" open, "won", "lost"
    cards: tuple[DealCard, ...]

    @property
    def totals(self) -> tuple[MoneyTotal, ...]:
        return totals_by_currency(self.cards)


@dataclass(frozen=True)
class Board:
    pipeline_id: str
    columns: tuple[StageColumn, ...]
    stale_after_days: int


@dataclass(frozen=True)
class MonthForecast:
    month: str  # "2026-11"; "" for deals without an expected close date
    currency: str
    weighted: float


@dataclass(frozen=True)
class StageMove:
    """What a move changed, so the board can undo exactly that (Ctrl+Z)."""

    opportunity_id: str
    before: Mapping[str, Any]
    after: Mapping[str, Any]


def totals_by_currency(cards: Iterable[DealCard]) -> tuple[MoneyTotal, ...]:
    amounts: dict[str, float] = defaultdict(float)
    weighted: dict[str, float] = defaultdict(float)
    for card in cards:
        amounts[card.currency] += card.amount
        weighted[card.currency] += card.weighted_amount
    return tuple(MoneyTotal(c, amounts[c], weighted[c]) for c in sorted(amounts))


def list_pipelines(connection: Connection) -> list[PipelineInfo]:
    pipeline = entity_tables["pipeline"]
    rows = connection.execute(
        select(pipeline.c.id, pipeline.c.name)
        .where(pipeline.c.archived == 0)
        .order_by(pipeline.c.position, pipeline.c.name)
    )
    return [PipelineInfo(row.id, row.name or "") for row in rows]


def load_board(
    connection: Connection,
    *,
    pipeline_id: str,
    today: date,
    stale_after_days: int = DEFAULT_STALE_DAYS,
    owner_id: str | None = None,
) -> Board:
    """Every stage of the pipeline as a column with its non-archived deals, largest first."""
    stage = entity_tables["stage"]
    stages = connection.execute(
        select(stage.c.id, stage.c.name, stage.c.probability, stage.c.outcome)
        .where(stage.c.pipeline_id == pipeline_id, stage.c.archived == 0)
        .order_by(stage.c.position, stage.c.name)
    ).all()
    stage_probability = {row.id: float(row.probability or 0.0) for row in stages}
    stale_before = (today - timedelta(days=stale_after_days)).isoformat()
    cards_by_stage: dict[str, list[DealCard]] = defaultdict(list)
    for row in connection.execute(_deal_query(pipeline_id=pipeline_id, owner_id=owner_id)):
        last_touch = row.last_activity_at or row.created_at or ""
        cards_by_stage[row.stage_id].append(
            DealCard(
                opportunity_id=row.id,
                name=row.name or "",
                customer_id=row.customer_id,
                customer_name=row.customer_name or "",
                amount=float(row.amount or 0.0),
                currency=row.currency or "",
                probability=float(
                    row.probability
                    if row.probability is not None
                    else stage_probability.get(row.stage_id, 0.0)
                ),
                expected_close=row.expected_close or "",
                last_activity_at=row.last_activity_at or "",
                # Text comparison of ISO dates; a deal never touched is stale from creation.
                stale=(row.status or OPEN_STATUS) == OPEN_STATUS and last_touch[:10] < stale_before,
            )
        )
    columns = tuple(
        StageColumn(
            stage_id=row.id,
            name=row.name or "",
            probability=stage_probability[row.id],
            outcome=row.outcome or "",
            cards=tuple(sorted(cards_by_stage.get(row.id, ()), key=lambda c: (-c.amount, c.name))),
        )
        for row in stages
    )
    return Board(pipeline_id=pipeline_id, columns=columns, stale_after_days=stale_after_days)


def _deal_query(*, pipeline_id: str, owner_id: str | None) -> Any:
    opportunity = entity_tables["opportunity"]
    customer = entity_tables["customer"]
    activity = entity_tables["activity"]
    # Per deal, the newest activity of its customer: a correlated MAX that SQLite answers from
    # the (customer_id, occurred_at) index with one seek, so the cost follows the number of deals
    # on the board, not the number of activities in the replica (a grouped subquery over all
    # activities took 0.6 s on a 200,000-activity replica).
    last_activity_at = (
        select(func.max(activity.c.occurred_at))
        .where(activity.c.customer_id == opportunity.c.customer_id)
        .scalar_subquery()
        .label("last_activity_at")
    )
    query = (
        select(
            opportunity.c.id,
            opportunity.c.name,
            opportunity.c.customer_id,
            customer.c.name.label("customer_name"),
            opportunity.c.amount,
            opportunity.c.currency,
            opportunity.c.probability,
            opportunity.c.stage_id,
            opportunity.c.expected_close,
            opportunity.c.status,
            opportunity.c.created_at,
            last_activity_at,
        )
        .join(customer, customer.c.id == opportunity.c.customer_id, isouter=True)
        .where(opportunity.c.pipeline_id == pipeline_id, opportunity.c.archived == 0)
    )
    if owner_id is not None:
        query = query.where(opportunity.c.owner_id == owner_id)
    return query


def weighted_forecast_by_month(board: Board) -> list[MonthForecast]:
    """Open deals' amount x probability, summed per expected-close month and currency.
    Built from the board already loaded, so the chart always agrees with the columns."""
    sums: dict[tuple[str, str], float] = defaultdict(float)
    for column in board.columns:
        if column.outcome:  # won and lost deals are no longer a forecast
            continue
        for card in column.cards:
            sums[(card.expected_close[:7], card.currency)] += card.weighted_amount
    return [
        MonthForecast(month, currency, sums[(month, currency)])
        for month, currency in sorted(
            sums,
            key=lambda key: (key[0] == "", key),  # undated deals last
        )
    ]


def move_opportunity_stage(
    connection: Connection, *, opportunity_id: str, stage_id: str
) -> StageMove | None:
    """Put a deal in another stage of its pipeline: stage, probability and status follow the
    stage (a "won" column closes the deal). Returns None when it already was there."""
    deal = read_record(connection, entity="opportunity", record_id=opportunity_id)
    target = read_record(connection, entity="stage", record_id=stage_id)
    if deal["stage_id"] == stage_id:
        return None
    if deal["pipeline_id"] and target["pipeline_id"] != deal["pipeline_id"]:
        raise ValueError(
            f"Stage {target['name']!r} belongs to another pipeline than {deal['name']!r}."
        )
    changes: dict[str, Any] = {
        "stage_id": stage_id,
        "status": target["outcome"] or OPEN_STATUS,
    }
    if target["probability"] is not None:
        changes["probability"] = float(target["probability"])
    before = {name: deal[name] for name in changes}
    update_record(connection, entity="opportunity", record_id=opportunity_id, changes=changes)
    return StageMove(opportunity_id=opportunity_id, before=before, after=changes)


def undo_stage_move(connection: Connection, *, move: StageMove) -> None:
    """Put back what `move` changed; as a new change with its own outbox entry, so the server
    sees the deal go back rather than a history rewritten."""
    update_record(
        connection, entity="opportunity", record_id=move.opportunity_id, changes=move.before
    )
