"""Coordinates for locations that came without them: the centre of their city.

City-centre coordinates are enough to rank places in other cities by distance and
are marked as such (coordinates_precision = "city"), never passed off as exact.
"""

from __future__ import annotations

from referrals.directory.models import Location
from referrals.gazetteer import gazetteer


def fill_coordinates(location: Location) -> None:
    if location.latitude is not None and location.longitude is not None:
        location.coordinates_precision = location.coordinates_precision or "exact"
        return
    address = location.address
    place = gazetteer().lookup(address.city) if address is not None else None
    if place is not None:
        location.latitude, location.longitude = place.latitude, place.longitude
        location.coordinates_precision = "city"
