"""ABC classification, weighted forecast and churn warnings."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from desktop.domain.analysis import (
    AbcClass,
    churn_warnings,
    classify_abc,
    weighted_forecast,
)
from desktop.domain.models import Opportunity


def test_abc_by_cumulative_revenue_share() -> None:
    revenue = {"a1": 500.0, "a2": 300.0, "b1": 100.0, "b2": 50.0, "c1": 30.0, "c2": 20.0, "z": 0}
    # Cumulative share before each: a1 0 %, a2 50 %, b1 80 %, b2 90 %, c1 95 %, c2 98 %.
    assert classify_abc(revenue) == {
        "a1": AbcClass.A,
        "a2": AbcClass.A,
        "b1": AbcClass.B,
        "b2": AbcClass.B,
        "c1": AbcClass.C,
        "c2": AbcClass.C,
        "z": AbcClass.C,
    }


def test_abc_customer_crossing_the_line_stays_in_the_upper_class() -> None:
    assert classify_abc({"big": 70.0, "mid": 20.0, "small": 10.0}) == {
        "big": AbcClass.A,  # before: 0 %
        "mid": AbcClass.A,  # before: 70 % < 80 %
        "small": AbcClass.B,  # before: 90 % < 95 %
    }


def test_abc_ties_do_not_depend_on_input_order_and_no_revenue_is_c() -> None:
    first = classify_abc({"x": 10.0, "y": 10.0, "w": 80.0})
    second = classify_abc({"w": 80.0, "y": 10.0, "x": 10.0})
    assert first == second
    assert classify_abc({"a": 0.0, "b": 0.0}) == {"a": AbcClass.C, "b": AbcClass.C}
    with pytest.raises(ValueError):
        classify_abc({}, a_share=0.9, b_share=0.2)


BASE = Opportunity(
    id="o",
    customer_id="c",
    name="deal",
    amount=100.0,
    currency="CNY",
    probability=50.0,
    pipeline_id=None,
    stage_id=None,
    stage_name="",
    expected_close="2026-12-15",
    owner_id=None,
    status="open",
    how_to_win=None,
    competitors=None,
    lost_reason=None,
    created_at=None,
    archived=False,
)


def test_weighted_forecast_by_month_and_currency() -> None:
    deals = [
        BASE,
        replace(BASE, id="o2", amount=200.0, probability=25.0, expected_close="2026-12-01"),
        replace(BASE, id="o3", currency="USD", probability=100.0),
        replace(BASE, id="o4", expected_close=None, probability=None),
        replace(BASE, id="won", status="won"),
        replace(BASE, id="gone", archived=True),
    ]
    lines = [(f.month, f.currency, f.count, f.amount, f.weighted) for f in weighted_forecast(deals)]
    assert lines == [
        ("2026-12", "CNY", 2, 300.0, 100.0),
        ("2026-12", "USD", 1, 100.0, 100.0),
        ("", "CNY", 1, 100.0, 0.0),
    ]


def test_churn_warning_after_n_days_without_contact() -> None:
    today = date(2026, 11, 23)
    warnings = churn_warnings(
        {
            "recent": date(2026, 11, 1),  # 22 days
            "edge": date(2026, 10, 24),  # exactly 30 days
            "silent": date(2026, 6, 1),
            "never": None,
        },
        today=today,
        threshold_days=30,
    )
    assert [(w.customer_id, w.days_without_contact) for w in warnings] == [
        ("never", None),
        ("silent", 175),
        ("edge", 30),
    ]
    with pytest.raises(ValueError):
        churn_warnings({}, today=today, threshold_days=0)
