"""Short references to services for Telegram buttons, whose data may hold only 64 bytes.

`short_ref` is 11 characters of a hash of the service id; the bot's "report a problem" and
"write to" buttons carry it, and the action server and the adapter resolve it here.
"""

from __future__ import annotations

import base64
import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from referrals.directory.models import Service

REF_LENGTH = 11  # 66 bits: no collision in practice even with millions of services


def short_ref(service_id: str) -> str:
    digest = hashlib.sha256(service_id.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:REF_LENGTH]


def resolve_ref(session: Session, ref: str) -> str | None:
    """The service id behind a short reference (None if no service has it)."""
    if not isinstance(ref, str) or len(ref) != REF_LENGTH:
        return None
    # Taps are rare: hashing every id (about 50 ms per 100 000 services) beats keeping a table.
    return next((sid for sid in session.scalars(select(Service.id)) if short_ref(sid) == ref), None)
