"""The domain's analyses fed from the replica: ABC classes, churn candidates, forecast."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from desktop.domain.analysis import AbcClass
from desktop.operations.activities import log_activity
from desktop.operations.analyses import abc_classes, churn_candidates, pipeline_forecast
from desktop.operations.customers import add_customer, archive_customer
from desktop.operations.opportunities import add_opportunity, mark_lost, mark_won
from tests.unit.operations_helpers import COLLEAGUE, load_reference_data, sign_in


@pytest.fixture
def firm(replica: Engine) -> Engine:
    load_reference_data(replica)
    sign_in(replica)
    return replica


def _won(engine: Engine, customer_id: str, amount: float, currency: str = "CNY") -> None:
    deal = add_opportunity(
        engine,
        customer_id=customer_id,
        name="deal",
        amount=amount,
        currency=currency,
        values={"expected_close": "2026-06-30"},
    )
    mark_won(engine, opportunity_id=deal)


def test_abc_classes_from_won_revenue(firm: Engine) -> None:
    big, mid, small, none, gone = (
        add_customer(firm, values={"name": name})
        for name in ("big", "mid", "small", "none", "gone")
    )
    _won(firm, big, 700)
    _won(firm, mid, 200)
    _won(firm, small, 100)
    _won(firm, none, 5_000, currency="USD")  # not converted: does not count in CNY
    lost = add_opportunity(firm, customer_id=none, name="lost", amount=9_000)
    mark_lost(firm, opportunity_id=lost)
    archive_customer(firm, customer_id=gone)
    assert abc_classes(firm) == {
        big: AbcClass.A,
        mid: AbcClass.A,  # 70 % before it
        small: AbcClass.B,  # 90 % before it
        none: AbcClass.C,
    }
    assert abc_classes(firm, since=date(2026, 7, 1)) == dict.fromkeys(
        (big, mid, small, none), AbcClass.C
    )


def test_churn_candidates_by_last_contact(firm: Engine) -> None:
    quiet = add_customer(firm, values={"name": "quiet"})
    busy = add_customer(firm, values={"name": "busy"})
    never = add_customer(firm, values={"name": "never", "owner_id": COLLEAGUE})
    log_activity(firm, customer_id=quiet, kind="call", occurred_at="2026-08-01T02:00:00Z")
    log_activity(firm, customer_id=busy, kind="call", occurred_at="2026-08-01T02:00:00Z")
    log_activity(firm, customer_id=busy, kind="visit", occurred_at="2026-11-20T02:00:00Z")
    warnings = churn_candidates(firm, today=date(2026, 11, 23), threshold_days=30)
    assert [(w.customer_id, w.days_without_contact) for w in warnings] == [
        (never, None),
        (quiet, 114),
    ]
    theirs = churn_candidates(firm, today=date(2026, 11, 23), threshold_days=30, owner_id=COLLEAGUE)
    assert [w.customer_id for w in theirs] == [never]


def test_pipeline_forecast_of_open_deals(firm: Engine) -> None:
    customer_id = add_customer(firm, values={"name": "Acme"})
    for amount, close in ((1000, "2026-12-05"), (3000, "2026-12-20"), (500, "2027-01-10")):
        add_opportunity(
            firm,
            customer_id=customer_id,
            name="d",
            amount=amount,
            values={"expected_close": close},
        )
    _won(firm, customer_id, 10_000)
    lines = [(f.month, f.currency, f.count, f.amount, f.weighted) for f in pipeline_forecast(firm)]
    # New deals start in the Lead stage at 10 %.
    assert lines == [("2026-12", "CNY", 2, 4000.0, 400.0), ("2027-01", "CNY", 1, 500.0, 50.0)]
    assert pipeline_forecast(firm, owner_id=COLLEAGUE) == []
