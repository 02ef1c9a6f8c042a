"""Export, print and history from the main window: the policy, the lease and the audit queue."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest
from PySide6.QtGui import QPageSize
from PySide6.QtPrintSupport import QPrinter
from sqlalchemy import func, select

from desktop.operations.customers import CustomerFilter
from desktop.operations.export import ExportFormat, pending_audit_events
from desktop.operations.lease import OfflineLease
from desktop.store.schema import entity_tables
from desktop.ui.main_window import MainWindow, Screen
from desktop.ui.record_actions import ExportScope, ExportTarget, RecordActions

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
CUSTOMER = entity_tables["customer"]
CONTACT = entity_tables["contact"]


class Answers:
    """Answers the file and printer questions as a person would, and keeps what was shown."""

    def __init__(self, tmp_path: Path) -> None:
        self.customer_target: ExportTarget | None = None
        self.contact_target: ExportTarget | None = ExportTarget(
            tmp_path / "contacts.vcf", ExportFormat.VCARD
        )
        self.printer: QPrinter | None = None
        self.asked_rows: list[int] = []
        self.told: list[tuple[str, bool]] = []

    def ask_customer_export(self, _parent: object, filtered_rows: int) -> ExportTarget | None:
        self.asked_rows.append(filtered_rows)
        return self.customer_target

    def ask_contact_export(self, _parent: object, _name: str) -> ExportTarget | None:
        return self.contact_target

    def choose_printer(self, _parent: object) -> QPrinter | None:
        return self.printer

    def tell(self, _parent: object, message: str, is_problem: bool) -> None:
        self.told.append((message, is_problem))


def _window(qtbot, ui_context, answers: Answers, lease: OfflineLease | None = None) -> MainWindow:
    actions = partial(
        RecordActions,
        ask_customer_export=answers.ask_customer_export,
        ask_contact_export=answers.ask_contact_export,
        choose_printer=answers.choose_printer,
        tell=answers.tell,
    )
    window = MainWindow(context=ui_context, lease=lease, record_actions=actions)
    qtbot.addWidget(window)
    return window


@pytest.fixture
def answers(tmp_path: Path) -> Answers:
    return Answers(tmp_path)


@pytest.fixture
def window(qtbot, ui_context, answers: Answers) -> MainWindow:
    return _window(qtbot, ui_context, answers)


def _active_customers(engine, industry: str | None = None) -> int:
    query = select(func.count()).select_from(CUSTOMER).where(CUSTOMER.c.archived == 0)
    if industry is not None:
        query = query.where(CUSTOMER.c.industry == industry)
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def _customer_with_contacts(engine) -> tuple[str, int]:
    with engine.connect() as connection:
        row = connection.execute(
            select(CONTACT.c.customer_id, func.count())
            .group_by(CONTACT.c.customer_id)
            .order_by(func.count().desc(), CONTACT.c.customer_id)
            .limit(1)
        ).one()
    return str(row[0]), int(row[1])


def _open_file(qtbot, window: MainWindow, customer_id: str) -> None:
    with qtbot.waitSignal(window.customer_file.file_loaded, timeout=5000):
        window.open_customer(customer_id)


def _run(qtbot, window: MainWindow, action) -> tuple[str, bool]:
    with qtbot.waitSignal(window.records.finished, timeout=10_000) as blocker:
        action.trigger()
    message, is_problem = blocker.args
    return str(message), bool(is_problem)


def test_export_all_customers_writes_every_row_and_queues_the_event(qtbot, window, answers):
    engine = window.context.engine
    out = Path(answers.contact_target.path).with_name("all.csv")  # type: ignore[union-attr]
    answers.customer_target = ExportTarget(out, ExportFormat.CSV, ExportScope.ALL)
    message, is_problem = _run(qtbot, window, window.records.export_customers_action)
    total = _active_customers(engine)
    assert (message, is_problem) == (f"Exported {total} records to all.csv.", False)
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == total
    (event,) = pending_audit_events(engine)
    assert event["action"] == "export" and event["detail"]["count"] == total
    assert answers.told == [(message, False)]
    assert window.statusBar().currentMessage() == message


def test_export_of_the_filtered_list_writes_only_the_rows_shown(qtbot, window, answers, tmp_path):
    engine = window.context.engine
    with engine.connect() as connection:
        industry = connection.execute(select(CUSTOMER.c.industry).limit(1)).scalar_one()
    window.show_screen(Screen.CUSTOMERS)
    with qtbot.waitSignal(window.customers.model.loaded, timeout=5000):
        window.customers.model.set_filter(CustomerFilter(industry=industry))
    shown = _active_customers(engine, industry)
    assert 0 < shown < _active_customers(engine)
    answers.customer_target = ExportTarget(
        tmp_path / "shown.xlsx", ExportFormat.XLSX, ExportScope.FILTERED
    )
    message, _ = _run(qtbot, window, window.records.export_customers_action)
    assert answers.asked_rows == [shown]
    assert message == f"Exported {shown} records to shown.xlsx."
    assert (tmp_path / "shown.xlsx").stat().st_size > 0


def test_a_policy_that_forbids_exports_refuses_plainly(qtbot, window, answers, tmp_path):
    window.context.settings.set("policy.export_allowed", False)
    answers.customer_target = ExportTarget(tmp_path / "no.csv", ExportFormat.CSV)
    message, is_problem = _run(qtbot, window, window.records.export_customers_action)
    assert is_problem and "turned off by your firm's policy" in message and "recorded" in message
    assert not (tmp_path / "no.csv").exists()
    assert [e["action"] for e in pending_audit_events(window.context.engine)] == ["export_refused"]


def test_the_row_cap_is_reported(qtbot, window, answers, tmp_path):
    window.context.settings.set("policy.export_max_rows", 2)
    answers.customer_target = ExportTarget(tmp_path / "two.csv", ExportFormat.CSV)
    message, is_problem = _run(qtbot, window, window.records.export_customers_action)
    assert not is_problem and "only the first 2 of" in message and "at most 2 rows" in message


def test_a_locked_lease_refuses_the_export(qtbot, ui_context, answers, tmp_path):
    lease = OfflineLease(
        last_sync_at=lambda: datetime(2020, 1, 1, tzinfo=UTC), max_offline_days=lambda: 7
    )
    window = _window(qtbot, ui_context, answers, lease=lease)
    assert window.lease_gate is not None and window.lease_gate.is_locked
    answers.customer_target = ExportTarget(tmp_path / "locked.csv", ExportFormat.CSV)
    message, is_problem = _run(qtbot, window, window.records.export_customers_action)
    assert is_problem and "Customer data is locked" in message
    assert not (tmp_path / "locked.csv").exists()


def test_cancelling_the_file_question_does_nothing(qtbot, window, answers):
    answers.customer_target = None
    window.records.export_customers_action.trigger()
    qtbot.wait(50)
    assert answers.told == [] and pending_audit_events(window.context.engine) == []


def test_the_customer_file_exports_its_contacts_as_vcard(qtbot, window, answers):
    engine = window.context.engine
    customer_id, contacts = _customer_with_contacts(engine)
    assert not window.records.export_contacts_action.isEnabled()  # no customer open yet
    _open_file(qtbot, window, customer_id)
    assert window.records.export_contacts_action.isEnabled()
    message, is_problem = _run(qtbot, window, window.records.export_contacts_action)
    assert (message, is_problem) == (f"Exported {contacts} records to contacts.vcf.", False)
    text = answers.contact_target.path.read_text(encoding="utf-8")  # type: ignore[union-attr]
    assert text.count("BEGIN:VCARD") == contacts
    (event,) = pending_audit_events(engine)
    assert event["detail"]["what"] == "contacts" and event["detail"]["format"] == "vcard"


def test_print_records_the_event_then_prints(qtbot, window, answers, tmp_path):
    engine = window.context.engine
    customer_id, _ = _customer_with_contacts(engine)
    _open_file(qtbot, window, customer_id)
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setOutputFileName(str(tmp_path / "file.pdf"))
    answers.printer = printer
    message, is_problem = _run(qtbot, window, window.records.print_action)
    assert not is_problem and "to the printer" in message
    (event,) = pending_audit_events(engine)
    assert event["action"] == "print" and event["detail"]["ids"] == [customer_id]
    assert (tmp_path / "file.pdf").read_bytes().startswith(b"%PDF")


def test_a_cancelled_print_dialog_records_nothing(qtbot, window, answers):
    customer_id, _ = _customer_with_contacts(window.context.engine)
    _open_file(qtbot, window, customer_id)
    answers.printer = None
    window.records.print_action.trigger()
    qtbot.wait(50)
    assert pending_audit_events(window.context.engine) == []
