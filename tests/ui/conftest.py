"""Fixtures for the screens: a task runner, user settings in a temporary folder, a UiContext and
a replica holding a small demo firm."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from desktop.settings import Settings
from desktop.store.bulk import load_demo_firm
from desktop.sync import state
from desktop.ui.context import UiContext
from desktop.ui.qt_compat import guard_signal_emit_refcount
from desktop.ui.sync_controller import SyncController
from desktop.ui.task_runner import TaskRunner
from protocol.demo_firm import DemoFirm, generate_firm

# Before any test emits a signal: the binding's emit defect (see qt_compat) would otherwise abort
# a long test session.
guard_signal_emit_refcount()


@pytest.fixture(autouse=True)
def unfrozen_heap() -> Iterator[None]:
    """Each shown main window freezes the objects alive then (see desktop.ui.heap); in a test
    session those are earlier tests' leftovers, which must stay collectable."""
    yield
    gc.unfreeze()


@pytest.fixture
def tasks(qapp) -> Iterator[TaskRunner]:
    runner = TaskRunner(network_workers=2)
    yield runner
    runner.shutdown()


@pytest.fixture
def user_settings(tmp_path: Path) -> Settings:
    return Settings(machine_path=None, user_path=tmp_path / "settings" / "settings.json")


@pytest.fixture(scope="session")
def tiny_firm() -> DemoFirm:
    return generate_firm(size="tiny", seed=11)


@pytest.fixture
def demo_replica(replica: Engine, tiny_firm: DemoFirm) -> Engine:
    """The tiny demo firm, signed in as its first account manager."""
    load_demo_firm(replica, tiny_firm)
    state.put(replica, user_id=tiny_firm.account_managers[0].id)
    return replica


@pytest.fixture
def ui_context(
    qapp, demo_replica: Engine, tasks: TaskRunner, user_settings: Settings, tiny_firm: DemoFirm
) -> Iterator[UiContext]:
    sync = SyncController()
    yield UiContext(
        engine=demo_replica,
        tasks=tasks,
        settings=user_settings,
        sync=sync,
        user_id=tiny_firm.account_managers[0].id,
    )
    sync.stop()
