"""Replica snapshots: a user's whole scope as the SQLite file their client would hold after
pulling it from the start, with the cursor it corresponds to (docs/wire.md, "Snapshots").

The one module of the server that imports `desktop`: a snapshot IS a replica file, so it is
written by the code that defines that file (`desktop.store`: its schema, the initial load's
index set-aside, the search index) and filled by the client's own apply code
(`desktop.sync.apply`), both free of Qt. A copy of either here would drift from the client.

Next to each user's file lies `{user_id}.json`, the `SnapshotInfo` that says what the file holds;
it is replaced atomically, so a reader sees the old snapshot or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import shutil
import sqlite3
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Engine

from desktop.store.bulk import finish_initial_load, start_initial_load
from desktop.store.replica import HEAD_REVISION, open_replica
from desktop.store.schema import entity_tables
from desktop.sync.apply import apply_changes
from protocol.messages import parse_cursor
from server.auth import ACCESS, account_by_login, principal_of
from server.config import ServerSettings
from server.db import read_connection, read_meta, utc_now_iso
from server.people import not_found
from server.pull import PageRow, PageRows, read_page_rows, refuse_closed_account
from server.scope import Principal, scope_shape

log = logging.getLogger(__name__)

# The replica schema revision snapshots are written in: a client of another cannot adopt one.
SNAPSHOT_SCHEMA = HEAD_REVISION
# Entries per page read from the log: as a client's large pages, a few MB of rows at most.
PAGE_ROWS = 5_000
HASH_BLOCK_BYTES = 1 << 20
WORK_PREFIX = ".build-"  # a build's work folder in the snapshot folder, removed when it ends
ABANDONED_WORK_SECONDS = 24 * 3600  # far longer than any build takes


class SnapshotError(Exception):
    """A build that failed; the user's previous snapshot, if any, is still the one served."""


@dataclass(frozen=True)
class SnapshotInfo:
    """What a snapshot file holds, as its sidecar `{user_id}.json` records it."""

    file: str  # the file's name in the snapshot folder
    user_id: str
    cursor: str  # where its client pulls on from
    epoch: str
    seq: int  # the log position the file reflects
    schema: str  # the replica schema revision it was written with
    shape: str  # the scope shape and team it was built for: a change makes it stale
    team_id: str | None
    rows: int  # records it holds
    bytes: int
    sha256: str
    built_at: str
    build_seconds: float

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> SnapshotInfo:
        """Raises ValueError for anything but a sidecar this module wrote."""
        document = json.loads(text)
        if not isinstance(document, dict) or set(document) != {f.name for f in fields(cls)}:
            raise ValueError("not a snapshot description")
        info = cls(**document)
        if Path(info.file).name != info.file or not isinstance(info.seq, int):
            raise ValueError(f"bad file name or seq in {text[:200]!r}")
        return info


def sidecar_path(directory: Path, user_id: str) -> Path:
    return directory / f"{user_id}.json"


def read_snapshot_info(directory: Path, *, user_id: str) -> SnapshotInfo | None:
    """The user's snapshot as its sidecar describes it; None if there is none or it is unreadable
    (malformed: logged, and the next build replaces it)."""
    path = sidecar_path(directory, user_id)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError:
        log.warning("Cannot read the snapshot description %s", path, exc_info=True)
        return None
    try:
        return SnapshotInfo.from_json(text)
    except (ValueError, TypeError):
        log.warning("Ignoring the malformed snapshot description %s", path, exc_info=True)
        return None


def usable_snapshot(
    engine: Engine, *, principal: Principal, directory: Path, schema: str, max_lag: int
) -> SnapshotInfo | None:
    """The caller's snapshot if a client of replica schema `schema` may adopt it now: same epoch,
    same scope (a role or team change makes it stale), not older than the tombstones kept, at
    most `max_lag` entries behind the log, and its file still there as recorded."""
    info = read_snapshot_info(directory, user_id=principal.user_id)
    if info is None or info.schema != schema or info.user_id != principal.user_id:
        return None
    if info.shape != scope_shape(principal).value or info.team_id != principal.team_id:
        return None
    with read_connection(engine) as connection:
        epoch, last_seq, tombstone_floor = read_meta(connection)
    if info.epoch != epoch or not tombstone_floor <= info.seq <= last_seq:
        return None
    if last_seq - info.seq > max_lag:
        return None
    try:
        size = (directory / info.file).stat().st_size
    except FileNotFoundError:
        return None
    return info if size == info.bytes else None


def open_snapshot(directory: Path, info: SnapshotInfo) -> BinaryIO | None:
    """The snapshot's file, open for reading; None if a newer build removed it meanwhile. Served
    from the open file, so a removal while it streams does not cut the download short."""
    try:
        file = (directory / info.file).open("rb")
    except FileNotFoundError:
        return None
    if os.fstat(file.fileno()).st_size != info.bytes:
        file.close()
        return None
    return file


def build_snapshot_for_login(engine: Engine, *, login: str, directory: Path) -> SnapshotInfo:
    """`build_snapshot` for the user `login`, seen as their own sign-in would see them."""
    with read_connection(engine) as connection:
        account = account_by_login(connection, login)
    if account is None:
        raise not_found(f"User {login!r}")
    # The settings only tell a closed account's drain window from its end, and both are refused.
    principal = principal_of(account, settings=ServerSettings(), token_kind=ACCESS, client_id=None)
    refuse_closed_account(principal)
    return build_snapshot(engine, principal=principal, directory=directory)


def build_snapshot(engine: Engine, *, principal: Principal, directory: Path) -> SnapshotInfo:
    """Build the caller's snapshot into `directory`, replacing their previous one.

    Raises SnapshotError when it cannot: the previous snapshot then stays as it was."""
    started = time.perf_counter()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        _remove_abandoned_work(directory)
        work = Path(tempfile.mkdtemp(prefix=WORK_PREFIX, dir=directory))
    except OSError as error:
        raise SnapshotError(
            f"Cannot build the snapshot of {principal.login} in {directory}: {error}"
        ) from error
    try:
        info = _build_in(work, engine=engine, principal=principal, started=started)
        _publish(work, info=info, directory=directory)
    except Exception as error:
        raise SnapshotError(
            f"The snapshot of {principal.login} could not be built ({error}); "
            "the previous one, if any, is still served."
        ) from error
    finally:
        _remove_tree(work)
    _remove_older_files(directory, info=info)
    return info


def _build_in(work: Path, *, engine: Engine, principal: Principal, started: float) -> SnapshotInfo:
    """Fill a replica in `work` as a client's first pull would, and compact it into the file
    named by the returned info (still in `work`)."""
    replica_path = work / "replica.sqlite3"
    last = _fill_replica(engine, principal=principal, replica_path=replica_path)
    seq = parse_cursor(last.next_cursor)[1]
    name = f"{principal.user_id}-{seq}-{secrets.token_hex(4)}.sqlite3"
    rows = _compact(replica_path, into=work / name)
    size, digest = _size_and_digest(work / name)
    return SnapshotInfo(
        file=name,
        user_id=principal.user_id,
        cursor=last.next_cursor,
        epoch=last.position.epoch,
        seq=seq,
        schema=SNAPSHOT_SCHEMA,
        shape=scope_shape(principal).value,
        team_id=principal.team_id,
        rows=rows,
        bytes=size,
        sha256=digest,
        built_at=utc_now_iso(),
        build_seconds=round(time.perf_counter() - started, 3),
    )


def _fill_replica(engine: Engine, *, principal: Principal, replica_path: Path) -> PageRows:
    """Pull the caller's scope from the start into a new replica; returns the last page.

    As a client does, the next page is read while the current one is applied: the database
    works on it meanwhile (on PostgreSQL, in a process of its own)."""
    replica = open_replica(replica_path)
    # A client id no installation has: the pull finds no client row, so no scope-change mark.
    client_id = f"snapshot:{principal.user_id}"

    def read(cursor: str | None) -> PageRows:
        return read_page_rows(
            engine, principal=principal, client_id=client_id, cursor=cursor, limit=PAGE_ROWS
        )

    try:
        with replica.begin() as connection:
            start_initial_load(connection)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="snapshot-read") as reader:
            upcoming = reader.submit(read, None)
            while True:
                page = upcoming.result()
                if page.has_more:
                    upcoming = reader.submit(read, page.next_cursor)
                with replica.begin() as connection:
                    apply_changes(
                        connection,
                        changes=_changes(page.rows),
                        pending=set(),
                        deferred_exits=set(),
                    )
                if not page.has_more:
                    break
        finish_initial_load(replica)
    finally:
        replica.dispose()
    return page


def _changes(rows: list[PageRow]) -> list[dict[str, Any]]:
    """Entries as a pull page carries them to the client."""
    return [
        {
            "seq": seq,
            "entity": entity,
            "id": record_id,
            "op": op,
            "version": version,
            "data": None if payload is None else json.loads(payload),
        }
        for seq, entity, record_id, op, version, payload in rows
    ]


def _compact(replica_path: Path, *, into: Path) -> int:
    """Write the replica, compacted and without a -wal beside it, to `into`; returns the records
    it holds."""
    connection = sqlite3.connect(replica_path, isolation_level=None)
    try:
        connection.execute("VACUUM INTO ?", (str(into),))
        return sum(
            int(connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
            for table in entity_tables
        )
    finally:
        connection.close()


def _size_and_digest(path: Path) -> tuple[int, str]:
    """The file's size and SHA-256, once it is on disk: the sidecar that will name it must not
    survive a power cut that its content does not (VACUUM INTO does not sync its output)."""
    digest = hashlib.sha256()
    size = 0
    with path.open("r+b") as file:  # writable: Windows syncs only a handle that may write
        while block := file.read(HASH_BLOCK_BYTES):
            digest.update(block)
            size += len(block)
        os.fsync(file.fileno())
    return size, digest.hexdigest()


def _publish(work: Path, *, info: SnapshotInfo, directory: Path) -> None:
    """Move the built file from `work` into place, then point the sidecar at it (replaced
    atomically: readers see the old snapshot or the new one)."""
    final = directory / info.file
    os.replace(work / info.file, final)
    try:
        written = work / "info.json"
        with written.open("w", encoding="utf-8") as file:
            file.write(info.to_json())
            file.flush()
            os.fsync(file.fileno())
        os.replace(written, sidecar_path(directory, info.user_id))
    except BaseException:
        final.unlink(missing_ok=True)
        raise


def _remove_abandoned_work(directory: Path) -> None:
    """Work folders of builds killed midway (a replica each, gigabytes for a large firm). Only
    old ones: a younger one may be another process's build under way."""
    for path in directory.glob(f"{WORK_PREFIX}*"):
        try:
            age = time.time() - path.stat().st_mtime
        except FileNotFoundError:  # another process removed it just now
            continue
        if age > ABANDONED_WORK_SECONDS:
            log.info("Removing %s, left by a snapshot build that did not finish", path)
            _remove_tree(path)


def _remove_tree(path: Path) -> None:
    try:
        shutil.rmtree(path)
    except OSError:
        log.warning("Could not remove the snapshot work folder %s", path, exc_info=True)


def _remove_older_files(directory: Path, *, info: SnapshotInfo) -> None:
    """The user's earlier files; one still open (a download on Windows) stays until a later
    build removes it."""
    for path in directory.glob(f"{info.user_id}-*.sqlite3"):
        if path.name == info.file:
            continue
        try:
            path.unlink()
        except OSError:
            log.warning("Could not remove the older snapshot %s; a later build will", path)
