"""The shared base of the audit, ownership and hand-over tables: counts, bounds and headers.

The header texts live in each model so `self.tr` keeps the model's own translation context; the
Chinese check below fails if a label ends up under the base class's context instead.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, QModelIndex, Qt
from PySide6.QtWidgets import QApplication

from desktop.sync.admin_client import AuditEntry
from desktop.ui.audit_model import AuditLogModel, Names, OwnershipChange, OwnershipModel
from desktop.ui.handover_model import HandoverPlanModel, PlanRow
from desktop.ui.i18n import Language, Translations

ENTRY = AuditEntry(
    id=1,
    at="2026-03-01T09:30:00Z",
    actor_id="u1",
    client_id=None,
    action="login",
    entity=None,
    entity_id=None,
    customer_id=None,
    detail={},
)


def headers(model: AuditLogModel | OwnershipModel | HandoverPlanModel) -> list[str]:
    return [
        model.headerData(section, Qt.Orientation.Horizontal)
        for section in range(model.columnCount())
    ]


@pytest.fixture
def translations(qapp: QApplication) -> Iterator[Translations]:
    previous_locale = QLocale()
    translations = Translations(qapp)
    yield translations
    translations.apply(Language.ENGLISH)
    QLocale.setDefault(previous_locale)
    QCoreApplication.processEvents()


def test_rows_columns_and_headers_come_from_the_named_columns(qapp):
    plan = HandoverPlanModel()
    assert (plan.rowCount(), plan.columnCount()) == (0, 4)
    plan.set_rows([PlanRow("c1", "上海建工", "A", "East"), PlanRow("c2", "华为", "B", "West")])
    assert plan.rowCount() == 2
    assert plan.rowCount(plan.index(0, 0)) == 0  # a flat table: no children
    assert headers(plan) == ["Customer", "Tier", "Team", "Successor"]
    assert plan.data(plan.index(1, 0)) == "华为"

    audit = AuditLogModel()
    audit.set_entries([ENTRY], Names({"u1": "李娜"}, {}))
    assert (audit.rowCount(), audit.columnCount()) == (1, 5)
    assert headers(audit) == ["When (UTC)", "Who", "What", "Customer", "Details"]
    assert audit.data(audit.index(0, 1)) == "李娜"
    assert audit.entries() == (ENTRY,)

    ownership = OwnershipModel()
    ownership.set_changes(
        [OwnershipChange(at="2026-03-01T09:30:00Z", from_owner=None, to_owner="u1", by="u1")],
        Names({"u1": "李娜"}, {}),
    )
    assert headers(ownership) == ["When (UTC)", "From", "To", "Changed by"]
    assert ownership.data(ownership.index(0, 1)) == "—"


def test_out_of_range_and_vertical_headers_and_stale_indexes_give_nothing(qapp):
    plan = HandoverPlanModel()
    plan.set_rows([PlanRow("c1", "上海建工", "A", "East")])
    assert plan.headerData(4, Qt.Orientation.Horizontal) is None
    assert plan.headerData(-1, Qt.Orientation.Horizontal) is None
    assert plan.headerData(0, Qt.Orientation.Vertical) is None
    assert plan.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) is None
    stale = plan.index(0, 0)
    plan.set_rows([])
    assert plan.data(stale) is None
    assert plan.data(QModelIndex()) is None


def test_headers_are_translated_in_each_models_own_context(qapp, translations):
    assert translations.apply("zh_CN") is Language.CHINESE
    assert translations.missing == []
    assert headers(HandoverPlanModel())[3] == "接替人"
    assert headers(OwnershipModel())[3] == "修改人"
    assert headers(AuditLogModel())[0] == "时间（UTC）"
