"""The directory as the actions see it: sessions and a place matcher, created on first use."""

from __future__ import annotations

from functools import lru_cache

from referrals.db import get_sessionmaker
from referrals.places import CachedPlaceMatcher
from referrals.search import known_cities


def load_cities() -> list[str]:
    with get_sessionmaker()() as session:
        return known_cities(session)


@lru_cache
def place_matcher() -> CachedPlaceMatcher:
    return CachedPlaceMatcher(load_cities)
