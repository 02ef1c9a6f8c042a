"""The pipeline board's read model: columns per configured stage, totals, staleness, moves."""

import json
from datetime import date

import pytest
from sqlalchemy import Engine, select

from desktop.operations.pipeline_queries import (
    list_pipelines,
    load_board,
    move_opportunity_stage,
    undo_stage_move,
    weighted_forecast_by_month,
)
from desktop.store.bulk import upsert_rows
from desktop.store.changes import create_record, read_record
from desktop.store.schema import outbox

TODAY = date(2026, 11, 23)


def seed_pipeline(replica: Engine) -> dict[str, str]:
    """Reference data arrives from the server (bulk, no outbox); deals are local writes."""
    with replica.begin() as c:
        upsert_rows(
            c,
            entity="pipeline",
            rows=[
                {"id": "p-build", "name": "工程项目", "position": 1, "version": 1},
                {"id": "p-other", "name": "Other", "position": 2, "version": 1},
            ],
        )
        upsert_rows(
            c,
            entity="stage",
            rows=[
                {
                    "id": "s-tender",
                    "pipeline_id": "p-build",
                    "name": "招标",
                    "position": 1,
                    "probability": 0.1,
                    "outcome": "",
                    "version": 1,
                },
                {
                    "id": "s-bid",
                    "pipeline_id": "p-build",
                    "name": "投标",
                    "position": 2,
                    "probability": 0.4,
                    "outcome": "",
                    "version": 1,
                },
                {
                    "id": "s-won",
                    "pipeline_id": "p-build",
                    "name": "中标",
                    "position": 3,
                    "probability": 1.0,
                    "outcome": "won",
                    "version": 1,
                },
                {
                    "id": "s-x",
                    "pipeline_id": "p-other",
                    "name": "Lead",
                    "position": 1,
                    "probability": 0.2,
                    "outcome": "",
                    "version": 1,
                },
            ],
        )
        busy = create_record(c, entity="customer", fields={"name": "华东建设"})
        quiet = create_record(c, entity="customer", fields={"name": "Quiet Ltd"})
        create_record(
            c,
            entity="activity",
            fields={"customer_id": busy, "kind": "visit", "occurred_at": "2026-11-20T09:00:00Z"},
        )
        create_record(
            c,
            entity="activity",
            fields={"customer_id": quiet, "kind": "call", "occurred_at": "2026-09-01T09:00:00Z"},
        )

        def deal(
            name: str,
            customer: str,
            stage: str,
            amount: float,
            currency: str = "CNY",
            **extra: object,
        ) -> str:
            fields = {
                "customer_id": customer,
                "name": name,
                "amount": amount,
                "currency": currency,
                "pipeline_id": "p-build",
                "stage_id": stage,
                "status": "open",
                "created_at": "2026-08-01T00:00:00Z",
                **extra,
            }
            return create_record(c, entity="opportunity", fields=fields)

        return {
            "big": deal("地铁站项目", busy, "s-tender", 1_000_000, expected_close="2026-12-15"),
            "small": deal(
                "Office fit-out",
                quiet,
                "s-tender",
                200_000,
                probability=0.5,
                expected_close="2027-01-10",
            ),
            "usd": deal("Export", busy, "s-bid", 50_000, "USD", expected_close="2026-12-01"),
            "won": deal(
                "Done deal", busy, "s-won", 300_000, status="won", expected_close="2026-11-01"
            ),
        }


def test_pipelines_in_their_configured_order(replica: Engine):
    seed_pipeline(replica)
    with replica.connect() as c:
        assert [p.name for p in list_pipelines(c)] == ["工程项目", "Other"]


def test_board_has_one_column_per_stage_with_cards_and_totals(replica: Engine):
    ids = seed_pipeline(replica)
    with replica.connect() as c:
        board = load_board(c, pipeline_id="p-build", today=TODAY, stale_after_days=30)
    assert [col.name for col in board.columns] == ["招标", "投标", "中标"]
    tender = board.columns[0]
    assert [card.opportunity_id for card in tender.cards] == [ids["big"], ids["small"]]
    # The big deal uses its stage's 10 %; the small one its own 50 %.
    (total,) = tender.totals
    assert (total.currency, total.amount, total.weighted) == ("CNY", 1_200_000, 200_000)
    assert tender.cards[0].customer_name == "华东建设"


def test_totals_never_add_different_currencies(replica: Engine):
    seed_pipeline(replica)
    with replica.connect() as c:
        bid = load_board(c, pipeline_id="p-build", today=TODAY).columns[1]
    assert [(t.currency, t.amount, t.weighted) for t in bid.totals] == [("USD", 50_000, 20_000)]


def test_deals_without_recent_activity_are_stale_but_closed_ones_never(replica: Engine):
    ids = seed_pipeline(replica)
    with replica.connect() as c:
        board = load_board(c, pipeline_id="p-build", today=TODAY, stale_after_days=30)
        lenient = load_board(c, pipeline_id="p-build", today=TODAY, stale_after_days=120)
    stale = {card.opportunity_id for col in board.columns for card in col.cards if card.stale}
    assert stale == {ids["small"]}
    assert not any(card.stale for col in lenient.columns for card in col.cards)


def test_forecast_by_month_counts_open_stages_only(replica: Engine):
    seed_pipeline(replica)
    with replica.connect() as c:
        board = load_board(c, pipeline_id="p-build", today=TODAY)
    forecast = [(f.month, f.currency, f.weighted) for f in weighted_forecast_by_month(board)]
    assert forecast == [
        ("2026-12", "CNY", 100_000),
        ("2026-12", "USD", 20_000),
        ("2027-01", "CNY", 100_000),
    ]


def test_move_follows_the_stage_and_undo_restores_it_with_outbox_entries(replica: Engine):
    ids = seed_pipeline(replica)
    with replica.begin() as c:
        move = move_opportunity_stage(c, opportunity_id=ids["big"], stage_id="s-won")
    assert move is not None
    with replica.connect() as c:
        deal = read_record(c, entity="opportunity", record_id=ids["big"])
    assert (deal["stage_id"], deal["status"], deal["probability"]) == ("s-won", "won", 1.0)
    with replica.begin() as c:
        undo_stage_move(c, move=move)
        restored = read_record(c, entity="opportunity", record_id=ids["big"])
        entries = c.execute(select(outbox).order_by(outbox.c.mutation_id)).all()[-2:]
    assert (restored["stage_id"], restored["status"], restored["probability"]) == (
        "s-tender",
        "open",
        None,
    )
    assert [json.loads(e.changed_fields)["stage_id"] for e in entries] == ["s-won", "s-tender"]


def test_moving_to_the_same_stage_writes_nothing_and_other_pipelines_are_refused(replica):
    ids = seed_pipeline(replica)
    with replica.begin() as c:
        assert move_opportunity_stage(c, opportunity_id=ids["big"], stage_id="s-tender") is None
        with pytest.raises(ValueError, match="another pipeline"):
            move_opportunity_stage(c, opportunity_id=ids["big"], stage_id="s-x")
