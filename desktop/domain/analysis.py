"""Analyses the CRM method calls for, as pure functions over plain values.

- ABC classification (ABC分类法): rank by revenue; A = the customers that together make the first
  80 % of revenue, B = the next 15 %, C = the rest.
- Weighted pipeline forecast: amount × probability of open opportunities, by month of expected
  close and currency (amounts in different currencies are never added together).
- Churn warning (流失预警): customers with no contact for N days or more.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from desktop.domain.models import Opportunity
from desktop.domain.values import OpportunityStatus


class AbcClass(StrEnum):
    A = "A"
    B = "B"
    C = "C"


def classify_abc(
    revenue_by_customer: Mapping[str, float], *, a_share: float = 0.80, b_share: float = 0.15
) -> dict[str, AbcClass]:
    """Class per customer. A customer belongs to A while the revenue ranked before it is under
    `a_share` of the total, so the customer that crosses 80 % is still an A. Customers without
    revenue are C. Ties are ranked by id so the result never depends on input order."""
    if not 0 < a_share <= 1 or not 0 <= b_share <= 1 - a_share:
        raise ValueError("shares must satisfy 0 < a_share and a_share + b_share <= 1")
    # Customers without revenue are C whatever the others do: only the rest need ranking (in a
    # large firm most customers bought nothing in the period).
    classes = dict.fromkeys(revenue_by_customer, AbcClass.C)
    earning = [
        (customer, revenue) for customer, revenue in revenue_by_customer.items() if revenue > 0
    ]
    total = sum(revenue for _customer, revenue in earning)
    before = 0.0
    for customer_id, revenue in sorted(earning, key=lambda item: (-item[1], item[0])):
        # The tolerance keeps float noise (0.80 + 0.15 = 0.9500000000000001) off the boundary.
        share_before = before / total + 1e-9
        if share_before < a_share:
            classes[customer_id] = AbcClass.A
        elif share_before < a_share + b_share:
            classes[customer_id] = AbcClass.B
        before += revenue
    return classes


@dataclass(frozen=True)
class ForecastLine:
    month: str  # "2026-12"; "" for opportunities without an expected close date
    currency: str
    count: int
    amount: float
    weighted: float


def weighted_forecast(opportunities: Iterable[Opportunity]) -> list[ForecastLine]:
    """Open, non-archived opportunities grouped by close month and currency, earliest first
    (undated last). A missing probability counts as 0: an unqualified deal forecasts nothing."""
    groups: dict[tuple[str, str], list[Opportunity]] = defaultdict(list)
    for opportunity in opportunities:
        if opportunity.archived or opportunity.status != OpportunityStatus.OPEN:
            continue
        month = (opportunity.expected_close or "")[:7]
        groups[(month, opportunity.currency or "")].append(opportunity)
    lines = [
        ForecastLine(
            month=month,
            currency=currency,
            count=len(items),
            amount=sum(item.amount or 0.0 for item in items),
            weighted=sum((item.amount or 0.0) * (item.probability or 0.0) / 100 for item in items),
        )
        for (month, currency), items in groups.items()
    ]
    return sorted(lines, key=lambda line: (line.month == "", line.month, line.currency))


@dataclass(frozen=True)
class ChurnWarning:
    customer_id: str
    last_contact: date | None  # None: never contacted
    days_without_contact: int | None


def churn_warnings(
    last_contact_by_customer: Mapping[str, date | None], *, today: date, threshold_days: int
) -> list[ChurnWarning]:
    """Customers whose last contact is `threshold_days` or more before `today`, the longest
    silence first; customers never contacted come first of all."""
    if threshold_days < 1:
        raise ValueError("threshold_days must be at least 1")
    warnings = [
        ChurnWarning(
            customer_id=customer_id,
            last_contact=last,
            days_without_contact=None if last is None else (today - last).days,
        )
        for customer_id, last in last_contact_by_customer.items()
        if last is None or (today - last).days >= threshold_days
    ]
    return sorted(
        warnings,
        key=lambda w: (w.days_without_contact is not None, -(w.days_without_contact or 0)),
    )
