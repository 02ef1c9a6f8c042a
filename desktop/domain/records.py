"""Validation of whole records: each entity's field rules, applied to everything at once.

The structural limits (which fields exist, which are required, how long text may be) are declared
once in `protocol.entities`; the operations layer passes them in, so this module stays free of
our other packages and holds only the domain's own rules (what a phone or a probability is).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from enum import StrEnum

from desktop.domain.contact_points import normalise_email, normalise_phone
from desktop.domain.messages import InvalidValue, Problem, ValidationError
from desktop.domain.values import (
    AccountType,
    ActivityKind,
    BuyingRole,
    CustomerKind,
    OpportunityStatus,
    Priority,
    blank_to_none,
    clean_amount,
    clean_choice,
    clean_currency,
    clean_date,
    clean_datetime,
    clean_flag,
    clean_probability,
    clean_whole_number,
)

Rule = Callable[[object], object]

# Tags are typed with ASCII or Chinese separators; they are stored comma separated.
_TAG_SEPARATORS = re.compile(r"[,，、;；]")


def clean_tags(value: object) -> str:
    tags: list[str] = []
    for part in _TAG_SEPARATORS.split(str(value)):
        tag = part.strip()
        if tag and tag not in tags:
            tags.append(tag)
    return ",".join(tags)


def split_tags(stored: str | None) -> tuple[str, ...]:
    return tuple(tag for tag in (stored or "").split(",") if tag)


def choice(enumeration: type[StrEnum]) -> Rule:
    def rule(value: object) -> str:
        return clean_choice(value, enumeration)

    return rule


RULES: dict[str, dict[str, Rule]] = {
    "customer": {
        "kind": choice(CustomerKind),
        "account_type": choice(AccountType),
        "phone": normalise_phone,
        "fax": normalise_phone,
        "email": normalise_email,
        "tags": clean_tags,
        "created_at": clean_datetime,
    },
    "contact": {
        "phone": normalise_phone,
        "mobile": normalise_phone,
        "email": normalise_email,
        "birthday": clean_date,
        "buying_role": choice(BuyingRole),
    },
    "activity": {
        "kind": choice(ActivityKind),
        "occurred_at": clean_datetime,
        "duration_min": clean_whole_number,
    },
    "followup": {
        "due_at": clean_datetime,
        "priority": choice(Priority),
        "done": clean_flag,
        "done_at": clean_datetime,
    },
    "opportunity": {
        "amount": clean_amount,
        "currency": clean_currency,
        "probability": clean_probability,
        "expected_close": clean_date,
        "status": choice(OpportunityStatus),
        "created_at": clean_datetime,
    },
}


def validate_record(
    entity: str,
    values: Mapping[str, object],
    *,
    required: Collection[str],
    max_lengths: Mapping[str, int],
    partial: bool = False,
) -> dict[str, object]:
    """The values to store, cleaned; raises ValidationError listing every problem.

    `partial` is for edits: required fields that are absent stay as they are, but a required
    field given as blank is still refused (clearing a customer's name is an error).
    """
    rules = RULES.get(entity, {})
    problems: list[Problem] = []
    cleaned: dict[str, object] = {}
    for name, raw in values.items():
        value = blank_to_none(raw)
        if value is None:
            if name in required:
                problems.append(Problem(name, "required"))
            else:
                cleaned[name] = None
            continue
        rule = rules.get(name)
        try:
            result = rule(value) if rule else value
        except InvalidValue as error:
            problems.append(error.for_field(name))
            continue
        limit = max_lengths.get(name)
        if isinstance(result, str) and limit is not None and len(result) > limit:
            problems.append(
                Problem(name, "too_long", {"limit": str(limit), "length": str(len(result))})
            )
            continue
        cleaned[name] = result
    if not partial:
        problems.extend(Problem(name, "required") for name in required if name not in values)
    if problems:
        raise ValidationError(problems)
    return cleaned
