"""The composition root: settings -> replica -> task runner -> sync -> main window.

`run_gui(args)` is what `fieldbook` runs without a sub-command. Everything is built here, once,
and passed down; nothing below reaches for a global.

- `--demo` starts the demo server as a child process, signs in as a demo sales manager in a fresh
  data folder (unless `--data-dir` is given), opens the window and stops the server on exit.
- `--smoke-test` opens the window (the offscreen platform works), syncs once, prints the time from
  start to an interactive window and the time of the first sync, and exits (0 when the sync
  succeeded). Without a configured server it uses the demo server.

The sync stack (HTTP client, keyring, bulk apply, pinyin tables) is imported only once the window
is on screen: about a second of start-up that showing the customer's own data does not need.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from sqlalchemy import Engine

from desktop import paths
from desktop.operations.lease import OfflineLease
from desktop.operations.status import pending_changes, signed_in_role, signed_in_user_id
from desktop.settings import Settings
from desktop.store.engine import StoreError
from desktop.store.replica import open_replica
from desktop.sync import state
from desktop.sync.lease_source import replica_lease
from desktop.ui.context import UiContext
from desktop.ui.demo_server import DemoServer, DemoServerError
from desktop.ui.i18n import Translations, configure_fonts
from desktop.ui.main_window import MainWindow
from desktop.ui.qt_compat import guard_signal_emit_refcount
from desktop.ui.sync_controller import SyncController
from desktop.ui.task_runner import TaskRunner

if TYPE_CHECKING:
    from desktop.sync.api import ApiClient
    from desktop.sync.loop import SyncStatus
    from desktop.ui.login_dialog import LoginForm
    from desktop.ui.sync_session import SignedIn, SyncSession

log = logging.getLogger(__name__)

SMOKE_TEST_SYNC_TIMEOUT_MS = 180_000
ADMIN_ROLES = frozenset({"admin", "team_head"})


@dataclass
class Timings:
    started: float = field(default_factory=time.perf_counter)
    window_ready: float | None = None
    sync_started: float | None = None
    sync_finished: float | None = None
    demo_server_seconds: float | None = None  # part of start-to-window when the demo starts

    def as_dict(self) -> dict[str, float | None]:
        def since(later: float | None, earlier: float | None) -> float | None:
            return None if later is None or earlier is None else round(later - earlier, 3)

        return {
            "start_to_window_s": since(self.window_ready, self.started),
            "first_sync_s": since(self.sync_finished, self.sync_started),
            "demo_server_start_s": None
            if self.demo_server_seconds is None
            else round(self.demo_server_seconds, 3),
        }


class DesktopApp:
    """Owns what the composition root built, and tears it down in order on exit."""

    def __init__(self, *, args: argparse.Namespace, qt_app: QApplication, timings: Timings):
        self.args = args
        self.qt_app = qt_app
        self.timings = timings
        self.settings = Settings.load()
        for problem in self.settings.problems:
            log.warning("settings: %s", problem)
        self.translations = Translations(qt_app)
        self.translations.apply(str(self.settings.get("ui.language")))
        configure_fonts(qt_app)
        self.demo: DemoServer | None = None
        self.data_dir = paths.data_dir(args.data_dir)
        self.replica_path = paths.replica_path(self.data_dir)
        self.replica: Engine | None = None
        self.tasks = TaskRunner()
        self.sync = SyncController()
        self.window: MainWindow | None = None
        self.session: SyncSession | None = None
        self.smoke_result: int | None = None
        self.sync.sync_finished.connect(self._on_first_sync_finished)
        self.sync.state_changed.connect(self._on_sync_state_changed)
        self._login_dialog: QDialog | None = None
        # Set by bench/startup.py (not a command-line option): print when the window became
        # interactive on a large replica, then exit, without signing in or syncing.
        self.startup_report = bool(getattr(args, "startup_report", False))
        self._milestones: dict[str, float] = {}

    # --- start ------------------------------------------------------------------------------
    def start(self) -> bool:
        """Open everything and show the window; False (after saying why) when that failed."""
        wants_demo = self.args.demo or (
            self.args.smoke_test and not self.settings.get("sync.server_url")
        )
        signed: SignedIn | None = None
        try:
            if wants_demo:
                self._start_demo()
            self.replica = open_replica(self.replica_path)
            if self.demo is not None:
                signed = self._sign_in_to_demo(self.demo)
        except (StoreError, DemoServerError, OSError) as error:
            self._fail(str(error))
            return False
        except Exception as error:  # sign-in refused, server unreachable ...
            self._fail(
                QCoreApplication.translate("DesktopApp", "Could not start: %1").replace(
                    "%1", str(error)
                )
            )
            return False
        self._open_window(
            user_id=signed.user_id if signed else signed_in_user_id(self.replica),
            display_name=signed.display_name if signed else "",
        )
        if not self.startup_report:
            QTimer.singleShot(0, lambda: self._start_sync(signed))
        return True

    def _sign_in_to_demo(self, demo: DemoServer) -> SignedIn:
        from desktop.ui.sync_session import sign_in

        assert self.replica is not None
        login, password = demo.login()
        return sign_in(
            replica=self.replica,
            replica_path=self.replica_path,
            server_url=demo.url,
            login=login,
            password=password,
            interval_seconds=self._interval(),
            ca_bundle=self._ca_bundle(),
        )

    def _start_sync(self, signed: SignedIn | None) -> None:
        """After the window is up: the saved (or demo) session starts syncing, or, on a copy
        that never signed in, the sign-in dialog opens."""
        from desktop.sync.errors import SyncError
        from desktop.ui.sync_session import saved_session

        assert self.replica is not None
        try:
            self.session = (
                signed.session
                if signed is not None
                else saved_session(
                    replica=self.replica,
                    replica_path=self.replica_path,
                    interval_seconds=self._interval(),
                    ca_bundle=self._ca_bundle(),
                )
            )
        except SyncError as error:  # e.g. the CA bundle IT named is missing: work offline
            log.warning("cannot sync: %s", error)
            self._fail(str(error))
            if self.args.smoke_test:
                self._finish_smoke_test(ok=False, reason=str(error))
            return
        if signed is not None:
            self._offer_admin_screens(api=signed.session.api, role=signed.role)
        elif self.session is not None:
            # A saved sign-in: the role comes from the user record of the last sync.
            self._offer_admin_screens(api=self.session.api, role=signed_in_role(self.replica))
        if self.session is not None:
            self.timings.sync_started = time.perf_counter()
            self.sync.attach(self.session.loop)
        elif self.args.smoke_test:
            self._finish_smoke_test(ok=False, reason="no server to sync with")
        else:
            self._ask_to_sign_in()

    def _start_demo(self) -> None:
        if self.args.data_dir is None:
            # A fresh folder: the demo server's database is new each time, and the person's own
            # data must never be mixed with the demo firm.
            self.data_dir = Path(tempfile.mkdtemp(prefix="fieldbook-demo-client-"))
            self.replica_path = paths.replica_path(self.data_dir)
        began = time.perf_counter()
        self.demo = DemoServer.start(log_path=self.data_dir / "demo-server.log")
        self.timings.demo_server_seconds = time.perf_counter() - began
        log.info("demo server at %s", self.demo.url)

    def _lease(self, replica: Engine) -> OfflineLease:
        """The offline allowance: the stricter of this machine's policy and the server's."""
        return replica_lease(
            replica, machine_max_offline_days=lambda: self.settings.get("policy.max_offline_days")
        )

    def _interval(self) -> float:
        return float(self.settings.get("sync.interval_seconds"))

    def _ca_bundle(self) -> str | None:
        return str(self.settings.get("sync.ca_bundle")) or None

    def _open_window(self, *, user_id: str | None, display_name: str) -> None:
        assert self.replica is not None
        if self.window is not None:
            self.window.quit_confirmed.disconnect(self._on_quit_confirmed)
            self.window.close_without_asking()
            self.window.deleteLater()
        self.sync.note_local_write(pending_changes=pending_changes(self.replica))
        context = UiContext(
            engine=self.replica,
            tasks=self.tasks,
            settings=self.settings,
            sync=self.sync,
            user_id=user_id,
        )
        window = MainWindow(context=context, lease=self._lease(self.replica))
        window.quit_confirmed.connect(self._on_quit_confirmed)
        window.settings_requested.connect(self._show_settings)
        window.sign_in_requested.connect(self._ask_to_sign_in)
        window.show_user(display_name)
        if self.startup_report:
            window.my_day.day_loaded.connect(self._on_day_loaded_for_report)
        window.show()
        self.window = window
        # Interactive = the event loop runs with the window shown and painted once.
        QTimer.singleShot(0, self._on_window_ready)

    # --- sign-in ----------------------------------------------------------------------------
    def _ask_to_sign_in(self) -> None:
        from desktop.ui.login_dialog import LoginDialog

        if self._login_dialog is not None and self._login_dialog.isVisible():
            return  # already asking
        assert self.replica is not None
        # A copy that signed in before keeps its server and login; the settings' server (set by
        # IT, or typed in Settings) is the default for a first sign-in.
        server_url = state.get(self.replica, state.SERVER_URL) or str(
            self.settings.get("sync.server_url")
        )
        status = self.sync.status()  # says whether the keyring failed in this run
        dialog = LoginDialog(
            tasks=self.tasks,
            sign_in=self._sign_in_with_form,
            server_url=server_url,
            server_url_locked=self.settings.is_locked("sync.server_url"),
            login=state.get(self.replica, state.LOGIN) or "",
            credential_storage=status.credential_storage if status else "keyring",
            remember_allowed=bool(self.settings.get("privacy.remember_password")),
            parent=self.window,
        )
        dialog.signed_in.connect(self._on_signed_in)
        self._login_dialog = dialog
        dialog.open()

    def _on_sync_state_changed(self, status: SyncStatus) -> None:
        # The saved sign-in no longer works (expired, revoked, or the keyring could not keep it):
        # ask once, instead of leaving the person to find it in the status bar.
        if status.stopped_reason == "sign_in_required" and not (
            self.args.smoke_test or self.startup_report
        ):
            self._ask_to_sign_in()

    def _sign_in_with_form(self, form: LoginForm) -> SignedIn:
        from desktop.ui.sync_session import sign_in

        assert self.replica is not None
        return sign_in(
            replica=self.replica,
            replica_path=self.replica_path,
            server_url=form.server_url,
            login=form.login,
            password=form.password,
            interval_seconds=self._interval(),
            ca_bundle=self._ca_bundle(),
            remember=form.remember and bool(self.settings.get("privacy.remember_password")),
        )

    def _on_signed_in(self, _form: LoginForm, signed: object) -> None:
        from desktop.ui.sync_session import SignedIn

        assert isinstance(signed, SignedIn)
        self.session = signed.session
        if self.window is None or self.window.context.user_id != signed.user_id:
            # The screens were built before anyone was signed in: rebuild them for this user.
            self._open_window(user_id=signed.user_id, display_name=signed.display_name)
        else:
            self.window.show_user(signed.display_name)
        self._offer_admin_screens(api=signed.session.api, role=signed.role)
        self.timings.sync_started = time.perf_counter()
        self.sync.attach(signed.session.loop)

    def _offer_admin_screens(self, *, api: ApiClient, role: str | None) -> None:
        """Hand-over and audit screens for the roles the server lets use them."""
        if self.window is None or role not in ADMIN_ROLES:
            return
        from desktop.sync.admin_client import AdminClient

        self.window.add_admin_screens(AdminClient(api=api), role=role)

    def _show_settings(self) -> None:
        from desktop.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(
            settings=self.settings, server_policies=self._server_policies(), parent=self.window
        )
        dialog.language_chosen.connect(self.translations.apply)
        dialog.settings_saved.connect(self._on_settings_saved)
        dialog.open()

    def _server_policies(self) -> dict[str, str]:
        """The policies the server's last hello sent, shown beside the machine's (read-only)."""
        if self.replica is None:
            return {}
        said = {
            "policy.max_offline_days": state.get(self.replica, state.MAX_OFFLINE_DAYS),
            "policy.export_allowed": state.get(self.replica, state.EXPORT_ALLOWED),
            "policy.export_max_rows": state.get(self.replica, state.EXPORT_MAX_ROWS),
        }
        return {key: value for key, value in said.items() if value is not None}

    def _on_settings_saved(self, changed: dict[str, object]) -> None:
        # The loop reads its interval at every cycle, so a new one applies from the next.
        if "sync.interval_seconds" in changed and self.session is not None:
            self.session.loop.interval_seconds = float(str(changed["sync.interval_seconds"]))

    # --- timings and the smoke test ---------------------------------------------------------
    def _on_window_ready(self) -> None:
        if self.timings.window_ready is None:
            self.timings.window_ready = time.perf_counter()
        if self.startup_report:
            self._report_startup()
            return
        if self.args.smoke_test:
            QTimer.singleShot(
                SMOKE_TEST_SYNC_TIMEOUT_MS,
                lambda: self._finish_smoke_test(ok=False, reason="the first sync took too long"),
            )

    def _on_first_sync_finished(self, status: SyncStatus) -> None:
        if self.timings.sync_finished is not None:
            return
        self.timings.sync_finished = time.perf_counter()
        if self.args.smoke_test:
            self._finish_smoke_test(ok=status.last_error is None, reason=status.last_error)

    def _finish_smoke_test(self, *, ok: bool, reason: str | None) -> None:
        if self.smoke_result is not None:
            return
        self.smoke_result = 0 if ok else 1
        report: dict[str, object] = {"ok": ok, **self.timings.as_dict()}
        if reason:
            report["error"] = reason
        if self.replica is not None:
            report["pending_changes"] = self.sync.pending_changes
        print(json.dumps(report, ensure_ascii=False), flush=True)
        if self.window is not None:
            self.window.quit_confirmed.disconnect(self._on_quit_confirmed)
            self.window.close_without_asking()
        self.qt_app.exit(self.smoke_result)

    def _report_startup(self) -> None:
        """Wall-clock milestones (time.time(), so the starting process can subtract its own
        start): window shown, My day's data on screen, then the customer list's first page."""
        self._milestones["window_shown"] = time.time()
        self._maybe_finish_report()

    def _on_day_loaded_for_report(self, _day: object) -> None:
        if "first_screen_loaded" in self._milestones:
            return
        self._milestones["first_screen_loaded"] = time.time()
        assert self.window is not None
        self.window.customers.model.loaded.connect(self._on_customers_loaded_for_report)
        self.window.sidebar.setCurrentRow(1)  # Customers

    def _on_customers_loaded_for_report(self, total: int) -> None:
        self._milestones["customer_list_loaded"] = time.time()
        self._milestones["customers"] = total
        self._maybe_finish_report()

    def _maybe_finish_report(self) -> None:
        wanted = ("window_shown", "first_screen_loaded", "customer_list_loaded")
        if self.window is None or not all(key in self._milestones for key in wanted):
            return
        print(json.dumps(self._milestones), flush=True)
        self.window.quit_confirmed.disconnect(self._on_quit_confirmed)
        self.window.close_without_asking()
        self.smoke_result = 0
        self.qt_app.exit(0)

    # --- stop -------------------------------------------------------------------------------
    def _on_quit_confirmed(self) -> None:
        self.qt_app.quit()

    def _fail(self, message: str) -> None:
        print(f"fieldbook: {message}", file=sys.stderr)
        if not self.args.smoke_test:
            QMessageBox.critical(
                None, QCoreApplication.translate("DesktopApp", "Fieldbook"), message
            )

    def shutdown(self) -> None:
        """Stop in dependency order: sync threads, then queued database work, then the files."""
        began = time.perf_counter()
        self.sync.stop(timeout=1.0)
        stopped_sync = time.perf_counter()
        self.tasks.shutdown(wait=True)  # writes the person saw as saved are finished
        if self.replica is not None:
            self.replica.dispose()
        if self.demo is not None:
            self.demo.stop()
        log.info(
            "stopped: sync %.2f s, the rest %.2f s",
            stopped_sync - began,
            time.perf_counter() - stopped_sync,
        )


def stop_on_signals(qt_app: QApplication) -> QTimer:
    """Ctrl+C in a terminal or a `kill` ends the event loop, so `shutdown` still runs: queued
    writes finish and the demo server does not outlive the app. Python handles signals only when
    it runs, and Qt's loop is C++, hence the short idle timer."""

    def request_quit(number: int, _frame: object) -> None:
        log.info("signal %d: quitting", number)
        qt_app.quit()

    signal.signal(signal.SIGINT, request_quit)
    signal.signal(signal.SIGTERM, request_quit)
    wake = QTimer(qt_app)
    wake.timeout.connect(lambda: None)
    wake.start(250)
    return wake


def run_gui(args: argparse.Namespace) -> int:
    timings = Timings()
    logging.basicConfig(level=logging.INFO if args.smoke_test else logging.WARNING)
    existing = QApplication.instance()
    qt_app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    guard_signal_emit_refcount()  # before the first signal is emitted (see qt_compat)
    qt_app.setApplicationName("Fieldbook")
    qt_app.setQuitOnLastWindowClosed(False)  # the main window decides when to quit
    desktop = DesktopApp(args=args, qt_app=qt_app, timings=timings)
    stop_on_signals(qt_app)
    try:
        if not desktop.start():
            return 1
        code = qt_app.exec()
    finally:
        desktop.shutdown()
    return desktop.smoke_result if desktop.smoke_result is not None else int(code)
