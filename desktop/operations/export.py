"""Export control: customers to CSV / XLSX, contacts to vCard, each export or print on the record.

The firm's file must not walk out in a spreadsheet unnoticed. So every export and print, and every
export the policy refuses, becomes an audit event. Events are queued in the replica itself (the
`sync_state` table, key `pending_audit_events`) in the same transaction that decides the export,
and the sync layer uploads them to the server's audit log (`desktop.sync.admin_client`) when it
is online. Queuing in the replica means an offline export is logged as surely as an online one,
and a wiped laptop takes no unsent event with it, because the drain uploads them first.

Policy (set by IT): `policy.export_allowed` (False refuses every export) and
`policy.export_max_rows` (exports larger than this are cut to the first rows, and say so).

Files are written to a temporary name next to the target and renamed into place only after the
event is queued: a failed export leaves neither a half-written file nor an unlogged complete one.
Qt-free; callers run these on the database thread.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select

from desktop.operations.lease import LeaseStatus
from desktop.store.changes import utc_now
from desktop.store.schema import entity_tables, sync_state
from protocol.entities import CONTACT, CUSTOMER

PENDING_AUDIT_EVENTS = "pending_audit_events"  # sync_state key: JSON list of queued events
# An event lists at most this many record ids; the count is always exact.
MAX_IDS_PER_EVENT = 200
# Cells starting with these are formulas to Excel and LibreOffice: a customer named "=HYPERLINK(..)"
# must stay text in the exported sheet (CSV / formula injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

CUSTOMER_COLUMNS: tuple[str, ...] = ("id", *CUSTOMER.field_names)
CONTACT_COLUMNS: tuple[str, ...] = ("id", *CONTACT.field_names)


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    VCARD = "vcard"


class AuditAction(StrEnum):
    EXPORT = "export"
    EXPORT_REFUSED = "export_refused"
    PRINT = "print"


class ExportRefused(PermissionError):
    """The firm's policy forbids this export; the refusal itself is already logged."""


class ExportFailed(OSError):
    """The file could not be written; nothing was left behind and nothing was logged."""


@dataclass(frozen=True)
class ExportPolicy:
    allowed: bool = True
    max_rows: int | None = None  # None or 0: no cap

    def __post_init__(self) -> None:
        if self.max_rows is not None and self.max_rows < 0:
            raise ValueError(f"policy.export_max_rows must be 0 or more, not {self.max_rows}.")

    @classmethod
    def from_settings(cls, get: Callable[[str], Any]) -> ExportPolicy:
        """From the layered settings (`Settings.get`): IT sets these machine-wide."""
        return cls(
            allowed=bool(get("policy.export_allowed")),
            max_rows=int(get("policy.export_max_rows")) or None,
        )

    def stricter(self, other: ExportPolicy) -> ExportPolicy:
        """Both policies at once (this machine's settings and the server's): the tighter wins."""
        caps = [cap for cap in (self.max_rows, other.max_rows) if cap]
        return ExportPolicy(
            allowed=self.allowed and other.allowed, max_rows=min(caps) if caps else None
        )


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: ExportFormat
    rows: int  # rows written
    available: int  # rows the selection held
    event_id: str

    @property
    def capped(self) -> bool:
        return self.rows < self.available

    def message(self, policy: ExportPolicy) -> str:
        if self.capped:
            return (
                f"Exported only the first {self.rows} of {self.available} records to "
                f"{self.path.name}: your firm allows at most {policy.max_rows} rows per export."
            )
        return f"Exported {self.rows} records to {self.path.name}."


@dataclass(frozen=True)
class AuditEvent:
    """One queued event, as the server's audit endpoint receives it."""

    id: str
    at: str
    action: AuditAction
    detail: Mapping[str, Any]

    def to_wire(self) -> dict[str, Any]:
        return {"id": self.id, "at": self.at, "action": self.action.value, "detail": self.detail}


# --- the audit queue ----------------------------------------------------------------------------
def _read_queue(connection: Connection) -> list[dict[str, Any]]:
    row = connection.execute(
        select(sync_state.c.value).where(sync_state.c.key == PENDING_AUDIT_EVENTS)
    ).first()
    if row is None or not row[0]:
        return []
    events = json.loads(row[0])
    if not isinstance(events, list):
        raise ValueError("The queued audit events in this replica are damaged (not a list).")
    return events


def _write_queue(connection: Connection, events: list[dict[str, Any]]) -> None:
    text = json.dumps(events, ensure_ascii=False)
    updated = connection.execute(
        sync_state.update().where(sync_state.c.key == PENDING_AUDIT_EVENTS).values(value=text)
    )
    if updated.rowcount == 0:
        connection.execute(sync_state.insert().values(key=PENDING_AUDIT_EVENTS, value=text))


def queue_audit_event(
    connection: Connection, *, action: AuditAction, detail: Mapping[str, Any]
) -> AuditEvent:
    """Queue an event for upload, inside the caller's transaction."""
    event = AuditEvent(id=str(uuid.uuid4()), at=utc_now(), action=action, detail=dict(detail))
    events = _read_queue(connection)
    events.append(event.to_wire())
    _write_queue(connection, events)
    return event


def pending_audit_events(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return _read_queue(connection)


def forget_audit_events(engine: Engine, *, event_ids: Iterable[str]) -> int:
    """Drop events the server has recorded; returns how many are still queued."""
    done = set(event_ids)
    with engine.begin() as connection:
        remaining = [event for event in _read_queue(connection) if event.get("id") not in done]
        _write_queue(connection, remaining)
        return len(remaining)


def record_print(engine: Engine, *, what: str, customer_ids: Sequence[str]) -> AuditEvent:
    """Log a print (the UI calls this before handing the page to the printer)."""
    with engine.begin() as connection:
        return queue_audit_event(
            connection, action=AuditAction.PRINT, detail=_detail(what, customer_ids, None)
        )


def _detail(what: str, ids: Sequence[str], fmt: ExportFormat | None) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "what": what,
        "count": len(ids),
        "ids": list(ids[:MAX_IDS_PER_EVENT]),
    }
    if fmt is not None:
        detail["format"] = fmt.value
    return detail


# --- reading the selection ----------------------------------------------------------------------
def _customer_rows(
    connection: Connection, customer_ids: Sequence[str] | None
) -> list[dict[str, Any]]:
    table = entity_tables["customer"]
    query = select(*(table.c[name] for name in CUSTOMER_COLUMNS)).where(table.c.archived == 0)
    if customer_ids is not None:
        query = query.where(table.c.id.in_(list(customer_ids)))
    ordered = query.order_by(table.c.name, table.c.id)
    return [dict(row) for row in connection.execute(ordered).mappings()]


def _contact_rows(
    connection: Connection, customer_ids: Sequence[str] | None
) -> list[dict[str, Any]]:
    contact = entity_tables["contact"]
    customer = entity_tables["customer"]
    query = (
        select(*(contact.c[name] for name in CONTACT_COLUMNS), customer.c.name.label("employer"))
        .join(customer, customer.c.id == contact.c.customer_id)
        .where(contact.c.archived == 0, customer.c.archived == 0)
    )
    if customer_ids is not None:
        query = query.where(contact.c.customer_id.in_(list(customer_ids)))
    return [
        dict(row)
        for row in connection.execute(query.order_by(contact.c.name, contact.c.id)).mappings()
    ]


# --- writing files ------------------------------------------------------------------------------
def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


@contextmanager
def _staged_file(target: Path) -> Iterator[Path]:
    """A temporary file beside `target`; removed unless the caller renamed it into place."""
    folder = target.parent
    if not folder.is_dir():
        raise ExportFailed(f"Cannot export to {target}: the folder {folder} does not exist.")
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    except OSError as error:
        raise ExportFailed(f"Cannot write in {folder}: {error.strerror or error}.") from error
    os.close(handle)
    staged = Path(name)
    try:
        yield staged
    finally:
        staged.unlink(missing_ok=True)


def _write_csv(path: Path, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> None:
    # utf-8-sig: Excel on Chinese Windows reads a BOM-less CSV as GBK and garbles the names.
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row[c] is None else _cell(row[c]) for c in columns])


def _write_xlsx(path: Path, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> None:
    # Imported here: every `fieldbook` command loads this module, few of them write Excel.
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("customers")
    sheet.append(list(columns))
    for row in rows:
        sheet.append([_cell(row[c]) for c in columns])
    workbook.save(path)


def _vcard_text(value: object) -> str:
    """RFC 2426 text escaping: backslash, newline, comma and semicolon."""
    text = str(value).replace("\\", "\\\\").replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\n", "\\n").replace(",", "\\,").replace(";", "\\;")


def _vcard_line(name: str, value: str) -> str:
    """One content line, folded at 75 octets without splitting a UTF-8 character."""
    line = f"{name}:{value}".encode()
    parts: list[bytes] = []
    limit = 75
    while len(line) > limit:
        cut = limit
        while cut > 0 and (line[cut] & 0xC0) == 0x80:  # inside a multi-byte character
            cut -= 1
        parts.append(line[:cut])
        line = line[cut:]
        limit = 74  # continuation lines start with a space
    parts.append(line)
    return "\r\n ".join(part.decode() for part in parts) + "\r\n"


def _vcard(row: Mapping[str, Any]) -> str:
    """A vCard 3.0 for one contact. Written directly (vobject took ~4 ms a card, which made a
    firm's contact export take minutes); the tests read every card back with vobject."""
    name = _vcard_text(row["name"])
    lines = [
        "BEGIN:VCARD\r\n",
        "VERSION:3.0\r\n",
        _vcard_line("FN", name),
        # Chinese names are not split into given and family name: the whole name is `family`.
        _vcard_line("N", f"{name};;;;"),
        _vcard_line("UID", f"urn:uuid:{row['id']}"),
    ]
    optional = (
        ("ORG", "employer"),
        ("TITLE", "title"),
        ("TEL;TYPE=WORK", "phone"),
        ("TEL;TYPE=CELL", "mobile"),
        ("EMAIL;TYPE=INTERNET", "email"),
        ("BDAY", "birthday"),
        ("NOTE", "notes"),
    )
    for property_name, field_name in optional:
        if row.get(field_name):
            lines.append(_vcard_line(property_name, _vcard_text(row[field_name])))
    if row.get("address"):
        lines.append(_vcard_line("ADR", f";;{_vcard_text(row['address'])};;;;"))
    lines.append("END:VCARD\r\n")
    return "".join(lines)


def _write_vcards(path: Path, _columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        for row in rows:
            stream.write(_vcard(row))


WRITERS = {ExportFormat.CSV: _write_csv, ExportFormat.XLSX: _write_xlsx}


# --- the operations -----------------------------------------------------------------------------
def _refuse(engine: Engine, *, what: str, fmt: ExportFormat, reason: str) -> ExportRefused:
    with engine.begin() as connection:
        queue_audit_event(
            connection,
            action=AuditAction.EXPORT_REFUSED,
            detail={"what": what, "format": fmt.value, "reason": reason},
        )
    return ExportRefused(reason)


def _export(
    engine: Engine,
    *,
    what: str,
    fmt: ExportFormat,
    out: Path,
    policy: ExportPolicy,
    rows: list[dict[str, Any]],
    columns: Sequence[str],
) -> ExportResult:
    available = len(rows)
    if policy.max_rows:
        rows = rows[: policy.max_rows]
    writer = _write_vcards if fmt is ExportFormat.VCARD else WRITERS[fmt]
    with _staged_file(out) as staged:
        try:
            writer(staged, columns, rows)
        except OSError as error:
            raise ExportFailed(f"Could not write {out}: {error.strerror or error}.") from error
        with engine.begin() as connection:
            detail = _detail(what, [str(row["id"]) for row in rows], fmt)
            detail.update(available=available, file_name=out.name)
            event = queue_audit_event(connection, action=AuditAction.EXPORT, detail=detail)
        try:
            os.replace(staged, out)
        except OSError as error:
            # The event stays: over-reporting an attempt is safer than losing a real export.
            raise ExportFailed(f"Could not save {out}: {error.strerror or error}.") from error
    return ExportResult(out, fmt, len(rows), available, event.id)


def _check_allowed(
    engine: Engine,
    *,
    what: str,
    fmt: ExportFormat,
    policy: ExportPolicy,
    lease: LeaseStatus | None,
) -> None:
    if not policy.allowed:
        raise _refuse(
            engine,
            what=what,
            fmt=fmt,
            reason="Exporting is turned off by your firm's policy. Ask your administrator.",
        )
    if lease is not None and lease.locked:
        # A locked copy hides customer data on screen; a file would carry it out instead.
        raise _refuse(engine, what=what, fmt=fmt, reason=lease.message)


def export_customers(
    engine: Engine,
    *,
    fmt: ExportFormat,
    out: Path,
    policy: ExportPolicy,
    customer_ids: Sequence[str] | None = None,
    lease: LeaseStatus | None = None,
) -> ExportResult:
    """Customers (not archived; all in the replica, or the given ones) to CSV or XLSX.
    A locked offline lease refuses like the policy does."""
    if fmt not in WRITERS:
        raise ValueError(f"Customers export to csv or xlsx, not {fmt.value}.")
    _check_allowed(engine, what="customers", fmt=fmt, policy=policy, lease=lease)
    with engine.connect() as connection:
        rows = _customer_rows(connection, customer_ids)
    return _export(
        engine,
        what="customers",
        fmt=fmt,
        out=out,
        policy=policy,
        rows=rows,
        columns=CUSTOMER_COLUMNS,
    )


def export_contacts(
    engine: Engine,
    *,
    out: Path,
    policy: ExportPolicy,
    customer_ids: Sequence[str] | None = None,
    fmt: ExportFormat = ExportFormat.VCARD,
    lease: LeaseStatus | None = None,
) -> ExportResult:
    """Contacts (of all customers in the replica, or of the given ones) to vCard 3.0 or CSV."""
    if fmt is ExportFormat.XLSX:
        raise ValueError("Contacts export to vcard or csv, not xlsx.")
    _check_allowed(engine, what="contacts", fmt=fmt, policy=policy, lease=lease)
    with engine.connect() as connection:
        rows = _contact_rows(connection, customer_ids)
    return _export(
        engine,
        what="contacts",
        fmt=fmt,
        out=out,
        policy=policy,
        rows=rows,
        columns=(*CONTACT_COLUMNS, "employer"),
    )
