"""The demo firm: deterministic, the requested sizes, every reference resolvable, fields valid."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

import phonenumbers
import pytest
from email_validator import validate_email

from protocol.demo_firm import DEMO_PASSWORD, SIZES, DemoFirm, generate_firm
from protocol.demo_vocabulary import PROJECT_STAGES
from protocol.entities import ENTITIES, ENTITY_ORDER, FieldType

TODAY = date(2026, 11, 23)
Row = dict[str, Any]


@pytest.fixture(scope="module")
def firm() -> DemoFirm:
    return generate_firm(customers=120, activities=900, seed=11, today=TODAY)


@pytest.fixture(scope="module")
def rows(firm: DemoFirm) -> dict[str, list[Row]]:
    return {entity: list(entity_rows) for entity, entity_rows in firm.entities()}


def test_same_seed_same_rows_and_other_seed_other_rows() -> None:
    def snapshot(seed: int) -> dict[str, list[Row]]:
        firm = generate_firm(size="tiny", seed=seed, today=TODAY)
        return {entity: list(entity_rows) for entity, entity_rows in firm.entities()}

    first = snapshot(3)
    assert first == snapshot(3)
    other = snapshot(4)
    assert first["customer"] != other["customer"]
    assert first["activity"] != other["activity"]


def test_requested_counts_and_named_sizes(firm: DemoFirm, rows: dict[str, list[Row]]) -> None:
    assert len(rows["customer"]) == 120
    assert len(rows["activity"]) == 900
    assert len(rows["contact"]) > 120  # companies have one to three contacts
    assert 0 < len(rows["opportunity"]) < 120 and 0 < len(rows["followup"]) < 120
    small = generate_firm(size="small", today=TODAY)
    assert (small.customer_count, small.activity_count) == SIZES["small"]
    assert SIZES["large"] == (100_000, 1_000_000)
    with pytest.raises(ValueError, match="Unknown demo size"):
        generate_firm(size="huge")
    with pytest.raises(ValueError, match="at least one customer"):
        generate_firm(customers=0)


def test_rows_stream_in_dependency_order_with_exactly_the_declared_fields(
    firm: DemoFirm, rows: dict[str, list[Row]]
) -> None:
    assert [entity for entity, _rows in firm.entities()] == list(ENTITY_ORDER)
    activity_rows = firm.rows("activity")
    assert iter(activity_rows) is activity_rows  # a generator, not a list held in memory
    for entity, entity_rows in rows.items():
        expected = ["id", *ENTITIES[entity].field_names, "archived"]
        for row in entity_rows:
            assert list(row) == expected


def test_every_reference_points_at_a_generated_record(rows: dict[str, list[Row]]) -> None:
    ids = {entity: {row["id"] for row in entity_rows} for entity, entity_rows in rows.items()}
    all_ids = [row["id"] for entity_rows in rows.values() for row in entity_rows]
    assert len(all_ids) == len(set(all_ids)), "ids must be unique across the firm"
    checked = 0
    for entity, entity_rows in rows.items():
        for spec in ENTITIES[entity].fields:
            if spec.type is not FieldType.REF or spec.ref is None:
                continue
            for row in entity_rows:
                if row[spec.name] is not None:
                    assert row[spec.name] in ids[spec.ref], (entity, spec.name)
                    checked += 1
    assert checked > 3 * len(rows["activity"])


def test_required_fields_lengths_and_formats(rows: dict[str, list[Row]]) -> None:
    for entity, entity_rows in rows.items():
        for spec in ENTITIES[entity].fields:
            for row in entity_rows:
                value = row[spec.name]
                if spec.required:
                    assert value not in (None, ""), (entity, spec.name)
                if value is None:
                    continue
                if spec.max_length:
                    assert len(str(value)) <= spec.max_length, (entity, spec.name, value)
                if spec.type is FieldType.DATETIME:
                    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", value)
                if spec.type is FieldType.DATE:
                    date.fromisoformat(value)


def test_phones_are_valid_e164_and_emails_valid(rows: dict[str, list[Row]]) -> None:
    phones = [
        row[name]
        for entity, names in (("customer", ("phone", "fax")), ("contact", ("phone", "mobile")))
        for row in rows[entity]
        for name in names
        if row[name]
    ]
    assert any(phone.startswith("+861") for phone in phones)  # Chinese mobiles
    for phone in phones:
        assert re.fullmatch(r"\+[1-9]\d{7,14}", phone), phone
        assert phonenumbers.is_valid_number(phonenumbers.parse(phone)), phone
    emails = [row["email"] for entity in ("customer", "contact") for row in rows[entity]]
    for email in filter(None, emails):
        validate_email(email, check_deliverability=False)


def test_chinese_and_english_firms_people_and_notes(rows: dict[str, list[Row]]) -> None:
    names = [row["name"] for row in rows["customer"]]
    assert any(name.endswith("有限公司") for name in names)
    assert any(name.endswith(("Ltd", "Inc.", "Group", "PLC", "Co., Ltd.")) for name in names)
    assert Counter(row["kind"] for row in rows["customer"]).keys() == {"company", "person"}
    notes = [row["notes"] for row in rows["activity"]]
    assert any(re.search("[\u4e00-\u9fff]", note) for note in notes)
    assert any(note.isascii() for note in notes)
    kinds = {row["kind"] for row in rows["activity"]}
    assert kinds == {"visit", "call", "meeting", "email", "note", "return_visit"}
    corrections = [row for row in rows["activity"] if row["amends_id"]]
    assert corrections, "some activities amend an earlier one"
    by_id = {row["id"]: row for row in rows["activity"]}
    for row in corrections:
        original = by_id[row["amends_id"]]
        assert original["customer_id"] == row["customer_id"]
        assert original["occurred_at"] <= row["occurred_at"]
    assert any(row["outcome"] for row in rows["activity"])
    times = [row["occurred_at"] for row in rows["activity"]]
    assert times == sorted(times)  # a year of history, oldest first
    assert times[0] < "2025-12-01" and times[-1] <= "2026-11-23T00:00:00Z"


def test_followups_overdue_and_today(rows: dict[str, list[Row]]) -> None:
    midnight = datetime(2026, 11, 23, tzinfo=UTC)
    open_due = [
        datetime.fromisoformat(row["due_at"]) for row in rows["followup"] if not row["done"]
    ]
    assert any(due < midnight for due in open_due)
    assert any(due.date() == TODAY for due in open_due)


def test_pipelines_roles_logins_and_picklists(firm: DemoFirm, rows: dict[str, list[Row]]) -> None:
    stage_names = {row["name"] for row in rows["stage"]}
    assert {name for name, _p, _o in PROJECT_STAGES} <= stage_names
    assert {"招标", "投标", "中标", "施工", "竣工", "验收", "移交", "保修期"} <= stage_names
    assert len(rows["pipeline"]) == 2
    roles = Counter(user.role for user in firm.users)
    assert set(roles) == {"account_manager", "team_head", "executive", "admin"}
    logins = [user.login for user in firm.users]
    assert len(logins) == len(set(logins)) and "admin" in logins and "am001" in logins
    assert firm.user("am001").role == "account_manager"
    assert DEMO_PASSWORD == "demo1234"
    owners = {row["owner_id"] for row in rows["customer"]}
    assert owners <= {user.id for user in firm.account_managers}
    for row in rows["picklist"]:
        assert row["label_en"] and re.search("[\u4e00-\u9fff]", row["label_zh"])
    industries = {row["industry"] for row in rows["customer"]}
    assert {"construction", "banking", "brokerage"} <= industries
