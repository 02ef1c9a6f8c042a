"""Whole-record validation: every problem reported at once, blank means none, edits partial."""

from __future__ import annotations

import pytest

from desktop.domain.messages import ValidationError
from desktop.domain.records import clean_tags, split_tags, validate_record

LIMITS = {"name": 10, "industry": 100}


def _problems(entity: str, values: dict[str, object], **options: object) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        validate_record(entity, values, required={"name"}, max_lengths=LIMITS, **options)  # type: ignore[arg-type]
    return [(p.field, p.key) for p in caught.value.problems]


def test_clean_customer_values() -> None:
    cleaned = validate_record(
        "customer",
        {
            "name": " 中国建筑 ",
            "phone": "138 0013 8000",
            "kind": "Company",
            "tags": "VIP，建筑、VIP",
        },
        required={"name"},
        max_lengths=LIMITS,
    )
    assert cleaned == {
        "name": "中国建筑",
        "phone": "+8613800138000",
        "kind": "company",
        "tags": "VIP,建筑",
    }


def test_every_problem_is_reported_together() -> None:
    problems = _problems("customer", {"phone": "12345", "email": "bad@", "kind": "robot"})
    assert sorted(problems) == [
        ("email", "email_invalid"),
        ("kind", "not_a_choice"),
        ("name", "required"),
        ("phone", "phone_invalid"),
    ]


def test_too_long_text_is_refused() -> None:
    assert _problems("customer", {"name": "x" * 11}) == [("name", "too_long")]


def test_blank_optional_field_clears_it_but_blank_required_field_is_refused() -> None:
    assert validate_record(
        "customer", {"industry": "  "}, required={"name"}, max_lengths=LIMITS, partial=True
    ) == {"industry": None}
    assert _problems("customer", {"name": " "}, partial=True) == [("name", "required")]


def test_opportunity_rules() -> None:
    assert _problems(
        "opportunity", {"name": "Tower", "amount": -5, "probability": 120, "status": "maybe"}
    ) == [("amount", "negative"), ("probability", "probability_range"), ("status", "not_a_choice")]


def test_activity_and_followup_rules() -> None:
    assert _problems("activity", {"name": "x", "kind": "lunch", "duration_min": "1.5"}) == [
        ("kind", "not_a_choice"),
        ("duration_min", "not_an_integer"),
    ]
    assert _problems("followup", {"name": "x", "priority": "urgent", "due_at": "soon"}) == [
        ("priority", "not_a_choice"),
        ("due_at", "datetime_invalid"),
    ]


def test_contact_rules() -> None:
    assert _problems(
        "contact",
        {"name": "张伟", "mobile": "139", "birthday": "1990-13-01", "buying_role": "boss"},
    ) == [
        ("mobile", "phone_invalid"),
        ("birthday", "date_invalid"),
        ("buying_role", "not_a_choice"),
    ]


def test_tags_round_trip() -> None:
    assert clean_tags(" a, b ,,a ") == "a,b"
    assert split_tags("a,b") == ("a", "b")
    assert split_tags(None) == ()
