"""The Customers screen: lazy paging, SQL filters and sorting, saved views."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from sqlalchemy import Engine, func, select

from desktop.operations.customers import (
    CustomerFilter,
    CustomerSort,
    add_customer,
    list_customers,
)
from desktop.settings import Settings
from desktop.store.schema import entity_tables
from desktop.ui import customer_list_model
from desktop.ui.customer_list_model import ID_ROLE, Column, CustomerListModel
from desktop.ui.customer_list_view import CustomerListView
from desktop.ui.saved_views import LEGACY_FILE_NAME, SavedView, SavedViewStore

CUSTOMER = entity_tables["customer"]


def _count(engine: Engine, *conditions) -> int:
    with engine.connect() as connection:
        query = select(func.count()).select_from(CUSTOMER).where(CUSTOMER.c.archived == 0)
        return int(connection.execute(query.where(*conditions)).scalar_one())


@pytest.fixture
def model(qtbot, demo_replica, tasks):
    model = CustomerListModel(engine=demo_replica, tasks=tasks, page_size=7)
    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.reload()
    return model


def test_model_passes_the_model_tester_with_pages_still_loading(qtmodeltester, model):
    qtmodeltester.check(model)


def test_rows_arrive_a_page_at_a_time(qtbot, model, demo_replica):
    assert model.rowCount() == _count(demo_replica) > 21
    # Row 20 is on page 2, not fetched yet: a placeholder now, the name after the page arrives.
    index = model.index(20, Column.NAME)
    assert model.data(index) == "Loading…"
    with qtbot.waitSignal(model.page_loaded, check_params_cb=lambda page: page == 2):
        pass
    name = model.data(index)
    assert name and name != "Loading…"
    assert model.data(index, ID_ROLE) == model.customer_id(20)


def test_sorting_runs_in_sql_and_reverses(qtbot, model):
    with qtbot.waitSignal(model.loaded):
        model.sort(Column.NAME, Qt.SortOrder.DescendingOrder)
    first_descending = model.data(model.index(0, Column.NAME))
    with qtbot.waitSignal(model.loaded):
        model.sort(Column.NAME, Qt.SortOrder.AscendingOrder)
    first_ascending = model.data(model.index(0, Column.NAME))
    assert first_descending > first_ascending
    assert model.sort_key is CustomerSort.NAME and not model.descending


def test_filters_narrow_the_total(qtbot, model, demo_replica):
    expected = _count(demo_replica, CUSTOMER.c.tier == "gold")
    assert 0 < expected < model.rowCount()
    with qtbot.waitSignal(model.loaded) as blocker:
        model.set_filter(CustomerFilter(tier="gold"))
    assert blocker.args == [expected]
    tiers = {model.summary(row).tier for row in range(min(7, expected))}
    assert tiers == {"gold"}


def test_view_filters_by_owner_and_opens_a_customer(qtbot, ui_context, tiny_firm):
    view = CustomerListView(context=ui_context)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.reference_loaded), qtbot.waitSignal(view.model.loaded):
        view.reload()
    manager = tiny_firm.account_managers[0]
    position = view.owner_combo.findData(manager.id)
    assert position > 0
    view.owner_combo.setCurrentIndex(position)
    with qtbot.waitSignal(view.model.loaded) as blocker:
        view.apply_filters()
    owned = _count(ui_context.engine, CUSTOMER.c.owner_id == manager.id)
    assert blocker.args == [owned]
    assert view.count_label.text() == f"{owned} customer(s)"
    with qtbot.waitSignal(view.customer_requested) as opened:
        view.table.activated.emit(view.model.index(0, 0))
    assert opened.args == [view.model.customer_id(0)]


def test_tag_filter_is_debounced(qtbot, ui_context):
    view = CustomerListView(context=ui_context)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.model.loaded):
        view.reload()
    with qtbot.waitSignal(view.model.loaded, timeout=3000) as blocker:
        qtbot.keyClicks(view.tag_edit, "no-such-tag")
    assert blocker.args == [0]
    assert view.model.criteria.tag == "no-such-tag"


def test_saved_views_round_trip_through_the_settings(qtbot, ui_context):
    view = CustomerListView(context=ui_context)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.reference_loaded), qtbot.waitSignal(view.model.loaded):
        view.reload()
    view.tier_combo.setCurrentIndex(view.tier_combo.findData("silver"))
    with qtbot.waitSignal(view.model.loaded):
        view.apply_filters()
    view.save_current_view("银牌客户")

    # Stored in the user's settings file under ui.customer_views, not in a file of its own.
    settings_path = ui_context.settings.user_path
    reopened = SavedViewStore(Settings(machine_path=None, user_path=settings_path))
    assert [v.name for v in reopened.views()] == ["银牌客户"]
    assert reopened.views()[0].criteria == CustomerFilter(tier="silver")
    assert "银牌客户" in json.loads(settings_path.read_text(encoding="utf-8"))["ui.customer_views"]
    assert not settings_path.with_name(LEGACY_FILE_NAME).exists()

    with qtbot.waitSignal(view.model.loaded):
        view.clear_filters()
    assert view.model.criteria == CustomerFilter()
    with qtbot.waitSignal(view.model.loaded):
        view.apply_saved_view("银牌客户")
    assert view.model.criteria.tier == "silver"
    assert view.tier_combo.currentData() == "silver"


def _settings(tmp_path: Path) -> Settings:
    return Settings(machine_path=None, user_path=tmp_path / "settings.json")


def test_views_of_the_old_side_file_move_into_the_settings_once(tmp_path: Path):
    legacy = tmp_path / LEGACY_FILE_NAME
    old = SavedView("大客户", CustomerFilter(tier="gold"), CustomerSort.TIER, True)
    legacy.write_text(json.dumps({"views": [old.to_json()]}), encoding="utf-8")
    store = SavedViewStore(_settings(tmp_path))
    assert store.views() == [old] and store.problem is None
    assert not legacy.exists() and len(list(tmp_path.glob(f"{LEGACY_FILE_NAME}.imported-*"))) == 1
    # The next start reads the setting; a side file written again later is not read.
    legacy.write_text(json.dumps({"views": []}), encoding="utf-8")
    assert SavedViewStore(_settings(tmp_path)).views() == [old]


def test_an_unreadable_old_side_file_is_kept_aside_and_reported(tmp_path: Path):
    path = tmp_path / LEGACY_FILE_NAME
    path.write_text("{not json", encoding="utf-8")
    store = SavedViewStore(_settings(tmp_path))
    assert store.views() == []
    assert store.problem and "could not be read" in store.problem
    kept = list(tmp_path.glob(f"{LEGACY_FILE_NAME}.unreadable-*"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == "{not json"
    store.save(SavedView("A", CustomerFilter(industry="retail"), CustomerSort.TIER, True))
    assert SavedViewStore(_settings(tmp_path)).get("A") == SavedView(
        "A", CustomerFilter(industry="retail"), CustomerSort.TIER, True
    )


def test_unreadable_views_in_the_settings_are_kept_aside_and_reported(tmp_path: Path):
    settings = _settings(tmp_path)
    settings.set("ui.customer_views", '{"views": [{"no name": 1}]}')
    store = SavedViewStore(settings)
    assert store.views() == [] and store.problem and "could not be read" in store.problem
    (kept,) = tmp_path.glob(f"{LEGACY_FILE_NAME}.unreadable-*")
    assert kept.read_text(encoding="utf-8") == '{"views": [{"no name": 1}]}'


def test_scrolled_pages_reuse_the_first_count(qtbot, demo_replica, tasks, monkeypatch):
    asked: list[int | None] = []

    def counting_list_customers(engine: Engine, **options: Any) -> Any:
        asked.append(options.get("known_total"))
        return list_customers(engine, **options)

    monkeypatch.setattr(customer_list_model, "list_customers", counting_list_customers)
    model = CustomerListModel(engine=demo_replica, tasks=tasks, page_size=7)
    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.reload()
    total = model.rowCount()
    with qtbot.waitSignal(model.page_loaded, check_params_cb=lambda page: page == 2):
        model.data(model.index(20, Column.NAME))
    assert asked == [None, total]  # counted once for the filter, not again per page
    assert model.data(model.index(20, Column.NAME)) not in (None, "Loading…")


def test_a_page_cut_short_by_a_removal_starts_over(qtbot, model, demo_replica):
    # Archive every customer behind the first page: the scrolled page comes back short.
    with demo_replica.begin() as connection:
        keep = [r[0] for r in connection.execute(
            select(CUSTOMER.c.id).where(CUSTOMER.c.archived == 0).order_by(CUSTOMER.c.name)
            .limit(7))]  # fmt: skip
        connection.execute(CUSTOMER.update().where(CUSTOMER.c.id.not_in(keep)).values(archived=1))
    with qtbot.waitSignal(model.loaded, timeout=5000) as loaded:
        model.data(model.index(20, Column.NAME))
    assert loaded.args == [7]


def test_rows_of_an_invalid_parent_are_empty(model):
    assert model.rowCount(model.index(0, 0)) == 0
    assert model.data(QModelIndex()) is None


def test_clicking_headers_sorts_in_sql_and_unsortable_columns_keep_the_order(qtbot, ui_context):
    view = CustomerListView(context=ui_context)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.model.loaded):
        view.reload()
    header = view.table.horizontalHeader()
    assert header.sectionsClickable()
    with qtbot.waitSignal(view.model.loaded):
        header.setSortIndicator(Column.TIER, Qt.SortOrder.DescendingOrder)
    assert view.model.sort_key is CustomerSort.TIER and view.model.descending
    header.setSortIndicator(Column.PHONE, Qt.SortOrder.AscendingOrder)  # not sortable
    assert view.model.sort_key is CustomerSort.TIER
    assert header.sortIndicatorSection() == Column.TIER
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder


def test_a_fast_scroll_reads_what_is_on_screen_first_and_skips_pages_left_behind(
    qtbot, demo_replica, tasks
):
    model = CustomerListModel(engine=demo_replica, tasks=tasks, page_size=3)
    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.reload()
    assert model.rowCount() > 33
    read: list[int] = []
    model.page_loaded.connect(read.append)
    for page in range(1, 11):  # one drag of the scroll bar passes pages 1..10, ending on 10
        model.data(model.index(page * 3, Column.NAME))
    qtbot.waitUntil(lambda: len(read) >= 5, timeout=5000)
    qtbot.wait(200)
    # Page 1 was being read already; of the rest only the last four requests are kept, and the
    # newest (on screen now) is read first. Pages 2..6 were left behind and are not read.
    assert read == [1, 10, 9, 8, 7]
    assert model.data(model.index(10 * 3, Column.NAME)) != "Loading…"
    assert model.data(model.index(4 * 3, Column.NAME)) == "Loading…"  # asked again when seen
    with qtbot.waitSignal(model.page_loaded, timeout=5000) as again:
        pass
    assert again.args == [4]


def test_refresh_keeps_the_place_when_the_length_is_unchanged(qtbot, model, demo_replica):
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.refresh()
    assert resets == []  # the view keeps its scroll position
    add_customer(demo_replica, values={"name": "Zeta 新客户", "kind": "company"})
    total = model.rowCount()
    with qtbot.waitSignal(model.loaded, timeout=5000) as loaded:
        model.refresh()
    assert loaded.args == [total + 1] and resets == [True]  # a new row: start over


def test_phones_show_as_people_read_them(qtbot, tmp_path: Path, tasks):
    from desktop.store.replica import open_replica

    engine = open_replica(tmp_path / "replica.sqlite3")
    add_customer(engine, values={"name": "北京", "phone": "010-6552 9988"})
    add_customer(engine, values={"name": "London", "phone": "+44 20 7946 0958"})
    model = CustomerListModel(engine=engine, tasks=tasks, page_size=7)
    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.reload()
    model.data(model.index(0, Column.NAME))
    qtbot.waitUntil(lambda: model.data(model.index(1, Column.NAME)) != "Loading…", timeout=5000)
    phones = {
        model.data(model.index(row, Column.NAME)): model.data(model.index(row, Column.PHONE))
        for row in range(model.rowCount())
    }
    assert phones == {"北京": "010 6552 9988", "London": "+44 20 7946 0958"}
    engine.dispose()
