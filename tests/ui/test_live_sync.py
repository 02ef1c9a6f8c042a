"""The window against the real server in its own process: the UI thread stays responsive during
an initial sync, and a visit logged offline is kept, then drained and seen by a second client."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from sqlalchemy import Engine, select

from desktop.store.changes import read_record
from desktop.store.replica import open_replica
from desktop.store.schema import entity_tables
from desktop.sync.engine import SyncOptions
from desktop.ui.context import UiContext
from desktop.ui.log_activity_dialog import LogActivityDialog
from desktop.ui.main_window import MainWindow, QuitChoice
from desktop.ui.sync_controller import SyncController
from desktop.ui.sync_session import SignedIn, sign_in
from protocol.demo_firm import DEMO_PASSWORD, generate_firm
from server.db import init_database, open_engine
from server.demo import load_demo
from tests.e2e.live_server import FAST_CONFIG, FAST_SETTINGS, free_port

REPOSITORY = Path(__file__).resolve().parents[2]
CUSTOMER = entity_tables["customer"]
MAX_UI_GAP_SECONDS = 0.100

# Opening a dialog on the offscreen platform makes Qt say it cannot pass window size hints.
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@dataclass
class RestartableServer:
    """`fieldbook-server serve` on one SQLite file and one fixed port, stopped and started again
    (a client keeps its server address, so the port must not change across restarts)."""

    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database_url(self) -> str:
        return f"sqlite+pysqlite:///{self.folder / 'server.sqlite3'}"

    @property
    def config(self) -> Path:
        return self.folder / "server.toml"

    def load_demo(self) -> None:
        """The tiny demo firm, loaded in this process (a second interpreter costs seconds)."""
        self.config.write_text(FAST_CONFIG, encoding="utf-8")
        engine = open_engine(self.database_url)
        try:
            init_database(engine)
            load_demo(engine, firm=generate_firm(size="tiny"), settings=FAST_SETTINGS)
        finally:
            engine.dispose()

    def start(self) -> None:
        log = (self.folder / "server.log").open("a", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve", "--database-url", self.database_url,
             "--config", str(self.config), "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=REPOSITORY, stdout=subprocess.PIPE, stderr=log, text=True,
        )  # fmt: skip
        log.close()
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # one JSON line once requests are accepted
        assert json.loads(line)["url"] == self.url

    def stop(self) -> None:
        """Killed, not asked to stop: like a server that crashed or a cable pulled out, and no
        waiting for open long-polls to end."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=20)
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()
        self.process = None


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[RestartableServer]:
    server = RestartableServer(tmp_path_factory.mktemp("live-server"))
    server.load_demo()
    server.start()
    yield server
    server.stop()


@dataclass
class Desk:
    replica: Engine
    signed: SignedIn
    controller: SyncController
    context: UiContext
    window: MainWindow


@pytest.fixture
def open_desk(qtbot, tmp_path, tasks, user_settings, live_server):
    opened: list[Desk] = []

    def open_(login: str, *, pull_limit: int = 2_000) -> Desk:
        path = tmp_path / login / "replica.sqlite3"
        replica = open_replica(path)
        signed = sign_in(
            replica=replica,
            replica_path=path,
            server_url=live_server.url,
            login=login,
            password=DEMO_PASSWORD,
            interval_seconds=3600,
            options=SyncOptions(pull_limit=pull_limit),
        )
        controller = SyncController()
        context = UiContext(
            engine=replica,
            tasks=tasks,
            settings=user_settings,
            sync=controller,
            user_id=signed.user_id,
        )
        window = MainWindow(context=context, ask_quit=lambda *_: QuitChoice.QUIT)
        qtbot.addWidget(window)
        desk = Desk(replica, signed, controller, context, window)
        opened.append(desk)
        return desk

    yield open_
    for desk in opened:
        desk.controller.stop(timeout=1.0)
        desk.replica.dispose()


def test_initial_sync_never_blocks_the_ui_thread_and_the_progress_bar_moves(qtbot, open_desk):
    desk = open_desk("admin", pull_limit=40)  # small pages: many progress reports
    beats: list[float] = []
    heartbeat = QTimer()
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))
    reports: list[tuple[int, int, bool]] = []
    bar = desk.window.sync_status.progress
    desk.controller.progress.connect(
        lambda rows, total: reports.append((rows, bar.value(), bar.isVisibleTo(desk.window)))
    )
    heartbeat.start()
    # Let the event loop settle first (the window's first loads, earlier tests' deleted widgets):
    # what is measured is the sync, from the last beat before it starts.
    qtbot.waitUntil(lambda: len(beats) >= 5, timeout=5_000)
    del beats[:-1]
    with qtbot.waitSignal(desk.controller.sync_finished, timeout=90_000) as finished:
        desk.controller.attach(desk.signed.session.loop)
    heartbeat.stop()
    beats.append(time.perf_counter())

    assert finished.args[0].last_error is None
    gaps = [later - earlier for earlier, later in pairwise(beats)]
    assert max(gaps) < MAX_UI_GAP_SECONDS, f"UI thread blocked {max(gaps) * 1000:.0f} ms"
    rows = [r for r, _value, _visible in reports]
    assert len(reports) >= 5 and rows == sorted(rows) and rows[0] < rows[-1]
    assert all(visible for *_rest, visible in reports)
    with desk.replica.connect() as connection:
        assert connection.execute(select(CUSTOMER.c.id)).first() is not None


def test_a_visit_logged_offline_is_kept_then_drained_and_seen_by_a_second_client(
    qtbot, open_desk, live_server, tmp_path
):
    desk = open_desk("am001")
    with qtbot.waitSignal(desk.controller.sync_finished, timeout=60_000):
        desk.controller.attach(desk.signed.session.loop)
    with desk.replica.connect() as connection:
        customer = connection.execute(
            select(CUSTOMER.c.id, CUSTOMER.c.name)
            .where(CUSTOMER.c.owner_id == desk.signed.user_id, CUSTOMER.c.archived == 0)
            .limit(1)
        ).one()

    live_server.stop()
    try:
        dialog = LogActivityDialog(
            context=desk.context, customer_id=customer.id, customer_name=customer.name
        )
        qtbot.addWidget(dialog)
        dialog.notes_edit.setPlainText("离线拜访 offline visit")
        with qtbot.waitSignal(dialog.activity_logged, timeout=10_000) as logged:
            dialog.submit()
        activity_id = logged.args[0].activity_id
        assert desk.controller.pending_changes == 1
        assert desk.window.sync_status.pending_label.text() == "1 change(s) waiting"
        # The nudged cycle fails: offline, and the visit is still waiting.
        qtbot.waitUntil(
            lambda: (
                desk.controller.status().consecutive_failures >= 1
                and not desk.controller.status().running
            ),
            timeout=30_000,
        )
        assert desk.controller.status().online is False
        assert desk.controller.pending_changes == 1
    finally:
        live_server.start()

    desk.window.sync_now()
    qtbot.waitUntil(
        lambda: (
            desk.controller.status().pending_changes == 0
            and desk.controller.status().last_error is None
        ),
        timeout=30_000,
    )
    assert desk.window.sync_status.state_label.text() in ("Online", "Syncing…")

    second_path = tmp_path / "second" / "replica.sqlite3"
    second = open_replica(second_path)
    try:
        signed = sign_in(
            replica=second,
            replica_path=second_path,
            server_url=live_server.url,
            login="admin",
            password=DEMO_PASSWORD,
        )
        signed.session.engine.sync_once()
        with second.connect() as connection:
            visit = read_record(connection, entity="activity", record_id=activity_id)
        assert visit["notes"] == "离线拜访 offline visit"
        assert visit["customer_id"] == customer.id
        signed.session.api.transport.close()
    finally:
        second.dispose()


def test_a_sign_in_not_to_remember_leaves_nothing_in_the_keyring(
    tmp_path, live_server, memory_keyring
):
    path = tmp_path / "replica.sqlite3"
    replica = open_replica(path)
    login = generate_firm(size="tiny").account_managers[0].login  # the firm the server holds

    def sign_in_once(*, remember: bool) -> SignedIn:
        signed = sign_in(
            replica=replica,
            replica_path=path,
            server_url=live_server.url,
            login=login,
            password=DEMO_PASSWORD,
            remember=remember,
        )
        signed.session.api.transport.close()
        return signed

    try:
        remembered = sign_in_once(remember=True)
        assert remembered.session.api.credentials.storage == "keyring"
        assert len(memory_keyring.secrets) == 1
        forgotten = sign_in_once(remember=False)
        assert forgotten.session.api.credentials.storage == "session-only"
        assert forgotten.session.api.credentials.load()  # this run stays signed in
        assert memory_keyring.secrets == {}  # the earlier saved token is gone too
    finally:
        replica.dispose()
