"""Export, print and history of customer records, as menu actions of the main window.

Every export and print goes through `desktop.operations.export`, which applies the firm's policy
and the offline lease and queues the audit event; this module only asks where to write (or which
printer), runs the operation on the database thread and says plainly what happened.

The questions (file name, printer) are functions passed in, so tests answer them without opening
a dialog; the defaults open the platform's dialogs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtGui import QAction, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget
from sqlalchemy import Engine

from desktop.domain.models import CustomerFile
from desktop.operations.customers import MAX_PAGE, CustomerFilter, list_customers
from desktop.operations.export import (
    ExportFailed,
    ExportFormat,
    ExportPolicy,
    ExportRefused,
    ExportResult,
    export_contacts,
    export_customers,
    record_print,
)
from desktop.operations.lease import LeaseStatus
from desktop.sync.export_policy import effective_export_policy
from desktop.ui.context import UiContext

CONTEXT = "RecordActions"
log = logging.getLogger(__name__)


class ExportScope(StrEnum):
    FILTERED = "filtered"  # the rows the customer list's filter shows
    ALL = "all"  # every customer in this copy


@dataclass(frozen=True)
class ExportTarget:
    path: Path
    format: ExportFormat
    scope: ExportScope = ExportScope.ALL


AskCustomerExport = Callable[[QWidget, int], ExportTarget | None]
"""(parent, rows the filter shows) -> where and what to export, or None when cancelled."""
AskContactExport = Callable[[QWidget, str], ExportTarget | None]
"""(parent, customer name) -> the vCard file to write, or None when cancelled."""
ChoosePrinter = Callable[[QWidget], QPrinter | None]
"""(parent) -> the printer the person chose, or None when cancelled."""
Tell = Callable[[QWidget, str, bool], None]
"""(parent, message, is_problem): shows the outcome of an export or print."""


def _tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


def ask_customer_export_with_dialogs(parent: QWidget, filtered_rows: int) -> ExportTarget | None:
    scope = ExportScope.ALL
    if filtered_rows:
        box = QMessageBox(parent)
        box.setWindowTitle(_tr("Export customers"))
        box.setText(_tr("Export the customers the list shows now, or all customers?"))
        shown = box.addButton(
            _tr("The %1 shown").replace("%1", str(filtered_rows)),
            QMessageBox.ButtonRole.AcceptRole,
        )
        every = box.addButton(_tr("All customers"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        if box.clickedButton() not in (shown, every):
            return None
        scope = ExportScope.FILTERED if box.clickedButton() is shown else ExportScope.ALL
    name, chosen_filter = QFileDialog.getSaveFileName(
        parent, _tr("Export customers"), "customers.xlsx", "Excel (*.xlsx);;CSV (*.csv)"
    )
    if not name:
        return None
    path = Path(name)
    csv = path.suffix.lower() == ".csv" or (not path.suffix and "csv" in chosen_filter.lower())
    return ExportTarget(path, ExportFormat.CSV if csv else ExportFormat.XLSX, scope)


def ask_contact_export_with_dialog(parent: QWidget, customer_name: str) -> ExportTarget | None:
    name, _filter = QFileDialog.getSaveFileName(
        parent, _tr("Export contacts"), f"{customer_name}.vcf", "vCard (*.vcf)"
    )
    return ExportTarget(Path(name), ExportFormat.VCARD) if name else None


def choose_printer_with_dialog(parent: QWidget) -> QPrinter | None:
    printer = QPrinter()
    dialog = QPrintDialog(printer, parent)
    return printer if dialog.exec() == QPrintDialog.DialogCode.Accepted else None


def tell_with_message_box(parent: QWidget, message: str, is_problem: bool) -> None:
    if is_problem:
        QMessageBox.warning(parent, _tr("Not done"), message)
    else:
        QMessageBox.information(parent, _tr("Done"), message)


def filtered_customer_ids(engine: Engine, *, criteria: CustomerFilter) -> list[str]:
    """Every id the filter matches, page by page (runs on the database thread)."""
    ids: list[str] = []
    total: int | None = None
    while total is None or len(ids) < total:
        page = list_customers(
            engine, criteria=criteria, offset=len(ids), limit=MAX_PAGE, known_total=total
        )
        total = page.total
        if not page.rows:
            break
        ids.extend(row.id for row in page.rows)
    return ids


def customer_file_html(file: CustomerFile) -> str:
    """The printed page: the customer's facts and contacts, escaped as plain text."""
    from html import escape

    customer = file.customer
    facts = [
        (_tr("Industry"), customer.industry),
        (_tr("Phone"), customer.phone),
        (_tr("E-mail"), customer.email),
        (_tr("Address"), customer.address),
    ]
    rows = "".join(
        f"<tr><td>{escape(label)}</td><td>{escape(str(value))}</td></tr>"
        for label, value in facts
        if value
    )
    contacts = "".join(
        f"<li>{escape(contact.name)} {escape(contact.title or '')} "
        f"{escape(contact.mobile or contact.phone or '')}</li>"
        for contact in file.contacts
    )
    return (
        f"<h1>{escape(customer.name)}</h1><table>{rows}</table>"
        f"<h2>{escape(_tr('Contacts'))}</h2><ul>{contacts}</ul>"
    )


class RecordActions(QObject):
    """The actions; `lease` gives the lease gate's current status (None: no lease applies)."""

    history_requested = Signal(str)  # customer id: the window opens the audit log on it
    finished = Signal(str, bool)  # message, is_problem (after it was shown)

    def __init__(
        self,
        *,
        context: UiContext,
        parent_widget: QWidget,
        criteria: Callable[[], CustomerFilter],
        filtered_rows: Callable[[], int],
        current_file: Callable[[], CustomerFile | None],
        lease: Callable[[], LeaseStatus | None],
        ask_customer_export: AskCustomerExport = ask_customer_export_with_dialogs,
        ask_contact_export: AskContactExport = ask_contact_export_with_dialog,
        choose_printer: ChoosePrinter = choose_printer_with_dialog,
        tell: Tell = tell_with_message_box,
    ) -> None:
        super().__init__(parent_widget)
        self._context = context
        self._parent = parent_widget
        self._criteria = criteria
        self._filtered_rows = filtered_rows
        self._current_file = current_file
        self._lease = lease
        self._ask_customer_export = ask_customer_export
        self._ask_contact_export = ask_contact_export
        self._choose_printer = choose_printer
        self._tell = tell
        self.export_customers_action = QAction(parent_widget)
        self.export_customers_action.setObjectName("export_customers")
        self.export_customers_action.triggered.connect(self.export_customer_list)
        self.export_contacts_action = QAction(parent_widget)
        self.export_contacts_action.setObjectName("export_contacts")
        self.export_contacts_action.triggered.connect(self.export_customer_contacts)
        self.print_action = QAction(parent_widget)
        self.print_action.setObjectName("print_customer")
        self.print_action.triggered.connect(self.print_customer)
        self.history_action = QAction(parent_widget)
        self.history_action.setObjectName("customer_history")
        self.history_action.setVisible(False)  # administrators only: see `enable_history`
        self.history_action.triggered.connect(self._on_history_triggered)
        self.set_customer_open(False)
        self.retranslate()

    def retranslate(self) -> None:
        self.export_customers_action.setText(_tr("Export customers…"))
        self.export_contacts_action.setText(_tr("Export contacts (vCard)…"))
        self.print_action.setText(_tr("Print…"))
        self.history_action.setText(_tr("History"))

    def add_to_menus(self, *, file_menu: QMenu, go_menu: QMenu) -> None:
        """Export and print in their own group at the end of File, above its last entry (Quit);
        History at the end of Go."""
        entries = file_menu.actions()
        last = entries[-1] if entries else None
        group = [self.export_customers_action, self.export_contacts_action, self.print_action]
        file_menu.insertActions(last, group)  # type: ignore[arg-type]  # None appends
        file_menu.insertSeparator(last)  # type: ignore[arg-type]
        go_menu.addAction(self.history_action)

    def set_customer_open(self, is_open: bool) -> None:
        """The customer-file actions apply only while a customer's file is on screen."""
        for action in (self.export_contacts_action, self.print_action, self.history_action):
            action.setEnabled(is_open)

    def enable_history(self) -> None:
        self.history_action.setVisible(True)

    def _policy(self) -> ExportPolicy:
        # This machine's policy made stricter by the server's (a small read of the sync state).
        return effective_export_policy(self._context.engine, setting=self._context.settings.get)

    # --- export ----------------------------------------------------------------------------
    def export_customer_list(self) -> None:
        target = self._ask_customer_export(self._parent, self._filtered_rows())
        if target is None:
            return
        engine, policy, lease = self._context.engine, self._policy(), self._lease()
        criteria = self._criteria() if target.scope is ExportScope.FILTERED else None

        def export() -> ExportResult:
            ids = None if criteria is None else filtered_customer_ids(engine, criteria=criteria)
            return export_customers(
                engine,
                fmt=target.format,
                out=target.path,
                policy=policy,
                customer_ids=ids,
                lease=lease,
            )

        self._run_export(export, policy)

    def export_customer_contacts(self) -> None:
        file = self._current_file()
        if file is None:
            return
        target = self._ask_contact_export(self._parent, file.customer.name)
        if target is None:
            return
        engine, policy, lease = self._context.engine, self._policy(), self._lease()
        customer_ids: Sequence[str] = (file.customer.id,)
        self._run_export(
            lambda: export_contacts(
                engine,
                out=target.path,
                policy=policy,
                customer_ids=customer_ids,
                fmt=target.format,
                lease=lease,
            ),
            policy,
        )

    def _run_export(self, export: Callable[[], ExportResult], policy: ExportPolicy) -> None:
        self._context.tasks.run_db(
            export,
            on_done=lambda result: self._show(result.message(policy), is_problem=False),
            on_error=self._on_export_error,
            owner=self,
        )

    def _on_export_error(self, error: BaseException) -> None:
        if isinstance(error, ExportRefused):
            # The refusal is already in the audit queue; say so, so nobody retries in secret.
            self._show(_tr("Export refused: %1 (This was recorded.)").replace("%1", str(error)))
        elif isinstance(error, ExportFailed | ValueError):
            self._show(str(error))
        else:  # not a situation the person caused: keep the traceback for support
            log.error("export failed", exc_info=error)
            self._show(_tr("Export failed: %1").replace("%1", str(error)))

    # --- print -----------------------------------------------------------------------------
    def print_customer(self) -> None:
        file = self._current_file()
        if file is None:
            return
        lease = self._lease()
        if lease is not None and lease.locked:
            self._show(lease.message)
            return
        printer = self._choose_printer(self._parent)
        if printer is None:
            return
        engine, customer_id = self._context.engine, file.customer.id
        # Logged before the page goes to the printer: a print that fails halfway is still a
        # print attempt worth knowing about, an unlogged print is not acceptable.
        self._context.tasks.run_db(
            lambda: record_print(engine, what="customer_file", customer_ids=[customer_id]),
            on_done=lambda _event: self._print(printer, file),
            on_error=self._on_print_error,
            owner=self,
        )

    def _on_print_error(self, error: BaseException) -> None:
        log.error("could not record a print", exc_info=error)
        self._show(_tr("Not printed: %1").replace("%1", str(error)))

    def _print(self, printer: QPrinter, file: CustomerFile) -> None:
        document = QTextDocument()
        document.setHtml(customer_file_html(file))
        document.print_(printer)
        self._show(_tr("Sent %1 to the printer.").replace("%1", file.customer.name), False)

    # --- history ---------------------------------------------------------------------------
    def _on_history_triggered(self) -> None:
        file = self._current_file()
        if file is not None:
            self.history_requested.emit(file.customer.id)

    def _show(self, message: str, is_problem: bool = True) -> None:
        self._tell(self._parent, message, is_problem)
        self.finished.emit(message, is_problem)
