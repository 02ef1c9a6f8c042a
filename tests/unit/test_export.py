"""Export control: files are right, the policy refuses or caps, and everything is on the record."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import vobject
from openpyxl import load_workbook
from sqlalchemy import Engine

from desktop.operations.export import (
    AuditAction,
    ExportFailed,
    ExportFormat,
    ExportPolicy,
    ExportRefused,
    export_contacts,
    export_customers,
    forget_audit_events,
    pending_audit_events,
    record_print,
)
from desktop.operations.lease import evaluate_lease
from desktop.store.changes import create_record, set_archived

OPEN = ExportPolicy()


def seed(engine: Engine) -> dict[str, str]:
    with engine.begin() as connection:
        ids = {
            "jiangong": create_record(
                connection,
                entity="customer",
                fields={"name": "上海建工集团", "phone": "+86 21 5555 0101", "tier": "gold"},
            ),
            "acme": create_record(
                connection, entity="customer", fields={"name": "Acme Trading", "tier": "silver"}
            ),
            "evil": create_record(
                connection, entity="customer", fields={"name": '=HYPERLINK("http://x","y")'}
            ),
            "gone": create_record(connection, entity="customer", fields={"name": "Archived Co"}),
        }
        set_archived(connection, entity="customer", record_id=ids["gone"], archived=True)
        ids["wang"] = create_record(
            connection,
            entity="contact",
            fields={
                "customer_id": ids["jiangong"],
                "name": "王建国",
                "title": "采购经理",
                "mobile": "+86 138 0000 0001",
                "email": "wang@jiangong.example",
                "birthday": "1975-03-08",
            },
        )
        ids["smith"] = create_record(
            connection,
            entity="contact",
            fields={"customer_id": ids["acme"], "name": "Jane Smith", "phone": "+1 555 0100"},
        )
    return ids


def test_csv_export_holds_every_live_customer_readable_by_excel(replica: Engine, tmp_path: Path):
    seed(replica)
    out = tmp_path / "customers.csv"
    result = export_customers(replica, fmt=ExportFormat.CSV, out=out, policy=OPEN)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads it as UTF-8
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    names = [row["name"] for row in rows]
    assert sorted(names) == sorted(["上海建工集团", "Acme Trading", '\'=HYPERLINK("http://x","y")'])
    assert "Archived Co" not in names
    assert rows[names.index("上海建工集团")]["tier"] == "gold"
    assert result.rows == result.available == 3
    assert not result.capped
    assert result.message(OPEN) == "Exported 3 records to customers.csv."


def test_xlsx_export_keeps_chinese_text_and_defuses_formulas(replica: Engine, tmp_path: Path):
    ids = seed(replica)
    out = tmp_path / "customers.xlsx"
    export_customers(
        replica,
        fmt=ExportFormat.XLSX,
        out=out,
        policy=OPEN,
        customer_ids=[ids["jiangong"], ids["evil"]],
    )
    sheet = load_workbook(out, read_only=True).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = values[0]
    names = [row[header.index("name")] for row in values[1:]]
    assert set(names) == {"上海建工集团", '\'=HYPERLINK("http://x","y")'}


def test_vcard_export_of_contacts(replica: Engine, tmp_path: Path):
    ids = seed(replica)
    out = tmp_path / "contacts.vcf"
    result = export_contacts(replica, out=out, policy=OPEN, customer_ids=[ids["jiangong"]])
    cards = list(vobject.readComponents(out.read_text(encoding="utf-8")))
    assert result.rows == 1 and len(cards) == 1
    card = cards[0]
    assert card.fn.value == "王建国"
    assert card.org.value == ["上海建工集团"]
    assert card.title.value == "采购经理"
    assert card.tel.value == "+86 138 0000 0001"
    assert card.email.value == "wang@jiangong.example"
    assert card.uid.value == f"urn:uuid:{ids['wang']}"
    assert card.bday.value == "1975-03-08"


def test_vcards_keep_long_chinese_notes_and_special_characters(replica: Engine, tmp_path: Path):
    notes = "喜欢喝茶;下周拜访, 带样品\\备注\n第二行:" + "很长的备注内容" * 20
    address = "上海市浦东新区世纪大道 100 号; 3 楼"
    with replica.begin() as connection:
        customer = create_record(connection, entity="customer", fields={"name": "华夏, 证券"})
        create_record(
            connection,
            entity="contact",
            fields={"customer_id": customer, "name": "李娜", "notes": notes, "address": address},
        )
    out = tmp_path / "contacts.vcf"
    export_contacts(replica, out=out, policy=OPEN)
    raw = out.read_bytes()
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))  # folded, as RFC 2426 asks
    (card,) = vobject.readComponents(raw.decode("utf-8"))
    assert card.note.value == notes
    assert card.adr.value.street == address
    assert card.org.value == ["华夏, 证券"]


def test_every_export_is_queued_for_the_audit_log(replica: Engine, tmp_path: Path):
    ids = seed(replica)
    first = export_customers(replica, fmt=ExportFormat.CSV, out=tmp_path / "a.csv", policy=OPEN)
    export_contacts(replica, out=tmp_path / "b.vcf", policy=OPEN)
    record_print(replica, what="customer", customer_ids=[ids["acme"]])
    events = pending_audit_events(replica)
    assert [event["action"] for event in events] == ["export", "export", "print"]
    assert events[0]["id"] == first.event_id
    assert events[0]["detail"]["count"] == 3
    assert events[0]["detail"]["format"] == "csv"
    assert events[0]["detail"]["file_name"] == "a.csv"
    assert set(events[0]["detail"]["ids"]) == {ids["jiangong"], ids["acme"], ids["evil"]}
    assert events[1]["detail"]["what"] == "contacts"
    assert events[2]["detail"]["ids"] == [ids["acme"]]
    # Once the server has recorded some, only the others stay queued.
    assert forget_audit_events(replica, event_ids=[events[0]["id"], events[2]["id"]]) == 1
    assert [event["id"] for event in pending_audit_events(replica)] == [events[1]["id"]]


def test_policy_refusal_is_clear_logged_and_writes_nothing(replica: Engine, tmp_path: Path):
    seed(replica)
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "customers.csv"
    with pytest.raises(ExportRefused, match="turned off by your firm's policy"):
        export_customers(replica, fmt=ExportFormat.CSV, out=out, policy=ExportPolicy(allowed=False))
    assert not out.exists()
    assert list(folder.iterdir()) == []  # no staged file left either
    (event,) = pending_audit_events(replica)
    assert event["action"] == AuditAction.EXPORT_REFUSED
    assert event["detail"]["what"] == "customers"


def test_policy_caps_the_rows_and_says_so(replica: Engine, tmp_path: Path):
    seed(replica)
    policy = ExportPolicy(max_rows=2)
    out = tmp_path / "customers.csv"
    result = export_customers(replica, fmt=ExportFormat.CSV, out=out, policy=policy)
    assert result.capped
    assert len(out.read_text(encoding="utf-8-sig").splitlines()) == 1 + 2
    assert "only the first 2 of 3" in result.message(policy)
    assert "at most 2 rows" in result.message(policy)
    (event,) = pending_audit_events(replica)
    assert event["detail"]["count"] == 2 and event["detail"]["available"] == 3


def test_a_missing_folder_fails_clearly_and_logs_nothing(replica: Engine, tmp_path: Path):
    seed(replica)
    with pytest.raises(ExportFailed, match="does not exist"):
        export_customers(
            replica, fmt=ExportFormat.CSV, out=tmp_path / "nope" / "c.csv", policy=OPEN
        )
    assert pending_audit_events(replica) == []


def test_formats_that_do_not_fit_are_refused(replica: Engine, tmp_path: Path):
    with pytest.raises(ValueError, match="csv or xlsx"):
        export_customers(replica, fmt=ExportFormat.VCARD, out=tmp_path / "x", policy=OPEN)
    with pytest.raises(ValueError, match="vcard or csv"):
        export_contacts(replica, fmt=ExportFormat.XLSX, out=tmp_path / "x", policy=OPEN)
    with pytest.raises(ValueError, match="export_max_rows"):
        ExportPolicy(max_rows=-5)


def test_policy_from_settings_and_the_stricter_of_two():
    settings = {"policy.export_allowed": True, "policy.export_max_rows": 0}
    assert ExportPolicy.from_settings(settings.__getitem__) == ExportPolicy(True, None)
    machine = ExportPolicy(allowed=True, max_rows=5000)
    server = ExportPolicy(allowed=True, max_rows=200)
    assert machine.stricter(server) == ExportPolicy(True, 200)
    assert machine.stricter(ExportPolicy(allowed=False)) == ExportPolicy(False, 5000)
    assert ExportPolicy().stricter(ExportPolicy()) == ExportPolicy(True, None)


def test_a_locked_lease_refuses_the_export_and_logs_it(replica: Engine, tmp_path: Path):
    seed(replica)
    synced = datetime(2026, 11, 1, tzinfo=UTC)
    locked = evaluate_lease(last_sync_at=synced, max_offline_days=7, now=synced + timedelta(days=8))
    with pytest.raises(ExportRefused, match="has not synced for 8 days"):
        export_contacts(replica, out=tmp_path / "c.vcf", policy=OPEN, lease=locked)
    assert not (tmp_path / "c.vcf").exists()
    (event,) = pending_audit_events(replica)
    assert event["action"] == "export_refused" and "locked" in event["detail"]["reason"]
    still_open = evaluate_lease(last_sync_at=synced, max_offline_days=7, now=synced)
    result = export_customers(
        replica, fmt=ExportFormat.CSV, out=tmp_path / "c.csv", policy=OPEN, lease=still_open
    )
    assert result.rows == 3
