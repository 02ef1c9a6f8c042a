"""Shared set-up for the operations tests: reference data as the server would send it, a
signed-in user, and row/outbox counts for "nothing changed" checks."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from desktop.store.bulk import upsert_rows
from desktop.store.schema import entity_tables, outbox, sync_state

ME = "u-me"
COLLEAGUE = "u-colleague"
TEAM = "t-east"
PIPELINE = "p-sales"
OTHER_PIPELINE = "p-projects"


def load_reference_data(engine: Engine) -> None:
    with engine.begin() as connection:
        upsert_rows(connection, entity="team", rows=[{"id": TEAM, "name": "East", "version": 1}])
        upsert_rows(
            connection,
            entity="user",
            rows=[
                {
                    "id": ME,
                    "login": "liwei",
                    "display_name": "李伟",
                    "role": "account_manager",
                    "team_id": TEAM,
                    "active": True,
                    "version": 1,
                },
                {
                    "id": COLLEAGUE,
                    "login": "zhang",
                    "display_name": "张敏",
                    "role": "account_manager",
                    "team_id": TEAM,
                    "active": True,
                    "version": 1,
                },
            ],
        )
        upsert_rows(
            connection,
            entity="pipeline",
            rows=[
                {"id": PIPELINE, "name": "Sales", "position": 0, "version": 1},
                {"id": OTHER_PIPELINE, "name": "Projects", "position": 1, "version": 1},
            ],
        )
        stages = [
            ("s-lead", PIPELINE, "Lead", 0, 10.0, ""),
            ("s-proposal", PIPELINE, "Proposal", 1, 50.0, ""),
            ("s-won", PIPELINE, "Won", 2, 100.0, "won"),
            ("s-lost", PIPELINE, "Lost", 3, 0.0, "lost"),
            ("s-tender", OTHER_PIPELINE, "Tender", 0, 20.0, ""),
            ("s-proposal-2", OTHER_PIPELINE, "Proposal", 1, 40.0, ""),
        ]
        upsert_rows(
            connection,
            entity="stage",
            rows=[
                {
                    "id": i,
                    "pipeline_id": p,
                    "name": n,
                    "position": pos,
                    "probability": prob,
                    "outcome": outcome,
                    "version": 1,
                }
                for i, p, n, pos, prob, outcome in stages
            ],
        )
        upsert_rows(
            connection,
            entity="picklist",
            rows=[
                {
                    "id": "pk-1",
                    "kind": "tier",
                    "value": "gold",
                    "label_en": "Gold",
                    "label_zh": "金牌",
                    "position": 0,
                    "version": 1,
                },
                {
                    "id": "pk-2",
                    "kind": "tier",
                    "value": "silver",
                    "label_en": "Silver",
                    "label_zh": "银牌",
                    "position": 1,
                    "version": 1,
                },
            ],
        )


def sign_in(engine: Engine, user_id: str = ME) -> None:
    with engine.begin() as connection:
        connection.execute(sync_state.insert().values(key="user_id", value=user_id))


def counts(engine: Engine) -> dict[str, int]:
    """Rows per table plus outbox entries: compared before/after a refused change."""
    tables = {
        name: entity_tables[name]
        for name in ("customer", "contact", "activity", "followup", "opportunity")
    }
    with engine.connect() as connection:
        result = {
            name: int(connection.execute(select(func.count()).select_from(t)).scalar_one())
            for name, t in tables.items()
        }
        result["outbox"] = int(
            connection.execute(select(func.count()).select_from(outbox)).scalar_one()
        )
    return result
