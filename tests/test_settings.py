"""Settings come from K2CHAT_* variables; a change to them is seen by the next call."""

from __future__ import annotations

from pathlib import Path

import pytest

from k2chat.errors import SettingsError
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
    with pytest.raises(SettingsError, match="K2CHAT_PORT='not a number' is not allowed"):
        Settings.from_env()


def test_an_explicit_mapping_ignores_the_process_environment(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("K2CHAT_HOST", "0.0.0.0")
    assert Settings.from_env({}).host == "127.0.0.1"
    assert Settings.from_env({"K2CHAT_HOST": "::1"}).host == "::1"


@pytest.mark.parametrize(("name", "value", "allowed"), [
    ("PORT", "0", "from 1 to 65535"), ("PORT", "65536", "from 1 to 65535"),
    ("MAX_QUESTION_CHARS", "-5", "from 1 to 100000"), ("MAX_QUESTION_CHARS", "0", "from 1"),
    ("CONCURRENCY_LIMIT", "0", "from 1 to 256"), ("CONCURRENCY_LIMIT", "-3", "from 1"),
    ("CONCURRENCY_LIMIT", "1e3", "a whole number"), ("SHUTDOWN_GRACE", "nan", "from 0 to 300"),
    ("SHUTDOWN_GRACE", "301", "from 0 to 300"), ("COLLECTION", "a b", "letters, digits"),
    ("CHROMA_URL", "localhost:8000", "an http:// or https:// URL"),
    ("TRUSTED_PROXIES", "10.0.0.0/8,proxy", "IP addresses or networks"),
])
def test_a_value_out_of_range_names_the_variable_and_what_is_allowed(
        name: str, value: str, allowed: str) -> None:
    """Issue 22, item 12: K2CHAT_CONCURRENCY_LIMIT=0 printed "ready" and answered nothing."""
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({f"K2CHAT_{name}": value})
    message = str(raised.value)
    assert message.startswith(f"K2CHAT_{name}=") and "not allowed" in message
    assert allowed in message and "\n" not in message


def test_values_in_range_are_taken() -> None:
    s = Settings.from_env({"K2CHAT_PORT": "1", "K2CHAT_CONCURRENCY_LIMIT": "256",
                           "K2CHAT_SHUTDOWN_GRACE": "0", "K2CHAT_TRUSTED_PROXIES": "10.0.0.1, ::1"})
    assert (s.port, s.concurrency_limit, s.shutdown_grace) == (1, 256, 0.0)
    assert s.trusted_proxies == ("10.0.0.1", "::1")


def test_settings_made_in_code_are_checked_too(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="K2CHAT_PORT=0"):
        Settings(corpus_dir=tmp_path, data_dir=tmp_path, port=0)
    with pytest.raises(SettingsError, match="K2CHAT_CONCURRENCY_LIMIT=0"):
        Settings(corpus_dir=tmp_path, data_dir=tmp_path).with_(concurrency_limit=0)
