"""Reference data the screens show in combo boxes and labels, read once on the database thread.

Users, teams and the firm's picklists change only when the server sends new ones, so screens load
this snapshot when they open and again after a sync, instead of querying per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine

from desktop.domain.models import PicklistEntry, TeamRef, UserRef
from desktop.operations.reference import list_teams, list_users, picklist
from desktop.ui.formatting import PicklistLabels, picklist_labels

PICKLIST_KINDS = ("industry", "lifecycle", "tier", "activity_kind", "source", "value_label")


@dataclass(frozen=True)
class ReferenceData:
    users: tuple[UserRef, ...] = ()
    teams: tuple[TeamRef, ...] = ()
    picklists: tuple[PicklistEntry, ...] = ()
    user_names: dict[str, str] = field(default_factory=dict)

    def entries(self, kind: str) -> list[PicklistEntry]:
        return [entry for entry in self.picklists if entry.kind == kind]

    def labels(self, *, chinese: bool) -> PicklistLabels:
        return picklist_labels(self.picklists, chinese=chinese)

    def user_name(self, user_id: str | None) -> str:
        if not user_id:
            return ""
        return self.user_names.get(user_id, user_id)


def load_reference_data(engine: Engine) -> ReferenceData:
    """Runs on the database thread; returns plain frozen values only."""
    users = tuple(list_users(engine, include_inactive=True))
    entries: list[PicklistEntry] = []
    for kind in PICKLIST_KINDS:
        entries.extend(picklist(engine, kind=kind))
    return ReferenceData(
        users=users,
        teams=tuple(list_teams(engine)),
        picklists=tuple(entries),
        user_names={user.id: user.display_name for user in users},
    )
