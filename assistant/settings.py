"""All configuration, read from the environment (and an optional, never committed `.env`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TELEGRAM_DEFAULT_BASE_URL = "https://api.telegram.org/bot"


class Settings(BaseSettings):
    """Typed settings; every field is an environment variable of the same name (upper case)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    telegram_bot_token: SecretStr | None = Field(
        default=None,
        description="Bot token from @BotFather. Without it, the run command opens a local chat page.",
    )
    telegram_base_url: str = Field(
        default=TELEGRAM_DEFAULT_BASE_URL,
        description="Bot API base URL in python-telegram-bot's form, ending in /bot "
        "(for a self-hosted Bot API server).",
    )
    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'var' / 'wegweiser.sqlite3'}",
        description="SQLAlchemy URL of the referral directory (SQLite file by default; "
        "postgresql+psycopg://... for PostgreSQL).",
    )
    tracker_store_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of Rasa's tracker store (conversation texts). Default: the "
        "PostgreSQL database of DATABASE_URL, or var/conversations.sqlite3 beside the SQLite file.",
    )
    conversation_retention_hours: float = Field(
        default=24.0,
        description="Conversations idle for longer are deleted from Rasa's tracker store.",
    )
    pseudonym_key: SecretStr | None = Field(
        default=None,
        description="Secret key for the keyed hash that replaces Telegram chat ids before they "
        "reach Rasa. Generated once into var/pseudonym.key when unset.",
    )
    rasa_url: str = Field(default="http://127.0.0.1:5005", description="Base URL of the Rasa server.")
    rasa_timeout_seconds: float = Field(default=20.0, description="Timeout for one Rasa turn.")
    rasa_port: int = Field(default=5005, description="Port the run command starts Rasa on.")
    action_server_port: int = Field(
        default=5055, description="Port the run command starts the action server on."
    )
    local_chat_port: int = Field(
        default=8080, description="Port of the local chat page (only without a bot token)."
    )
    log_level: str = Field(default="INFO", description="Log level of the application.")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
