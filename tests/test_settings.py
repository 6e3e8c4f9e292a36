"""Settings come from K2CHAT_* variables; a change to them is seen by the next call."""

from __future__ import annotations

from pathlib import Path

import pytest

from k2chat.settings import ENV_NAMES, ENV_PREFIX, Settings


def test_every_variable_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert [n for n in ENV_NAMES if ENV_PREFIX + n not in readme] == []


def test_the_process_environment_is_read_again_when_it_changes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("K2CHAT_PORT", raising=False)
    monkeypatch.delenv("K2CHAT_DATA_DIR", raising=False)
    before = Settings.from_env()
    assert Settings.from_env() == before
    monkeypatch.setenv("K2CHAT_PORT", "7999")
    monkeypatch.setenv("K2CHAT_DATA_DIR", str(tmp_path))
    changed = Settings.from_env()
    assert changed.port == 7999 and changed.data_dir == tmp_path.resolve()
    monkeypatch.chdir(tmp_path)  # the default corpus follows the working directory
    assert Settings.from_env().port == 7999
    monkeypatch.setenv("K2CHAT_PORT", "not a number")
    with pytest.raises(ValueError, match="K2CHAT_PORT must be a whole number"):
        Settings.from_env()


def test_an_explicit_mapping_ignores_the_process_environment(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("K2CHAT_HOST", "0.0.0.0")
    assert Settings.from_env({}).host == "127.0.0.1"
    assert Settings.from_env({"K2CHAT_HOST": "::1"}).host == "::1"
