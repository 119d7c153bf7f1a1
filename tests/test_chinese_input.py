"""Chinese words typed for priorities and statuses end as the canonical English values."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from pmledger import i18n
from pmledger.errors import WorkflowError
from pmledger.i18n.labels import (
    DEFAULT_STATUS_LABELS,
    resolve_status,
    status_label,
    status_labels,
    workflow_text,
)
from pmledger.ledger.model import Priority, parse_priority
from pmledger.ledger.settings import DEFAULT_STATUSES, LedgerSettings, Settings

from .cli_helpers import add, assert_clean_error, invoke, make_ledger, ok, read_req
from .conftest import make


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("紧急", Priority.critical),
        ("最高", Priority.critical),
        ("高", Priority.high),
        ("中", Priority.medium),
        ("一般", Priority.medium),
        ("低", Priority.low),
        (" 高 ", Priority.high),
        ("Ｐ０", Priority.critical),  # full-width
        ("ＨＩＧＨ", Priority.high),
    ],
)
def test_chinese_priorities(typed: str, expected: Priority) -> None:
    assert parse_priority(typed) is expected
    # And through the model, so that the file says the canonical name.
    assert make(priority=typed).model_dump(mode="json")["priority"] == expected.value


def test_an_unknown_chinese_priority_is_refused() -> None:
    with pytest.raises(ValidationError):
        make(priority="很高")


def test_every_default_status_has_a_label() -> None:
    assert list(DEFAULT_STATUS_LABELS) == DEFAULT_STATUSES


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("提议", "proposed"),
        ("已接受", "accepted"),
        ("已计划", "planned"),
        ("进行中", "in-progress"),
        ("已完成", "done"),
        ("已拒绝", "rejected"),
        ("已推迟", "deferred"),
        ("完成", "done"),  # the bare verb, without 已
        ("拒绝", "rejected"),
        ("in-progress", "in-progress"),
        ("Done", "done"),
        ("  进行中　", "in-progress"),
    ],
)
def test_statuses_by_their_chinese_labels(typed: str, expected: str) -> None:
    assert resolve_status(typed, Settings()) == expected


def test_every_label_round_trips_to_its_status() -> None:
    settings = Settings()
    for status, label in status_labels(settings).items():
        assert resolve_status(label, settings) == status
        assert resolve_status(status, settings) == status


def _settings(**ledger: object) -> Settings:
    return Settings(ledger=LedgerSettings.model_validate(ledger))


def test_labels_come_from_pmledger_toml() -> None:
    settings = _settings(
        statuses=["proposed", "review", "done", "rejected", "deferred"],
        default_status="proposed",
        in_progress_status="review",
        planned_status="review",
        closed_statuses=["done", "rejected"],
        inactive_statuses=["done"],
        status_labels={"review": "评审中", "deferred": "搁置"},
    )
    assert resolve_status("评审中", settings) == "review"
    assert resolve_status("搁置", settings) == "deferred"
    assert resolve_status("已完成", settings) == "done"  # defaults stay for the others
    with pytest.raises(WorkflowError, match="已推迟"):
        resolve_status("已推迟", settings)  # replaced by 搁置
    assert status_labels(settings) == {
        "proposed": "提议",
        "review": "评审中",
        "done": "已完成",
        "rejected": "已拒绝",
        "deferred": "搁置",
    }


def test_two_statuses_with_one_label_are_ambiguous() -> None:
    settings = _settings(status_labels={"done": "结束", "rejected": "结束"})
    with pytest.raises(WorkflowError, match="could mean done, rejected"):
        resolve_status("结束", settings)
    assert resolve_status("done", settings) == "done"


def test_a_label_for_an_unknown_status_is_a_settings_error() -> None:
    with pytest.raises(ValidationError, match="status_labels"):
        _settings(status_labels={"reveiw": "评审中"})


def test_unknown_status_names_the_workflow_in_the_readers_language() -> None:
    settings = Settings()
    with pytest.raises(WorkflowError) as caught:
        resolve_status("finished", settings)
    assert str(caught.value) == (
        "unknown status 'finished'; the workflow is "
        "proposed, accepted, planned, in-progress, done, rejected, deferred"
    )
    with i18n.using("zh"), pytest.raises(WorkflowError) as caught:
        resolve_status("结束了", settings)
    assert "未知状态 '结束了'" in str(caught.value)
    assert "进行中 (in-progress)" in str(caught.value)


def test_status_label_for_readers() -> None:
    settings = Settings()
    assert status_label("done", settings) == "done"
    assert workflow_text(settings).startswith("proposed, accepted")
    with i18n.using("zh"):
        assert status_label("done", settings) == "已完成"
        assert status_label("custom", settings) == "custom"


def test_language_setting_is_checked() -> None:
    assert LedgerSettings(language="zh").language == "zh"
    with pytest.raises(ValidationError):
        LedgerSettings.model_validate({"language": "fr"})


def test_a_meeting_typed_in_chinese_is_stored_in_english(tmp_path: Path) -> None:
    root = make_ledger(tmp_path)
    req_id = add("客户列表导出 Excel", "-p", "高", "--status", "已接受", "--due", "下周五")
    data = read_req(root, req_id)
    assert (data["priority"], data["status"]) == ("high", "accepted")
    assert isinstance(data["due"], date)

    ok(["status", req_id, "进行中"])
    assert read_req(root, req_id)["status"] == "in-progress"
    ok(["set", req_id, "priority=紧急", "due=２０２６／１２／２５"])
    data = read_req(root, req_id)
    assert (data["priority"], data["due"]) == ("critical", date(2026, 12, 25))

    listed = json.loads(ok(["list", "--status", "进行中", "-f", "json"]).stdout)
    assert [r["id"] for r in listed] == [req_id]
    assert listed[0]["status"] == "in-progress"  # JSON keeps the canonical value
    ok(["status", req_id, "完成"])
    assert read_req(root, req_id)["status"] == "done"


def test_an_unknown_chinese_status_is_refused_cleanly(tmp_path: Path) -> None:
    make_ledger(tmp_path)
    req_id = add("t")
    result = invoke(["--lang", "zh", "status", req_id, "结束了"])
    assert_clean_error(result, 2)
    assert "未知状态 '结束了'" in result.stderr
