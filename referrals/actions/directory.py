"""The directory as the actions see it: sessions and a place resolver, created on first use."""

from __future__ import annotations

import threading
from functools import lru_cache

from referrals.db import get_sessionmaker
from referrals.directory.places import CachedPlaceResolver, PlaceResolver
from referrals.directory.search import directory_places, place_of_postcode
from referrals.gazetteer import gazetteer


def load_places() -> list[str]:
    with get_sessionmaker()() as session:
        return directory_places(session)


def _postcode(postcode: str) -> tuple[str, float, float] | None:
    with get_sessionmaker()() as session:
        return place_of_postcode(session, postcode)


@lru_cache
def places() -> CachedPlaceResolver:
    return CachedPlaceResolver(lambda: PlaceResolver(load_places(), _postcode))


def warm_up() -> None:
    """Build the gazetteer (a few seconds) in the background, before the first user needs it."""
    threading.Thread(target=gazetteer, name="gazetteer-warm-up", daemon=True).start()
