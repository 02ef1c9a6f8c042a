"""Opportunities through their pipeline's stages, and the reference-data lookups."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from desktop.domain.messages import ValidationError
from desktop.operations.customers import add_customer
from desktop.operations.opportunities import (
    add_opportunity,
    edit_opportunity,
    get_opportunity,
    mark_lost,
    mark_won,
    move_opportunity,
)
from desktop.operations.reference import (
    list_pipelines,
    list_stages,
    list_teams,
    list_users,
    picklist,
)
from desktop.operations.status import signed_in_user_id
from desktop.store.changes import RecordNotFound
from tests.unit.operations_helpers import (
    ME,
    OTHER_PIPELINE,
    PIPELINE,
    counts,
    load_reference_data,
    sign_in,
)


@pytest.fixture
def firm(replica: Engine) -> Engine:
    load_reference_data(replica)
    sign_in(replica)
    return replica


@pytest.fixture
def customer_id(firm: Engine) -> str:
    return add_customer(firm, values={"name": "Acme"})


def test_new_opportunity_starts_in_the_first_open_stage(firm: Engine, customer_id: str) -> None:
    deal = get_opportunity(
        firm,
        opportunity_id=add_opportunity(firm, customer_id=customer_id, name="Tower", amount=500),
    )
    assert (deal.stage_name, deal.pipeline_id, deal.probability, deal.status) == (
        "Lead",
        PIPELINE,
        10.0,
        "open",
    )
    assert (deal.owner_id, deal.currency, deal.amount) == (ME, "CNY", 500.0)


def test_stage_names_resolve_within_the_deals_pipeline(firm: Engine, customer_id: str) -> None:
    with pytest.raises(ValidationError, match="several pipelines"):
        add_opportunity(firm, customer_id=customer_id, name="Bridge", stage="proposal")
    bridge = add_opportunity(firm, customer_id=customer_id, name="Bridge", stage="s-tender")
    assert get_opportunity(firm, opportunity_id=bridge).pipeline_id == OTHER_PIPELINE
    assert move_opportunity(firm, opportunity_id=bridge, stage="Proposal") is True
    moved = get_opportunity(firm, opportunity_id=bridge)
    assert (moved.stage_id, moved.probability) == ("s-proposal-2", 40.0)
    assert move_opportunity(firm, opportunity_id=bridge, stage="Proposal") is False
    with pytest.raises(ValidationError, match="another pipeline"):
        move_opportunity(firm, opportunity_id=bridge, stage="s-lead")
    with pytest.raises(RecordNotFound, match="No stage with id Signed"):
        move_opportunity(firm, opportunity_id=bridge, stage="Signed")


def test_won_and_lost_close_the_deal_in_its_pipeline(firm: Engine, customer_id: str) -> None:
    won = add_opportunity(firm, customer_id=customer_id, name="A", amount=1)
    lost = add_opportunity(firm, customer_id=customer_id, name="B", amount=1)
    assert mark_won(firm, opportunity_id=won) is True
    assert mark_lost(firm, opportunity_id=lost, reason="Price too high") is True
    deal_won = get_opportunity(firm, opportunity_id=won)
    deal_lost = get_opportunity(firm, opportunity_id=lost)
    assert (deal_won.status, deal_won.stage_id, deal_won.probability) == ("won", "s-won", 100.0)
    assert (deal_lost.status, deal_lost.stage_id, deal_lost.lost_reason) == (
        "lost",
        "s-lost",
        "Price too high",
    )
    assert mark_won(firm, opportunity_id=won) is False


def test_refused_opportunity_changes_nothing(firm: Engine, customer_id: str) -> None:
    deal = add_opportunity(firm, customer_id=customer_id, name="A", amount=1)
    before = counts(firm)
    with pytest.raises(ValidationError, match="Amount cannot be negative"):
        add_opportunity(firm, customer_id=customer_id, name="B", amount=-1)
    with pytest.raises(ValidationError, match="between 0 and 100"):
        edit_opportunity(firm, opportunity_id=deal, changes={"probability": 101})
    with pytest.raises(RecordNotFound):
        add_opportunity(firm, customer_id="missing", name="B", amount=1)
    with pytest.raises(RecordNotFound):
        mark_won(firm, opportunity_id="missing")
    assert counts(firm) == before
    assert edit_opportunity(firm, opportunity_id=deal, changes={"amount": "2,500"}) == {
        "amount": 2500.0
    }


def test_reference_lookups(firm: Engine) -> None:
    assert [u.display_name for u in list_users(firm)] == ["张敏", "李伟"]
    assert [t.name for t in list_teams(firm)] == ["East"]
    assert [p.name for p in list_pipelines(firm)] == ["Sales", "Projects"]
    assert [s.name for s in list_stages(firm, pipeline_id=PIPELINE)] == [
        "Lead",
        "Proposal",
        "Won",
        "Lost",
    ]
    assert [(e.value, e.label_zh) for e in picklist(firm, kind="tier")] == [
        ("gold", "金牌"),
        ("silver", "银牌"),
    ]
    assert signed_in_user_id(firm) == ME


def test_no_user_before_first_sign_in(replica: Engine) -> None:
    assert signed_in_user_id(replica) is None
    customer_id = add_customer(replica, values={"name": "Offline"})
    deal = get_opportunity(
        replica, opportunity_id=add_opportunity(replica, customer_id=customer_id, name="X")
    )
    assert deal.owner_id is None and deal.stage_id is None  # no pipelines synced yet


def test_users_are_found_by_me_login_or_id(firm: Engine) -> None:
    from desktop.operations.reference import resolve_user
    from tests.unit.operations_helpers import COLLEAGUE

    assert resolve_user(firm, text="me") == ME
    assert resolve_user(firm, text=" zhang ") == COLLEAGUE
    assert resolve_user(firm, text=COLLEAGUE) == COLLEAGUE
    with pytest.raises(RecordNotFound, match="No user with id nobody"):
        resolve_user(firm, text="nobody")


def test_before_the_first_sync_user_ids_are_taken_as_given(replica: Engine) -> None:
    from desktop.operations.reference import resolve_user

    assert resolve_user(replica, text="u-later") == "u-later"
    with pytest.raises(RecordNotFound, match="sign in first"):
        resolve_user(replica, text="me")
