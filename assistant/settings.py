"""All configuration, read from the environment (and an optional, never committed `.env`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TELEGRAM_DEFAULT_BASE_URL = "https://api.telegram.org/bot"
# Exit code of a process that cannot work with this configuration (sysexits.h EX_CONFIG): the
# supervisor does not restart it, and systemd can be told the same (RestartPreventExitStatus).
EXIT_CONFIGURATION = 78


class Settings(BaseSettings):
    """Typed settings; every field is an environment variable of the same name (upper case)."""

    # The project root's .env, wherever the command is started from (a .env in the current
    # directory could belong to another project, and the project's own would be missed).
    model_config = SettingsConfigDict(env_file=PROJECT_ROOT / ".env", extra="ignore")

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
    redis_url: SecretStr | None = Field(
        default=None,
        description="redis://[:password@]host:port/db. Set: Rasa keeps its conversation locks in Redis "
        "(RedisLockStore), needed before several Rasa processes share the tracker store. Unset: "
        "Rasa's in-memory lock store (one Rasa process).",
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
    rasa_model: Path | None = Field(
        default=None,
        description="A trained model to serve as it is (e.g. trained on another machine). Unset: the "
        "model of the current training data, trained when missing.",
    )
    rasa_url: str = Field(
        default="http://127.0.0.1:5005",
        description="Base URL of the Rasa server; several, comma-separated, for several Rasa instances "
        "sharing the tracker store (the adapter moves on to the next when one does not answer).",
    )
    rasa_instances: int = Field(
        default=1,
        ge=1,
        description="Rasa servers the run command starts, on consecutive ports from RASA_PORT; more "
        "than one needs REDIS_URL (lock store) and keeps answering while one restarts.",
    )
    adapter_workers: int = Field(
        default=1,
        ge=1,
        description="Telegram adapter processes the run command starts. More than one needs a "
        "PostgreSQL DATABASE_URL: all handle the shared inbox, one chat at a time each; one receives "
        "updates at a time, the others stand by to take over.",
    )
    adapter_intake: bool = Field(
        default=True,
        description="Whether this adapter process may receive updates (polling or webhook). False: "
        "it only handles what the shared inbox holds (e.g. on machines the webhook does not reach).",
    )
    rasa_timeout_seconds: float = Field(
        default=60.0, description="How long the adapter waits for one Rasa turn before giving up on it."
    )
    rasa_port: int = Field(default=5005, description="Port the run command starts Rasa on.")
    action_server_port: int = Field(
        default=5055, description="Port the run command starts the action server on."
    )
    local_chat_port: int = Field(
        default=8080, description="Port of the local chat page (only without a bot token)."
    )
    adapter_metrics_port: int | None = Field(
        default=None,
        description="Port on 127.0.0.1 where the Telegram adapter serves Prometheus metrics. Unset: none.",
    )
    actions_metrics_port: int | None = Field(
        default=None,
        description="Port on 127.0.0.1 where the action server serves Prometheus metrics. Unset: none.",
    )
    action_workers: int = Field(
        default=1,
        ge=1,
        description="Worker processes of the action server (rasa-sdk's Sanic workers).",
    )
    log_level: str = Field(default="INFO", description="Log level of the application.")
    telegram_webhook_url: str | None = Field(
        default=None,
        description="Public HTTPS URL Telegram posts updates to (webhook mode). Unset: long polling.",
    )
    telegram_webhook_secret: SecretStr | None = Field(
        default=None,
        description="Secret Telegram sends with every webhook request (X-Telegram-Bot-Api-Secret-Token; "
        "1-256 of A-Z a-z 0-9 _ -). Required in webhook mode.",
    )
    telegram_webhook_listen: str = Field(
        default="127.0.0.1", description="Interface the webhook server listens on (behind a reverse proxy)."
    )
    telegram_webhook_port: int = Field(default=8443, description="Port of the webhook server.")
    telegram_drop_pending_updates: bool = Field(
        default=False, description="Discard updates that arrived while the bot was not running."
    )
    rasa_token: SecretStr | None = Field(
        default=None,
        description="Token of Rasa's HTTP API (set by the run command), used to read the reply language.",
    )
    actions_health_url: str | None = Field(
        default=None,
        description="Health URL of the action server (set by the run command): when Rasa returns "
        "nothing and this is down, the message is kept and sent again.",
    )
    admin_host: str = Field(
        default="127.0.0.1",
        description="Interface the counsellor admin listens on (put a TLS reverse proxy in front).",
    )
    admin_port: int = Field(default=8090, description="Port of the counsellor admin web page.")
    admin_secret_key: SecretStr | None = Field(
        default=None,
        description="Secret key signing the admin's session cookies and CSRF tokens. Generated "
        "once into var/admin_secret.key when unset.",
    )
    admin_insecure_http: bool = Field(
        default=False,
        description="Development only: send the admin session cookie without the Secure flag, so "
        "a browser keeps it over plain http://127.0.0.1. Ignored unless ADMIN_HOST is a loopback "
        "address.",
    )
    admin_session_idle_minutes: int = Field(
        default=60,
        ge=1,
        description="An admin session ends after this many minutes without a request (and always "
        "8 hours after logging in).",
    )
    admin_invitation_hours: int = Field(
        default=72,
        ge=1,
        description="How long an invitation link to the admin stays usable (once).",
    )
    handover_idle_days: float = Field(
        default=14.0,
        gt=0,
        description="A handover thread (the user writing to an organisation) closes itself after "
        "this many days without a message.",
    )
    handover_retention_days: float = Field(
        default=30.0,
        ge=0,
        description="The texts of a closed handover thread are deleted this many days after it "
        "closed (at once on /forget).",
    )
    smtp_host: str | None = Field(
        default=None,
        description="SMTP server for telling counsellors that a new handover message waits (the "
        "e-mail never contains the message). Unset: no e-mails.",
    )
    smtp_port: int = Field(default=587, description="Port of the SMTP server.")
    smtp_user: str | None = Field(default=None, description="SMTP login, if the server needs one.")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password.")
    smtp_starttls: bool = Field(default=True, description="Use STARTTLS on the SMTP connection.")
    smtp_from: str = Field(
        default="wegweiser@localhost", description="Sender address of the notification e-mails."
    )
    smtp_notify_seconds: float = Field(
        default=60.0, gt=0, description="How often the admin looks for handover messages to e-mail about."
    )
    admin_public_url: str | None = Field(
        default=None,
        description="Public address of the admin (https://...), named in notification e-mails.",
    )


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
