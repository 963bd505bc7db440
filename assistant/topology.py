"""How many processes of a kind the run command starts (RASA_INSTANCES, ADAPTER_WORKERS), and
what it refuses or corrects before starting them.

Several Rasa instances share the tracker store and keep their conversation locks in Redis
(RedisLockStore): without REDIS_URL each would lock only in its own memory. Several adapter
workers share the inbox through per-chat claims that only PostgreSQL has (bot/claims.py); on
SQLite one worker runs, and the operator is told so at start.
"""

from __future__ import annotations

from sqlalchemy.engine import make_url

from assistant.settings import Settings


def rasa_ports(settings: Settings) -> list[int]:
    """Consecutive ports from RASA_PORT, one per Rasa instance."""
    return [settings.rasa_port + number for number in range(settings.rasa_instances)]


def _on_postgresql(url: str) -> bool:
    try:
        return make_url(url).get_backend_name() == "postgresql"
    except ValueError:
        return False


def adapter_workers(settings: Settings) -> int:
    """The adapter workers to start: ADAPTER_WORKERS on PostgreSQL, one on SQLite."""
    return settings.adapter_workers if _on_postgresql(settings.database_url) else 1


def problems(settings: Settings) -> list[str]:
    """Settings that cannot work together: one sentence each, nothing is started."""
    if settings.rasa_instances > 1 and settings.redis_url is None:
        return [
            f"RASA_INSTANCES={settings.rasa_instances} needs REDIS_URL (e.g. redis://localhost:6379/1): "
            "several Rasa instances must share their conversation locks, or set RASA_INSTANCES=1."
        ]
    return []


def notices(settings: Settings) -> list[str]:
    """What runs differently from what was asked, said once at start."""
    said = []
    if settings.adapter_workers > 1 and adapter_workers(settings) == 1:
        said.append(
            f"ADAPTER_WORKERS={settings.adapter_workers} asked, one adapter worker started: the inbox "
            "is on SQLite, which several workers cannot share; set DATABASE_URL to PostgreSQL for more."
        )
    return said
