"""`fieldbook report abc|churn|forecast` over a small replica built through the operations."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop.cli import run
from desktop.operations.activities import log_activity
from desktop.operations.customers import add_customer
from desktop.operations.opportunities import add_opportunity, mark_won
from desktop.store.replica import open_replica
from tests.unit.operations_helpers import load_reference_data


def _report(data_dir: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    code = run(["--data-dir", str(data_dir), "report", *argv, "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


@pytest.fixture
def firm(tmp_path: Path) -> dict[str, str]:
    """Four customers: won revenue 800 / 150 / 50 CNY, and one that never bought or was
    contacted; the big one was visited yesterday, the others long ago."""
    engine = open_replica(tmp_path / "replica.sqlite3")
    load_reference_data(engine)
    ids: dict[str, str] = {}
    for name, revenue in (("大客户", 800), ("Middle Ltd", 150), ("Small Co", 50), ("Silent", 0)):
        ids[name] = add_customer(engine, values={"name": name})
        if revenue:
            deal = add_opportunity(engine, customer_id=ids[name], name="deal", amount=revenue)
            mark_won(engine, opportunity_id=deal)
    now = datetime.now(UTC)
    for name, days_ago in (("大客户", 1), ("Middle Ltd", 200), ("Small Co", 120)):
        when = now - timedelta(days=days_ago)
        log_activity(engine, customer_id=ids[name], kind="call", notes="x", occurred_at=when)
    open_deal = add_opportunity(engine, customer_id=ids["Silent"], name="open", amount=1000)
    ids["open deal"] = open_deal
    engine.dispose()
    return ids


def test_abc_classes_follow_the_revenue_ranking(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], firm: dict[str, str]
) -> None:
    report = _report(tmp_path, capsys, "abc")
    assert isinstance(report, dict)
    classes = report["classes"]
    assert classes[firm["大客户"]] == "A"
    assert classes[firm["Middle Ltd"]] == "B"
    assert classes[firm["Small Co"]] == "C"
    assert classes[firm["Silent"]] == "C"
    assert report["counts"] == {"A": 1, "B": 1, "C": 2}


def test_churn_lists_the_long_silent_first_and_skips_recent_contacts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], firm: dict[str, str]
) -> None:
    warnings = _report(tmp_path, capsys, "churn", "--days", "90")
    assert isinstance(warnings, list)
    assert [w["customer_id"] for w in warnings] == [
        firm["Silent"],  # never contacted comes first
        firm["Middle Ltd"],
        firm["Small Co"],
    ]
    assert warnings[1]["days_without_contact"] >= 199
    fewer = _report(tmp_path, capsys, "churn", "--days", "150")
    assert isinstance(fewer, list) and len(fewer) == 2


def test_forecast_weights_open_deals_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], firm: dict[str, str]
) -> None:
    lines = _report(tmp_path, capsys, "forecast")
    assert isinstance(lines, list)
    assert sum(line["count"] for line in lines) == 1  # the won deals are not forecast
    assert sum(line["amount"] for line in lines) == 1000


def test_a_bad_threshold_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], firm: dict[str, str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run(["--data-dir", str(tmp_path), "report", "churn", "--days", "0"])
    assert exit_info.value.code == 2
    assert "between 1 and 3650" in capsys.readouterr().err
