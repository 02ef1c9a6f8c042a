"""Read models: frozen snapshots handed from the database thread to the UI and the CLI.

They hold plain values only (ids as strings, times as ISO UTC text, phones in stored E.164 form),
so they can cross threads and be compared in tests.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CustomerSummary:
    """One line of the customer list."""

    id: str
    name: str
    industry: str
    phone: str
    owner_id: str | None
    owner_name: str
    team_id: str | None
    lifecycle: str
    tier: str
    tags: tuple[str, ...]
    archived: bool
    last_contact_at: str | None  # newest activity, ISO UTC


@dataclass(frozen=True)
class CustomerPage:
    """A window of the filtered, sorted customer list plus the size of the whole list."""

    rows: tuple[CustomerSummary, ...]
    total: int
    offset: int
    limit: int

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(row.id for row in self.rows)


@dataclass(frozen=True)
class CustomerDetails:
    id: str
    name: str
    kind: str | None
    account_type: str | None
    industry: str | None
    address: str | None
    phone: str | None
    email: str | None
    website: str | None
    fax: str | None
    source: str | None
    owner_id: str | None
    team_id: str | None
    lifecycle: str | None
    tier: str | None
    value_label: str | None
    tags: tuple[str, ...]
    credit_notes: str | None
    created_at: str | None
    archived: bool
    version: int


@dataclass(frozen=True)
class Contact:
    id: str
    customer_id: str
    name: str
    title: str | None
    phone: str | None
    mobile: str | None
    email: str | None
    address: str | None
    birthday: str | None
    buying_role: str | None
    notes: str | None
    archived: bool


@dataclass(frozen=True)
class ActivityEntry:
    """One entry of the append-only activity log; a correction is a new entry (`amends_id`)."""

    id: str
    customer_id: str
    kind: str
    occurred_at: str
    duration_min: int | None
    place: str | None
    subject: str | None
    notes: str | None
    outcome: str | None
    next_step: str | None
    done_by: str | None
    recorded_by: str | None
    amends_id: str | None
    amended_by_id: str | None  # the newest entry that corrects this one, if any


@dataclass(frozen=True)
class FollowUp:
    id: str
    customer_id: str
    customer_name: str
    activity_id: str | None
    title: str
    due_at: str
    assignee_id: str | None
    priority: str
    done: bool
    done_at: str | None


@dataclass(frozen=True)
class Opportunity:
    id: str
    customer_id: str
    name: str
    amount: float | None
    currency: str | None
    probability: float | None
    pipeline_id: str | None
    stage_id: str | None
    stage_name: str
    expected_close: str | None
    owner_id: str | None
    status: str
    how_to_win: str | None
    competitors: str | None
    lost_reason: str | None
    created_at: str | None
    archived: bool


@dataclass(frozen=True)
class CustomerFile:
    """The 360° view of one customer (客户档案)."""

    customer: CustomerDetails
    contacts: tuple[Contact, ...]
    activities: tuple[ActivityEntry, ...]  # one page, newest first
    activity_total: int
    opportunities: tuple[Opportunity, ...]
    followups: tuple[FollowUp, ...]  # open ones first, by due time


@dataclass(frozen=True)
class UserRef:
    id: str
    login: str
    display_name: str
    role: str
    team_id: str | None
    active: bool


@dataclass(frozen=True)
class TeamRef:
    id: str
    name: str
    head_id: str | None


@dataclass(frozen=True)
class PipelineRef:
    id: str
    name: str
    position: int


@dataclass(frozen=True)
class StageRef:
    id: str
    pipeline_id: str
    name: str
    position: int
    probability: float | None
    outcome: str  # "" open, "won", "lost"


@dataclass(frozen=True)
class PicklistEntry:
    kind: str
    value: str
    label_en: str
    label_zh: str
    position: int
