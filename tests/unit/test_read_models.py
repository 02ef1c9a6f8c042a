"""The read-model converters: same-named columns are copied, the rest converted, none forgotten."""

from __future__ import annotations

from typing import Any

import pytest

from desktop.domain.models import Contact
from desktop.operations.read_models import contact, followup, read_model

CONTACT_ROW: dict[str, Any] = {
    "id": "k1",
    "customer_id": "c1",
    "name": None,
    "title": "采购经理",
    "phone": "021-5555 0101",
    "mobile": None,
    "email": "wang@example.cn",
    "address": None,
    "birthday": "1980-05-04",
    "buying_role": "decider",
    "notes": None,
    "archived": 0,
    "extra_column": "ignored",
}


def test_columns_are_copied_and_only_the_named_fields_converted():
    converted = contact(CONTACT_ROW)
    assert converted == Contact(
        id="k1",
        customer_id="c1",
        name="",  # NULL shown as empty text
        title="采购经理",
        phone="021-5555 0101",
        mobile=None,
        email="wang@example.cn",
        address=None,
        birthday="1980-05-04",
        buying_role="decider",
        notes=None,
        archived=False,
    )
    assert converted.archived is False


def test_a_missing_column_fails_loudly_instead_of_leaving_a_field_empty():
    row = {key: value for key, value in CONTACT_ROW.items() if key != "email"}
    with pytest.raises(KeyError, match="email"):
        contact(row)


def test_converted_fields_do_not_need_a_column():
    row = {key: value for key, value in CONTACT_ROW.items() if key != "archived"}
    assert read_model(Contact, row, archived=True, name="王").archived is True


def test_followup_defaults_a_missing_priority_to_normal():
    row = {
        "id": "f1",
        "customer_id": "c1",
        "customer_name": "上海建工",
        "activity_id": None,
        "title": "回访",
        "due_at": "2026-03-02T01:00:00Z",
        "assignee_id": "u1",
        "priority": None,
        "done": 1,
        "done_at": None,
    }
    item = followup(row)
    assert (item.priority, item.done, item.customer_name) == ("normal", True, "上海建工")
