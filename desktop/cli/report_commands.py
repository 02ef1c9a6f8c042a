"""Report commands for team heads and management: `fieldbook report abc|churn|forecast`.

They read the local copy, so they cover what this user may see (a whole team for a team head,
the firm for an executive) and work offline. The rules live in `desktop.domain.analysis`; this
module only prints them, as text or (`--json`) one JSON document.
"""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import asdict
from datetime import date

from sqlalchemy import Engine

from desktop.cli.records import Subparsers, _command, _count_option, _json_flag, _print_json
from desktop.domain.analysis import AbcClass
from desktop.operations.analyses import abc_classes, churn_candidates, pipeline_forecast
from desktop.operations.inherited import customer_names
from desktop.operations.reference import resolve_user


def _owner(engine: Engine, args: argparse.Namespace) -> str | None:
    return resolve_user(engine, text=args.owner) if args.owner else None


def _abc(engine: Engine, args: argparse.Namespace) -> int:
    classes = abc_classes(engine, currency=args.currency)
    counts = Counter(classes.values())
    if args.json:
        _print_json(
            {
                "currency": args.currency,
                "counts": {grade.value: counts.get(grade, 0) for grade in AbcClass},
                "classes": {customer_id: grade.value for customer_id, grade in classes.items()},
            }
        )
        return 0
    print(f"ABC classes by won revenue in {args.currency} ({len(classes)} active customers):")
    for grade in AbcClass:
        print(f"  {grade.value}: {counts.get(grade, 0)}")
    top = [customer_id for customer_id, grade in classes.items() if grade is AbcClass.A]
    names = customer_names(engine, customer_ids=top)
    for customer_id in top[: args.limit]:
        print(f"  A  {customer_id}  {names.get(customer_id, '')}")
    return 0


def _churn(engine: Engine, args: argparse.Namespace) -> int:
    warnings = churn_candidates(
        engine, today=date.today(), threshold_days=args.days, owner_id=_owner(engine, args)
    )
    if args.json:
        _print_json(
            [
                {
                    "customer_id": warning.customer_id,
                    "last_contact": warning.last_contact and warning.last_contact.isoformat(),
                    "days_without_contact": warning.days_without_contact,
                }
                for warning in warnings
            ]
        )
        return 0
    shown = warnings[: args.limit]
    names = customer_names(engine, customer_ids=[warning.customer_id for warning in shown])
    for warning in shown:
        silence = (
            "never contacted"
            if warning.days_without_contact is None
            else f"{warning.days_without_contact} days since {warning.last_contact}"
        )
        print(f"{warning.customer_id}  {names.get(warning.customer_id, '')}  {silence}")
    print(f"{len(warnings)} customer(s) without contact for {args.days} days or more.")
    return 0


def _forecast(engine: Engine, args: argparse.Namespace) -> int:
    lines = pipeline_forecast(engine, owner_id=_owner(engine, args))
    if args.json:
        _print_json([asdict(line) for line in lines])
        return 0
    print(f"{'month':<8} {'currency':<8} {'deals':>6} {'amount':>16} {'weighted':>16}")
    for line in lines:
        month = line.month or "undated"
        print(
            f"{month:<8} {line.currency:<8} {line.count:>6} "
            f"{line.amount:>16,.2f} {line.weighted:>16,.2f}"
        )
    return 0


def register(subparsers: Subparsers) -> None:
    report = subparsers.add_parser("report", help="ABC classes, churn warnings, forecast")
    kinds = report.add_subparsers(dest="report", required=True)
    limit = _count_option(1, 100_000)

    abc = _command(kinds, "abc", _abc, "ABC classes by won revenue", shows_data=True)
    abc.add_argument("--currency", default="CNY", help="revenue in this currency (default CNY)")
    abc.add_argument("--limit", type=limit, default=20, help="A customers to list")
    _json_flag(abc)

    churn = _command(kinds, "churn", _churn, "customers not contacted lately", shows_data=True)
    churn.add_argument("--days", type=_count_option(1, 3650), default=90)
    churn.add_argument("--owner", help="only this owner's customers: login, id, or me")
    churn.add_argument("--limit", type=limit, default=50, help="customers to list")
    _json_flag(churn)

    forecast = _command(
        kinds, "forecast", _forecast, "weighted pipeline by close month", shows_data=True
    )
    forecast.add_argument("--owner", help="only this owner's deals: login, id, or me")
    _json_flag(forecast)
