"""Settings read back from the settings cache are the validated ones, never stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmledger.errors import ConfigError
from pmledger.ledger.cache import cache_path
from pmledger.ledger.ledger import Ledger
from pmledger.ledger.settings import CONFIG_NAME, Settings, load_settings


def test_settings_come_back_from_the_cache_equal_and_follow_every_edit(ledger: Ledger) -> None:
    config = ledger.root / CONFIG_NAME
    first = load_settings(ledger.root)
    stored = cache_path(ledger.root, "settings")
    assert stored.exists()
    again = load_settings(ledger.root)
    assert again == first and type(again) is Settings
    assert again.model_dump() == Settings.model_validate(first.model_dump()).model_dump()
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('id_prefix = "REQ"', 'id_prefix = "CRM"'), encoding="utf-8")
    assert load_settings(ledger.root).ledger.id_prefix == "CRM"
    config.write_text(text.replace('id_prefix = "REQ"', 'id_prefix = "no way"'), "utf-8")
    with pytest.raises(ConfigError):
        load_settings(ledger.root)  # refused, whatever was cached before
    config.write_text(text, encoding="utf-8")
    assert load_settings(ledger.root) == first


def test_a_torn_or_foreign_settings_cache_is_only_a_slower_start(ledger: Ledger) -> None:
    first = load_settings(ledger.root)
    stored = cache_path(ledger.root, "settings")
    stored.write_bytes(b"\x80\x05not a pickle")
    assert load_settings(ledger.root) == first
    assert stored.read_bytes() != b"\x80\x05not a pickle"  # stored anew


def test_no_settings_cache_when_caching_is_off(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PMLEDGER_NO_CACHE", "1")
    stored = cache_path(ledger.root, "settings")
    stored.unlink(missing_ok=True)
    assert load_settings(ledger.root).ledger.id_prefix == "REQ"
    assert not stored.exists()


def test_a_missing_settings_file_is_still_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path)
