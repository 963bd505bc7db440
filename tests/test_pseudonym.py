"""Rasa never sees a Telegram chat id."""

from pathlib import Path

from pydantic import SecretStr

from assistant.settings import Settings
from bot.pseudonym import conversation_id, load_key


def test_conversation_ids_are_stable_keyed_and_hide_the_chat_id() -> None:
    first = conversation_id(b"key-one", 123456789)
    assert first == conversation_id(b"key-one", 123456789)
    assert first != conversation_id(b"key-two", 123456789)
    assert first != conversation_id(b"key-one", 123456788)
    assert "123456789" not in first


def test_key_from_environment_wins(tmp_path: Path) -> None:
    settings = Settings(pseudonym_key=SecretStr("from-env"))
    assert load_key(settings, tmp_path / "key") == b"from-env"
    assert not (tmp_path / "key").exists()


def test_generated_key_is_private_and_reused(tmp_path: Path) -> None:
    settings = Settings(pseudonym_key=None)
    key_file = tmp_path / "var" / "pseudonym.key"
    key = load_key(settings, key_file)
    assert len(key) == 64
    assert key_file.stat().st_mode & 0o077 == 0
    assert load_key(settings, key_file) == key
