"""Reference data the server manages (users, teams, pipelines, stages, picklists): read-only
lookups for forms, filters and display names."""

from __future__ import annotations

from sqlalchemy import Engine, or_, select

from desktop.domain.models import PicklistEntry, PipelineRef, StageRef, TeamRef, UserRef
from desktop.operations.base import current_user_id, reading
from desktop.store.changes import RecordNotFound
from desktop.store.schema import entity_tables

USER = entity_tables["user"]
TEAM = entity_tables["team"]
PIPELINE = entity_tables["pipeline"]
STAGE = entity_tables["stage"]
PICKLIST = entity_tables["picklist"]


def list_users(engine: Engine, *, include_inactive: bool = False) -> list[UserRef]:
    query = select(USER).where(USER.c.archived == 0).order_by(USER.c.display_name, USER.c.id)
    if not include_inactive:
        query = query.where(USER.c.active.is_not(False))
    with reading(engine) as connection:
        return [
            UserRef(
                id=row["id"],
                login=row["login"] or "",
                display_name=row["display_name"] or row["login"] or "",
                role=row["role"] or "",
                team_id=row["team_id"],
                active=row["active"] is not False,
            )
            for row in connection.execute(query).mappings()
        ]


def list_teams(engine: Engine) -> list[TeamRef]:
    query = select(TEAM).where(TEAM.c.archived == 0).order_by(TEAM.c.name, TEAM.c.id)
    with reading(engine) as connection:
        return [
            TeamRef(id=row["id"], name=row["name"] or "", head_id=row["head_id"])
            for row in connection.execute(query).mappings()
        ]


def list_pipelines(engine: Engine) -> list[PipelineRef]:
    query = (
        select(PIPELINE)
        .where(PIPELINE.c.archived == 0)
        .order_by(PIPELINE.c.position, PIPELINE.c.name)
    )
    with reading(engine) as connection:
        return [
            PipelineRef(id=row["id"], name=row["name"] or "", position=row["position"] or 0)
            for row in connection.execute(query).mappings()
        ]


def list_stages(engine: Engine, *, pipeline_id: str | None = None) -> list[StageRef]:
    query = (
        select(STAGE)
        .where(STAGE.c.archived == 0)
        .order_by(STAGE.c.pipeline_id, STAGE.c.position, STAGE.c.name)
    )
    if pipeline_id is not None:
        query = query.where(STAGE.c.pipeline_id == pipeline_id)
    with reading(engine) as connection:
        return [
            StageRef(
                id=row["id"],
                pipeline_id=row["pipeline_id"] or "",
                name=row["name"] or "",
                position=row["position"] or 0,
                probability=row["probability"],
                outcome=row["outcome"] or "",
            )
            for row in connection.execute(query).mappings()
        ]


def picklist(engine: Engine, *, kind: str) -> list[PicklistEntry]:
    """The firm's values for one list (industry, source, tier, lifecycle ...), in order."""
    query = (
        select(PICKLIST)
        .where(PICKLIST.c.kind == kind, PICKLIST.c.archived == 0)
        .order_by(PICKLIST.c.position, PICKLIST.c.value)
    )
    with reading(engine) as connection:
        return [
            PicklistEntry(
                kind=row["kind"],
                value=row["value"] or "",
                label_en=row["label_en"] or row["value"] or "",
                label_zh=row["label_zh"] or row["label_en"] or row["value"] or "",
                position=row["position"] or 0,
            )
            for row in connection.execute(query).mappings()
        ]


ME = "me"


def resolve_user(engine: Engine, *, text: str) -> str:
    """A user id from what a person types: "me" (the signed-in user), a login or an id.

    Before the first sync the replica knows no users, so an id is taken as given (the check
    happens on the server); afterwards an unknown name is refused.
    """
    wanted = text.strip()
    with reading(engine) as connection:
        if wanted.casefold() == ME:
            user_id = current_user_id(connection)
            if user_id is None:
                raise RecordNotFound("signed-in user", "me (sign in first)")
            return user_id
        row = connection.execute(
            select(USER.c.id).where(or_(USER.c.id == wanted, USER.c.login == wanted))
        ).first()
        if row is not None:
            return str(row[0])
        if connection.execute(select(USER.c.id).limit(1)).first() is None:
            return wanted
    raise RecordNotFound("user", wanted)
