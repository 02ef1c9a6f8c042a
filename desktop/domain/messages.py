"""Every message the validation rules show to people, in one place.

A problem carries a message key and its parameters, not finished text: the English templates
below are the source strings, and the UI can look the same key up in a translation (zh_CN)
instead of parsing sentences.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field

TEMPLATES: dict[str, str] = {
    "required": "{label} is required.",
    "too_long": "{label} is too long: at most {limit} characters (got {length}).",
    "phone_invalid": (
        "{label} “{value}” is not a valid phone number. Examples: 138 0013 8000, "
        "010-6552 9988, +44 20 7946 0958."
    ),
    "email_invalid": "{label} “{value}” is not a valid e-mail address: {reason}",
    "not_a_number": "{label} “{value}” is not a number.",
    "not_an_integer": "{label} “{value}” is not a whole number.",
    "negative": "{label} cannot be negative (got {value}).",
    "probability_range": "{label} must be between 0 and 100 (got {value}).",
    "not_a_choice": "{label} “{value}” is not allowed; choose one of: {choices}.",
    "date_invalid": "{label} “{value}” is not a date; write it as YYYY-MM-DD, e.g. 2026-11-23.",
    "datetime_invalid": (
        "{label} “{value}” is not a date and time; write it as YYYY-MM-DD HH:MM, "
        "e.g. 2026-11-23 09:30."
    ),
    "currency_invalid": "{label} “{value}” is not a currency code; use three letters, e.g. CNY.",
    "not_a_flag": "{label} “{value}” is not yes or no.",
    "unknown_field": "There is no field called “{value}”.",
    "unknown_reference": "{label}: there is no {entity} with id “{value}” in this replica.",
    "archived_reference": "{label}: the {entity} “{value}” is archived; restore it first.",
    "not_in_picklist": "{label} “{value}” is not one of the firm's values: {choices}.",
    "not_amendable": "{label} cannot be changed by an amendment; log a new entry instead.",
    "due_needs_next_step": "{label} is required when a due date is given.",
    "wrong_pipeline": "{label}: stage “{value}” belongs to another pipeline.",
    "ambiguous_stage": "{label}: “{value}” names stages in several pipelines; give the stage id.",
}

# Field names as people read them (the same label wherever the field appears).
FIELD_LABELS: dict[str, str] = {
    "name": "Name",
    "kind": "Kind",
    "account_type": "Account type",
    "industry": "Industry",
    "address": "Address",
    "phone": "Phone",
    "mobile": "Mobile",
    "fax": "Fax",
    "email": "E-mail",
    "website": "Website",
    "source": "Source",
    "owner_id": "Owner",
    "team_id": "Team",
    "lifecycle": "Lifecycle stage",
    "tier": "Tier",
    "value_label": "Value label",
    "tags": "Tags",
    "credit_notes": "Credit notes",
    "customer_id": "Customer",
    "title": "Title",
    "birthday": "Birthday",
    "buying_role": "Buying role",
    "notes": "Notes",
    "occurred_at": "Date and time",
    "duration_min": "Duration (minutes)",
    "place": "Place",
    "subject": "Subject",
    "outcome": "Outcome",
    "next_step": "Next step",
    "done_by": "Done by",
    "recorded_by": "Recorded by",
    "due_at": "Due",
    "assignee_id": "Assignee",
    "priority": "Priority",
    "amount": "Amount",
    "currency": "Currency",
    "probability": "Probability (%)",
    "stage_id": "Stage",
    "pipeline_id": "Pipeline",
    "expected_close": "Expected close",
    "how_to_win": "How to win",
    "competitors": "Competitors",
    "lost_reason": "Lost reason",
    "status": "Status",
}


def field_label(field_name: str) -> str:
    return FIELD_LABELS.get(field_name, field_name.replace("_", " ").capitalize())


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one field: a message key plus what the message needs."""

    field: str
    key: str
    params: Mapping[str, str] = dataclass_field(default_factory=dict)

    @property
    def text(self) -> str:
        return TEMPLATES[self.key].format(label=field_label(self.field), **self.params)


class ValidationError(ValueError):
    """Input that cannot be saved; `problems` lists every field at fault, not just the first."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(" ".join(problem.text for problem in self.problems))


class InvalidValue(ValueError):
    """Raised by a single-value rule; the record validator adds the field name."""

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = {name: str(value) for name, value in params.items()}
        super().__init__(key)

    def for_field(self, field_name: str) -> Problem:
        return Problem(field_name, self.key, self.params)
