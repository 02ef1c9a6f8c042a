"""Screenshots of every main screen and dialog, in English and Simplified Chinese.

    python -m desktop.ui.screenshots --out DIR [--size tiny|small|medium] [--language en ...]

Builds a demo replica (`protocol.demo_firm` loaded through `desktop.store.bulk`) in a temporary
folder, opens each screen on it as the busiest account manager, waits for the screen's data to
arrive from the database thread, and saves `DIR/<language>/<screen>.png` with `widget.grab()`.
Runs headless (the offscreen platform) when there is no display. For visual review of layouts
and translations, and for the user guide.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from PySide6.QtCore import QEventLoop, QLocale, QTimer, SignalInstance
from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy import Engine, func, select

from desktop.settings import Settings
from desktop.store.bulk import load_demo_firm, upsert_rows
from desktop.store.changes import read_record
from desktop.store.replica import open_replica
from desktop.store.schema import entity_tables
from desktop.sync.errors import Offline
from desktop.ui.context import UiContext
from desktop.ui.i18n import Translations, configure_fonts
from desktop.ui.log_activity_dialog import LogActivityDialog
from desktop.ui.login_dialog import LoginDialog, sign_in_failure_message
from desktop.ui.main_window import MainWindow, QuitChoice, Screen
from desktop.ui.my_day_view import MyDayView
from desktop.ui.new_customer_dialog import NewCustomerDialog
from desktop.ui.pipeline_view import PipelineView
from desktop.ui.qt_compat import guard_signal_emit_refcount
from desktop.ui.search_palette import SearchPaletteDialog
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.shortcuts import ShortcutHelpDialog
from desktop.ui.sync_controller import SyncController
from desktop.ui.sync_inbox_view import SyncInboxView
from desktop.ui.task_runner import TaskRunner
from protocol.demo_firm import SIZES, DemoFirm, generate_firm

SCREEN_SIZE = (1180, 760)
DIALOG_SIZE = (560, 480)
LOAD_TIMEOUT_MS = 30_000
LANGUAGES = ("en", "zh_CN")
SEARCH_TEXT = {"en": "trade", "zh_CN": "贸易"}  # what the search palette shows a search for


@dataclass(frozen=True)
class DemoReplica:
    engine: Engine
    user_id: str | None  # the account manager whose day and board are shown
    customer_id: str  # a customer of theirs, for the customer file
    user_name: str  # their display name, for the status bar


def busiest_account_manager(engine: Engine) -> str | None:
    """The assignee with the most open follow-ups: the fullest "My day" to show."""
    followup = entity_tables["followup"]
    with engine.connect() as connection:
        row = connection.execute(
            select(followup.c.assignee_id, func.count().label("open"))
            .where(followup.c.done.is_not(True), followup.c.assignee_id.is_not(None))
            .group_by(followup.c.assignee_id)
            .order_by(func.count().desc(), followup.c.assignee_id)
            .limit(1)
        ).first()
    return None if row is None else str(row.assignee_id)


def add_sample_inbox(engine: Engine, firm: DemoFirm, *, user_id: str | None) -> None:
    """A lost phone edit and a refused address change, as the server would send them: the demo
    firm has none, and an empty inbox shows nothing worth reviewing."""
    first, second = firm.customer_id(0), firm.customer_id(1)
    colleague = next((u.id for u in firm.account_managers if u.id != user_id), None)
    stamp = datetime.combine(firm.today, datetime.min.time(), tzinfo=UTC)
    with engine.begin() as connection:
        kept_phone = read_record(connection, entity="customer", record_id=first)["phone"]
        upsert_rows(
            connection,
            entity="conflict",
            rows=[
                {
                    "id": "00000000-0000-4000-8000-00000000c001",
                    "customer_id": first,
                    "entity": "customer",
                    "entity_id": first,
                    "field": "phone",
                    "kept_value": json.dumps(kept_phone, ensure_ascii=False),
                    "lost_value": json.dumps("021-6288 1234"),
                    "lost_by": user_id,
                    "won_by": colleague,
                    "created_at": stamp.replace(hour=9).isoformat().replace("+00:00", "Z"),
                    "version": 1,
                }
            ],
        )
        upsert_rows(
            connection,
            entity="sync_error",
            rows=[
                {
                    "id": "00000000-0000-4000-8000-00000000e001",
                    "user_id": user_id,
                    "mutation_id": 12,
                    "entity": "customer",
                    "entity_id": second,
                    "code": "forbidden",
                    "message": "The customer was reassigned to another account manager.",
                    "rejected": json.dumps({"address": "上海市浦东新区世纪大道 100 号"}),
                    "created_at": stamp.replace(hour=10).isoformat().replace("+00:00", "Z"),
                    "version": 1,
                }
            ],
        )


def prepare_demo_replica(path: Path, *, size: str, today: date) -> DemoReplica:
    engine = open_replica(path)
    firm = generate_firm(size=size, today=today)
    load_demo_firm(engine, firm)
    user_id = busiest_account_manager(engine)
    add_sample_inbox(engine, firm, user_id=user_id)
    return DemoReplica(
        engine, user_id, _a_customer_of(engine, user_id), _display_name(engine, user_id)
    )


def _display_name(engine: Engine, user_id: str | None) -> str:
    if user_id is None:
        return ""
    with engine.connect() as connection:
        return str(read_record(connection, entity="user", record_id=user_id)["display_name"])


def _a_customer_of(engine: Engine, user_id: str | None) -> str:
    """The user's customer with the most activities: the fullest customer file to show."""
    activity = entity_tables["activity"]
    customer = entity_tables["customer"]
    query = (
        select(customer.c.id)
        .join(activity, activity.c.customer_id == customer.c.id)
        .group_by(customer.c.id)
        .order_by(func.count().desc(), customer.c.id)
        .limit(1)
    )
    if user_id is not None:
        query = query.where(customer.c.owner_id == user_id)
    with engine.connect() as connection:
        return str(connection.execute(query).scalar_one())


def take_screenshots(
    *,
    out_dir: Path,
    replica: DemoReplica,
    work_dir: Path,
    languages: Sequence[str] = LANGUAGES,
) -> list[Path]:
    """Save every screen in every language; returns the files written. Needs a QApplication."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        raise RuntimeError("take_screenshots needs a QApplication (widgets) to exist.")
    previous_font, previous_locale = app.font(), QLocale()
    translations = Translations(app)
    configure_fonts(app)
    written: list[Path] = []
    try:
        for language in languages:
            translations.apply(language)
            if translations.missing:
                print(f"note: not found: {', '.join(translations.missing)}", file=sys.stderr)
            target = out_dir / language
            target.mkdir(parents=True, exist_ok=True)
            with _screen_context(replica, work_dir / f"settings-{language}") as context:
                screens = _screens(
                    context,
                    customer_id=replica.customer_id,
                    search_text=SEARCH_TEXT[language],
                    user_name=replica.user_name,
                )
                for name, build in screens:
                    widget = build()
                    try:
                        path = target / f"{name}.png"
                        if not widget.grab().save(str(path)):
                            raise OSError(f"Could not write {path}.")
                        written.append(path)
                    finally:
                        widget.close()
                        widget.deleteLater()
    finally:
        translations.apply("en")
        QLocale.setDefault(previous_locale)
        app.setFont(previous_font)
    return written


@contextmanager
def _screen_context(replica: DemoReplica, settings_dir: Path) -> Iterator[UiContext]:
    settings_dir.mkdir(parents=True, exist_ok=True)
    machine = settings_dir / "machine.json"
    # As IT would deploy it: the server address and an offline limit are policy.
    machine.write_text(
        json.dumps({"sync.server_url": "https://crm.example.com", "policy.max_offline_days": 14}),
        encoding="utf-8",
    )
    tasks = TaskRunner(network_workers=1)
    try:
        yield UiContext(
            engine=replica.engine,
            tasks=tasks,
            settings=Settings(machine_path=machine, user_path=settings_dir / "user.json"),
            sync=SyncController(),
            user_id=replica.user_id,
        )
    finally:
        tasks.shutdown()


def _screens(
    context: UiContext, *, customer_id: str, search_text: str, user_name: str
) -> Iterator[tuple[str, Callable[[], QWidget]]]:
    """(file name, builder) per screen; each builder returns a laid-out, loaded widget."""

    def shown(widget: QWidget, size: tuple[int, int], *, natural_height: bool = False) -> QWidget:
        widget.show()  # lays the widget out; offscreen, nothing appears on a screen
        width, height = size
        if natural_height:  # a form: as tall as its fields, as a user would first see it
            height = widget.sizeHint().height()
        widget.resize(width, height)
        return widget

    def my_day() -> QWidget:
        view = MyDayView(context=context)
        _wait(view.day_loaded, view.reload)
        _wait(view.reminders_checked, view.check_reminders)
        if view.today.model.rowCount():
            view.today.table.selectRow(0)
        return shown(view, SCREEN_SIZE)

    def pipeline() -> QWidget:
        view = PipelineView(context=context)
        _wait(view.board_loaded, view.reload)
        return shown(view, SCREEN_SIZE)

    def sync_inbox() -> QWidget:
        view = SyncInboxView(context=context)
        _wait(view.inbox_loaded, view.reload)
        view.conflicts_table.selectRow(0)
        return shown(view, SCREEN_SIZE)

    def login() -> QWidget:
        settings = context.settings
        return shown(
            LoginDialog(
                tasks=context.tasks,
                sign_in=lambda form: None,
                server_url=str(settings.get("sync.server_url")),
                server_url_locked=settings.is_locked("sync.server_url"),
                remember_allowed=bool(settings.get("privacy.remember_password")),
                login="am001",
            ),
            DIALOG_SIZE,
            natural_height=True,
        )

    def login_failed() -> QWidget:
        dialog = LoginDialog(
            tasks=context.tasks,
            sign_in=lambda form: None,
            server_url="https://crm.example.com",
            login="am001",
            credential_storage="session-only",
        )
        dialog.show_error(
            sign_in_failure_message(Offline("timeout"), server_url="https://crm.example.com")
        )
        return shown(dialog, DIALOG_SIZE, natural_height=True)

    def settings() -> QWidget:
        dialog = SettingsDialog(
            settings=context.settings, server_policies={"drain_days": 14, "export_max_rows": 2000}
        )
        return shown(dialog, DIALOG_SIZE)

    def shortcuts() -> QWidget:
        return shown(ShortcutHelpDialog(), DIALOG_SIZE)

    def main_window(screen: Screen) -> Callable[[], QWidget]:
        def build() -> QWidget:
            window = MainWindow(context=context, ask_quit=lambda _parent, _count: QuitChoice.QUIT)
            window.show_user(user_name)
            if screen == Screen.CUSTOMER_FILE:
                window.open_customer(customer_id)
            else:
                window.show_screen(screen)
            _settle(context.tasks)
            return shown(window, SCREEN_SIZE)

        return build

    def log_activity() -> QWidget:
        dialog = LogActivityDialog(context=context)
        _settle(context.tasks)
        return shown(dialog, DIALOG_SIZE, natural_height=True)

    def new_customer() -> QWidget:
        return shown(NewCustomerDialog(context=context), DIALOG_SIZE, natural_height=True)

    def search() -> QWidget:
        dialog = SearchPaletteDialog(context=context)
        dialog.query_edit.setText(search_text)
        dialog.run_query()
        _settle(context.tasks)
        return shown(dialog, DIALOG_SIZE)

    yield from (
        ("main_my_day", main_window(Screen.MY_DAY)),
        ("main_customers", main_window(Screen.CUSTOMERS)),
        ("main_pipeline", main_window(Screen.PIPELINE)),
        ("main_inbox", main_window(Screen.INBOX)),
        ("main_inherited", main_window(Screen.INHERITED)),
        ("main_customer_file", main_window(Screen.CUSTOMER_FILE)),
        ("log_activity", log_activity),
        ("new_customer", new_customer),
        ("search", search),
        ("my_day", my_day),
        ("pipeline", pipeline),
        ("sync_inbox", sync_inbox),
        ("login", login),
        ("login_failed", login_failed),
        ("settings", settings),
        ("shortcuts", shortcuts),
    )


def _settle(tasks: TaskRunner) -> None:
    """Wait (in a local event loop) until every queued background task has called back."""
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(20)
    poll.timeout.connect(lambda: loop.quit() if tasks.pending_count == 0 else None)
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    poll.start()
    deadline.start(LOAD_TIMEOUT_MS)
    loop.exec()
    poll.stop()
    if tasks.pending_count:
        raise TimeoutError(f"Screens were still loading after {LOAD_TIMEOUT_MS} ms.")


def _wait(signal: SignalInstance, start: Callable[[], None]) -> None:
    """Start a background load and wait (in a local event loop) for its signal."""
    loop = QEventLoop()
    arrived: list[bool] = []

    def on_signal(*_args: object) -> None:
        arrived.append(True)
        loop.quit()

    signal.connect(on_signal)
    QTimer.singleShot(LOAD_TIMEOUT_MS, loop.quit)
    start()
    if not arrived:
        loop.exec()
    signal.disconnect(on_signal)
    if not arrived:
        raise TimeoutError(f"A screen's data did not arrive within {LOAD_TIMEOUT_MS} ms.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNG files")
    parser.add_argument("--size", choices=sorted(SIZES), default="small", help="demo firm size")
    parser.add_argument(
        "--language",
        action="append",
        choices=LANGUAGES,
        help="repeat for several (default: all)",
    )
    args = parser.parse_args(argv)
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before the QApplication

    guard_signal_emit_refcount()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    with tempfile.TemporaryDirectory(prefix="fieldbook-screens-") as work:
        work_dir = Path(work)
        replica = prepare_demo_replica(
            work_dir / "replica.sqlite3", size=args.size, today=datetime.now().astimezone().date()
        )
        try:
            written = take_screenshots(
                out_dir=args.out,
                replica=replica,
                work_dir=work_dir,
                languages=tuple(args.language or LANGUAGES),
            )
        finally:
            replica.engine.dispose()
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
