"""Per-chat claims, so that several adapter workers share one inbox on PostgreSQL.

A worker handles a chat's updates only while it holds the chat's claim, and then always the
chat's oldest unfinished update as the database has it: two workers never run two turns of
one chat at once, and each chat keeps its order whichever worker stored or handles it.

The claim is a session-level advisory lock (`pg_try_advisory_lock`) held on a connection of
its own while the worker works through the chat. Chosen over a claim row with a lease because
PostgreSQL drops the lock the moment the holder's connection closes: a worker killed with
SIGKILL frees its chats at once (no lease to wait out, no clocks to trust), and holding a
claim writes nothing. Two chats whose keys collide (64-bit hash) merely wait for each other.
"""

from __future__ import annotations

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.exc import SQLAlchemyError

_KEY = "hashtextextended(:chat, 0)"


class ChatClaims:
    """Blocking; the dispatcher calls it in a thread. One pooled connection per claim held."""

    def __init__(self, database_url: str, claims_at_once: int) -> None:
        # Its own pool: a held claim must never starve the inbox's reads and writes.
        self._engine = create_engine(
            database_url, pool_size=claims_at_once, max_overflow=0, pool_pre_ping=True
        )

    def try_claim(self, chat: str) -> Connection | None:
        """The claim's connection, or None when another worker holds the chat."""
        connection = self._engine.connect()
        try:
            held = connection.scalar(text(f"SELECT pg_try_advisory_lock({_KEY})"), {"chat": chat})
            connection.commit()  # the lock is the session's, not the transaction's
        except BaseException:
            connection.invalidate()
            connection.close()
            raise
        if not held:
            connection.close()
            return None
        return connection

    @staticmethod
    def still_held(connection: Connection) -> bool:
        """False when the claim's connection broke (the lock went with it)."""
        try:
            connection.execute(text("SELECT 1"))
            connection.commit()
        except SQLAlchemyError:
            return False
        return True

    @staticmethod
    def release(connection: Connection) -> None:
        try:
            connection.execute(text("SELECT pg_advisory_unlock_all()"))
            connection.commit()
        except SQLAlchemyError:
            connection.invalidate()  # never back into the pool with a lock still on it
        finally:
            connection.close()

    def dispose(self) -> None:
        self._engine.dispose()


def shares_inbox(database_url: str) -> bool:
    """Whether several workers can share this inbox: only PostgreSQL has the claims."""
    return database_url.startswith(("postgresql", "postgres"))
