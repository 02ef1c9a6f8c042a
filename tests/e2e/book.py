"""A leaver's small book of business, written through a desktop replica like a real user would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from desktop.store.changes import create_record
from tests.e2e.live_server import DesktopClient, Firm, ThreadedServer, sign_in, threaded_server


@dataclass(frozen=True)
class Book:
    gold: tuple[str, ...]  # customer ids
    silver: tuple[str, ...]
    opportunity: str
    followup: str

    @property
    def customers(self) -> tuple[str, ...]:
        return self.gold + self.silver


def write_book(engine: Engine, firm: Firm) -> Book:
    """Three customers (two gold, one silver) with visits, one open deal and one follow-up."""
    with engine.begin() as connection:

        def customer(name: str, tier: str) -> str:
            return create_record(
                connection,
                entity="customer",
                fields={
                    "name": name,
                    "tier": tier,
                    "owner_id": firm.leaver,
                    "team_id": firm.east,
                    "kind": "company",
                },
            )

        gold = (customer("上海建工集团", "gold"), customer("华夏证券", "gold"))
        silver = (customer("Acme Trading", "silver"),)
        for number, customer_id in enumerate(gold + silver, start=1):
            create_record(
                connection,
                entity="activity",
                fields={
                    "customer_id": customer_id,
                    "kind": "visit",
                    "occurred_at": f"2026-11-0{number}T09:00:00Z",
                    "subject": f"拜访 {number}",
                    "next_step": "发报价",
                    "done_by": firm.leaver,
                    "recorded_by": firm.leaver,
                },
            )
        opportunity = create_record(
            connection,
            entity="opportunity",
            fields={
                "customer_id": gold[0],
                "name": "二期工程",
                "amount": 1_200_000.0,
                "currency": "CNY",
                "status": "open",
                "owner_id": firm.leaver,
            },
        )
        followup = create_record(
            connection,
            entity="followup",
            fields={
                "customer_id": gold[0],
                "title": "发新报价",
                "due_at": "2026-11-30T01:00:00Z",
                "assignee_id": firm.leaver,
                "done": False,
            },
        )
    return Book(gold, silver, opportunity, followup)


@dataclass
class OnlineFirm:
    """A live server with the firm, the leaver's book synced, and the admin's client in sync."""

    server: ThreadedServer
    firm: Firm
    book: Book
    admin: DesktopClient


@contextmanager
def online_firm(tmp_path: Path) -> Iterator[OnlineFirm]:
    with threaded_server(f"sqlite+pysqlite:///{tmp_path / 'server.sqlite3'}") as server:
        firm = server.people.firm()
        leaver = sign_in(server.url, login="li", data_dir=tmp_path / "li")
        book = write_book(leaver.engine, firm)
        leaver.sync.sync_once()
        leaver.close()
        admin = sign_in(server.url, login="admin", data_dir=tmp_path / "admin")
        admin.sync.sync_once()
        try:
            yield OnlineFirm(server, firm, book, admin)
        finally:
            admin.close()
