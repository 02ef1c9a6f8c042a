"""The analyses of `desktop.domain.analysis`, fed from the replica: ABC classes by won revenue,
churn warnings by last contact, and the weighted pipeline forecast.

The SQL only gathers plain figures (one aggregate query each); the rules stay in the domain.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Engine, func, or_, select

from desktop.domain.analysis import (
    AbcClass,
    ChurnWarning,
    ForecastLine,
    churn_warnings,
    classify_abc,
    weighted_forecast,
)
from desktop.domain.values import OpportunityStatus
from desktop.operations.base import reading
from desktop.operations.read_models import opportunity
from desktop.store.schema import entity_tables

CUSTOMER = entity_tables["customer"]
ACTIVITY = entity_tables["activity"]
OPPORTUNITY = entity_tables["opportunity"]
STAGE = entity_tables["stage"]
# A deal without a status is open (as the read model shows it).
IS_OPEN = or_(OPPORTUNITY.c.status.is_(None), OPPORTUNITY.c.status == OpportunityStatus.OPEN.value)


def abc_classes(
    engine: Engine, *, currency: str = "CNY", since: date | None = None
) -> dict[str, AbcClass]:
    """ABC class of every active customer by the revenue of its won opportunities in `currency`
    (amounts in other currencies are not converted, so they do not count), optionally only
    deals expected to close on or after `since`. Customers without won revenue are C."""
    won = (
        select(OPPORTUNITY.c.customer_id, func.sum(OPPORTUNITY.c.amount).label("revenue"))
        .where(
            OPPORTUNITY.c.status == OpportunityStatus.WON.value,
            OPPORTUNITY.c.archived == 0,
            OPPORTUNITY.c.currency == currency,
        )
        .group_by(OPPORTUNITY.c.customer_id)
    )
    if since is not None:
        won = won.where(OPPORTUNITY.c.expected_close >= since.isoformat())
    with reading(engine) as connection:
        revenue = {row.customer_id: float(row.revenue or 0) for row in connection.execute(won)}
        active = connection.execute(select(CUSTOMER.c.id).where(CUSTOMER.c.archived == 0))
        return classify_abc(
            {customer_id: revenue.get(customer_id, 0.0) for (customer_id,) in active}
        )


def churn_candidates(
    engine: Engine, *, today: date, threshold_days: int, owner_id: str | None = None
) -> list[ChurnWarning]:
    """Active customers (of `owner_id`, or all) without any logged contact for
    `threshold_days` or more, the longest silence first."""
    last_contact = (
        select(func.max(ACTIVITY.c.occurred_at))
        .where(ACTIVITY.c.customer_id == CUSTOMER.c.id)
        .scalar_subquery()
    )
    query = select(CUSTOMER.c.id, last_contact.label("last_contact")).where(
        CUSTOMER.c.archived == 0
    )
    if owner_id is not None:
        query = query.where(CUSTOMER.c.owner_id == owner_id)
    with reading(engine) as connection:
        last_by_customer = {row.id: _day_of(row.last_contact) for row in connection.execute(query)}
    return churn_warnings(last_by_customer, today=today, threshold_days=threshold_days)


def _day_of(moment: str | None) -> date | None:
    if not moment:
        return None
    return datetime.fromisoformat(moment.replace("Z", "+00:00")).date()


def pipeline_forecast(engine: Engine, *, owner_id: str | None = None) -> list[ForecastLine]:
    """Weighted forecast of the open opportunities (of `owner_id`, or all) by month and
    currency."""
    query = (
        select(OPPORTUNITY, STAGE.c.name.label("stage_name"))
        .join(STAGE, STAGE.c.id == OPPORTUNITY.c.stage_id, isouter=True)
        .where(OPPORTUNITY.c.archived == 0, IS_OPEN)
    )
    if owner_id is not None:
        query = query.where(OPPORTUNITY.c.owner_id == owner_id)
    with reading(engine) as connection:
        deals = [opportunity(row) for row in connection.execute(query).mappings()]
    return weighted_forecast(deals)
